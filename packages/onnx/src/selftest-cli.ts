// npx tsx packages/onnx/src/selftest-cli.ts [--cpu] [--threads N] [--steps N]
import { runEngineSelftest } from './selftest';

const args = process.argv.slice(2);
const value = (flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};
const result = await runEngineSelftest((line) => console.log(line), {
  providers: args.includes('--cpu') ? ['cpu'] : undefined,
  threads: value('--threads'),
  steps: value('--steps'),
});
process.exitCode = result.ok ? 0 : 1;
