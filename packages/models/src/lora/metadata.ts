// Header metadata for exported LoRAs: modelspec (what ComfyUI/A1111-style tools show), kohya ss_* (what
// LoRA browsers and trainers read) and our own training config (to continue training or reproduce a run).

export interface LoraTrainingInfo {
  /** Preset name of the base model, e.g. "flux2-klein-4b". */
  baseModel: string;
  /** modelspec.architecture when the base model knows its own (a FLUX.2 download: "Flux.2-klein-4b/lora"). */
  architecture?: string;
  title?: string;
  triggerWord?: string;
  steps?: number;
  epochs?: number;
  resolution?: [number, number];
  /** kohya layout: dataset folder → tag → count. */
  tagFrequency?: Record<string, Record<string, number>>;
  learningRate?: number;
  seed?: number;
  /** The full run config as our trainer saw it. */
  trainingConfig?: unknown;
  /** ISO date; defaults are left to the caller so exports stay reproducible. */
  date?: string;
}

const ARCHITECTURES: Record<string, string> = {
  'flux2-dev': 'Flux.2-dev/lora',
  'flux2-klein-4b': 'Flux.2-klein-4b/lora',
  'flux2-klein-9b': 'Flux.2-klein-9b/lora',
};

export function loraArchitecture(baseModel: string): string {
  return ARCHITECTURES[baseModel] ?? `LoRA-Studio/${baseModel}/lora`;
}

export function loraTrainingMetadata(info: LoraTrainingInfo): Record<string, string> {
  const m: Record<string, string> = {
    'modelspec.sai_model_spec': '1.0.0',
    'modelspec.architecture': info.architecture ?? loraArchitecture(info.baseModel),
    'modelspec.implementation': 'https://github.com/black-forest-labs/flux2',
    ss_base_model_version: info.baseModel,
    ss_sd_model_name: info.baseModel,
  };
  if (info.title) {
    m['modelspec.title'] = info.title;
    m.ss_output_name = info.title;
  }
  if (info.triggerWord) m['modelspec.trigger_phrase'] = info.triggerWord;
  if (info.date) m['modelspec.date'] = info.date;
  if (info.resolution) {
    m['modelspec.resolution'] = `${info.resolution[0]}x${info.resolution[1]}`;
    m.ss_resolution = `(${info.resolution[0]}, ${info.resolution[1]})`;
  }
  if (info.steps !== undefined) {
    m.ss_steps = String(info.steps);
    m.ss_max_train_steps = String(info.steps);
  }
  if (info.epochs !== undefined) m.ss_epoch = String(info.epochs);
  if (info.learningRate !== undefined) m.ss_learning_rate = String(info.learningRate);
  if (info.seed !== undefined) m.ss_seed = String(info.seed);
  if (info.tagFrequency) m.ss_tag_frequency = JSON.stringify(info.tagFrequency);
  if (info.trainingConfig !== undefined) m['lora_studio.training_config'] = JSON.stringify(info.trainingConfig);
  return m;
}
