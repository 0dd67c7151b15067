import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { generateImages, ImageRenderer, loraScaleWarning } from '@lora-studio/core';
import { loadAdapter } from '@lora-studio/models';
import { UsageError, type Command } from './command';
import { orFail, referenceFiles, wholeNumber } from './grid';
import { baseFromLibrary } from './library-base';
import { complain, say } from './terminal-text';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'Generate images with a base model, optionally with a LoRA at a scale.',
  help: `Usage: lora-studio generate --base default|NAME|PATH [--lora FILE --scale S] --prompt P [--negative N] --seed S --out out.png
         [--reference FILE]... [--guidance G] [--steps N] [--width W --height H] [--batch N] [--threads T]

--base takes 'default' (the embedded model), a name from "lora-studio model list", or a model folder. Steps and guidance
default to the model's own: 4 steps unguided for a step-distilled klein, guidance 4 (real CFG with --negative for
klein base, the guidance embedding for dev) otherwise.
--lora takes a LoRA file in any format (diffusers/PEFT, BFL+PEFT, kohya). The guide: scale 0.8 strong, 0.5 subtle,
stay within 0.6–0.9; above 1.0 oversaturates. With --batch N the images use seeds S…S+N−1 and are written as
out-1.png … out-N.png.
--reference (up to 3 times) gives FLUX.2 reference images for an edit LoRA, in order (the "before" picture first); each
is fitted to the output size as training fits a reference to its image.
Example: lora-studio generate --base default --lora runs/flt/lora.safetensors --scale 0.8 --prompt "rocket, in the style of flt" --seed 1 --out rocket.png`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        base: { type: 'string', default: 'default' }, lora: { type: 'string' }, scale: { type: 'string', default: '1' }, prompt: { type: 'string' },
        negative: { type: 'string' }, seed: { type: 'string', default: '0' }, out: { type: 'string' }, guidance: { type: 'string' }, steps: { type: 'string' },
        width: { type: 'string' }, height: { type: 'string' }, batch: { type: 'string', default: '1' }, threads: { type: 'string' },
        reference: { type: 'string', multiple: true },
      },
    });
    if (!values.prompt) throw new UsageError('--prompt is required.');
    if (!values.out) throw new UsageError('--out out.png is required.');
    const scale = Number(values.scale);
    if (!Number.isFinite(scale) || scale < 0) throw new UsageError(`--scale must be a number ≥ 0 (got "${values.scale}").`);
    const guidance = values.guidance === undefined ? undefined : Number(values.guidance);
    if (guidance !== undefined && !Number.isFinite(guidance)) throw new UsageError(`--guidance must be a number (got "${values.guidance}").`);
    const lora = values.lora ? await orFail(async () => loadAdapter(values.lora!).adapter) : null;
    const warning = lora ? loraScaleWarning(scale) : null;
    if (warning) complain(`warning: ${warning}`);
    const renderer = await orFail(() => ImageRenderer.open(baseFromLibrary(values.base!), { threads: wholeNumber(values.threads, '--threads') }));
    try {
      const images = await orFail(() => generateImages(renderer, {
        prompt: values.prompt!, negativePrompt: values.negative, guidance, steps: wholeNumber(values.steps, '--steps'),
        seed: wholeNumber(values.seed, '--seed')!, width: wholeNumber(values.width, '--width'), height: wholeNumber(values.height, '--height'),
        lora, scale, batch: wholeNumber(values.batch, '--batch'), references: referenceFiles(values.reference),
      }));
      const ext = extname(values.out);
      for (const [i, m] of images.entries()) {
        const path = images.length === 1 ? values.out : `${values.out.slice(0, values.out.length - ext.length)}-${i + 1}${ext || '.png'}`;
        writeFileSync(path, await sharp(m.image.data, { raw: { width: m.image.width, height: m.image.height, channels: 3 } }).png().toBuffer());
        say(`${path}  seed ${m.seed}`);
      }
    } finally {
      await renderer.close();
    }
    return 0;
  },
};
