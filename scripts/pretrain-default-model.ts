// The same as `lora-studio model pretrain …`, runnable from a checkout with `npx tsx scripts/pretrain-default-model.ts …`.
import { PRETRAIN_HELP, PretrainArgumentError, runPretrainCli } from '../packages/models/src/default-model/pretrain-cli';

try {
  process.exitCode = await runPretrainCli(process.argv.slice(2), 'npx tsx scripts/pretrain-default-model.ts');
} catch (e) {
  console.error((e as Error).message);
  if (e instanceof PretrainArgumentError) console.error(`\n${PRETRAIN_HELP}`);
  process.exitCode = e instanceof PretrainArgumentError ? 2 : 1;
}
