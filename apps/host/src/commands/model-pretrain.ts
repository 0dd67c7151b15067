import { PRETRAIN_HELP, PretrainArgumentError, runPretrainCli } from '@lora-studio/models';
import { UsageError, type Command } from './command';

export const modelPretrainCommand: Command = {
  name: 'model pretrain',
  summary: 'Pretrain the embedded default model from scratch on the bundled emoji corpus.',
  help: PRETRAIN_HELP,
  async run(argv) {
    try {
      return await runPretrainCli(argv, 'lora-studio model pretrain');
    } catch (e) {
      throw e instanceof PretrainArgumentError ? new UsageError(e.message) : e;
    }
  },
};
