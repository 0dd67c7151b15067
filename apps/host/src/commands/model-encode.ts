// model encode-text / encode-image / decode: a FLUX.2 download's text encoder and VAE from the command line.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { decodeLatentFile, encodeImageToFile, encodeTextToFile } from '@lora-studio/models';
import { UsageError, type Command } from './command';
import { baseFromLibrary } from './library-base';
import { orFail, wholeNumber } from './grid';
import { say } from './terminal-text';

/** A name from `model list`, or a path (a diffusers folder or a lora-studio-model.json). */
function modelPath(model: string | undefined): string {
  if (!model) throw new UsageError('--model is required: a name from "lora-studio model list" or a model folder.');
  return baseFromLibrary(model);
}

export const modelEncodeTextCommand: Command = {
  name: 'model encode-text',
  summary: 'Encode a prompt with a FLUX.2 model\'s text encoder into a safetensors file.',
  help: `Usage: lora-studio model encode-text --model M --prompt P --out F.safetensors [--threads N]

Writes input_ids [T] int64 and context [T, D] float32: the prompt in the model's chat template, padded on the right to
T = 512 tokens, and the text encoder's hidden states FLUX.2 reads (klein 9/18/27, dev 10/20/30) side by side.`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, prompt: { type: 'string' }, out: { type: 'string' }, threads: { type: 'string' } } });
    if (values.prompt === undefined || !values.out) throw new UsageError('--prompt and --out are required.');
    const r = await orFail(() => encodeTextToFile(modelPath(values.model), values.prompt!, values.out!, { threads: wholeNumber(values.threads, '--threads') }));
    say(`${values.out}: ${r.tokens} prompt tokens${r.truncated ? ' (cut to fit)' : ''}, context width ${r.contextDim}`);
    return 0;
  },
};

export const modelEncodeImageCommand: Command = {
  name: 'model encode-image',
  summary: 'Encode an image with a FLUX.2 model\'s VAE into a safetensors file.',
  help: `Usage: lora-studio model encode-image --model M --image PNG --out F.safetensors [--threads N]

Writes latent [C, H/8, W/8] (the VAE encoder's mean, pixels mapped to [-1, 1]) and tokens [N, 4C] (the normalised
2×2-patchified latent in row-major token order: what the transformer sees). Sides must be multiples of 16.`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, image: { type: 'string' }, out: { type: 'string' }, threads: { type: 'string' } } });
    if (!values.image || !values.out) throw new UsageError('--image and --out are required.');
    const path = modelPath(values.model);
    const image = await orFail(async () => {
      const { data, info } = await sharp(values.image!).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, data: new Uint8Array(data) };
    });
    const r = await orFail(() => encodeImageToFile(path, image, values.out!, { threads: wholeNumber(values.threads, '--threads') }));
    say(`${values.out}: latent [${r.latent.join(', ')}], tokens [${r.tokens.join(', ')}]`);
    return 0;
  },
};

export const modelDecodeCommand: Command = {
  name: 'model decode',
  summary: 'Decode a latent (as model encode-image writes it) with a FLUX.2 model\'s VAE into a PNG.',
  help: `Usage: lora-studio model decode --model M --latent F.safetensors --out OUT.png [--threads N]

Reads the "latent" tensor [C, h, w]; the image is clamped to [-1, 1] and rounded to 8 bits.`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, latent: { type: 'string' }, out: { type: 'string' }, threads: { type: 'string' } } });
    if (!values.latent || !values.out) throw new UsageError('--latent and --out are required.');
    const image = await orFail(() => decodeLatentFile(modelPath(values.model), values.latent!, { threads: wholeNumber(values.threads, '--threads') }));
    writeFileSync(values.out, await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer());
    say(`${values.out}: ${image.width}×${image.height}`);
    return 0;
  },
};
