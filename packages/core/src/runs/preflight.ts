import { DEFAULT_BASE_MODEL, type PreflightProblem, type PreflightReport, type TrainingOverrides, type TrainingSettings } from '@lora-studio/api';
import { ProjectCaptions } from '@lora-studio/captions/node';
import { DatasetCatalog } from '@lora-studio/media';
import type { LoraTargets } from '@lora-studio/models';
import type { ProjectStore } from '@lora-studio/store';
import { mostReferences, planNewRun, readBaseShape, TrainingSetupError, type BaseModelShape } from '@lora-studio/trainer';
import { statfsSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { detectComputeDevice } from '../compute-device';
import { checkRunMemory } from './memory-check';

const MB = 1024 * 1024;

/**
 * Everything that would stop a run or make it disappointing, found before anything starts. The base model is read
 * from its config and file headers (readBaseShape), never loaded: the Train view asks again whenever a setting
 * changes, and a FLUX.2 download is gigabytes. The estimate is the one the loaded model gives (base-model-shape.test).
 */
export async function preflight(store: ProjectStore, overrides: TrainingOverrides = {}, base = DEFAULT_BASE_MODEL): Promise<PreflightReport> {
  const errors: PreflightProblem[] = [];
  const warnings: PreflightProblem[] = [];
  const project = store.settings();
  const device = detectComputeDevice();
  const deviceMemoryMb = Math.round(totalmem() / MB);

  const health = new DatasetCatalog(store).health();
  // The dataset's own warnings, the image count among them (as 'dataset-image-count').
  for (const w of health.warnings) (w.severity === 'error' ? errors : warnings).push({ id: `dataset-${w.id}`, message: w.message });

  const captionState = new ProjectCaptions(store).coverage(overrides.trigger ?? project.trigger);
  const unreviewed = captionState.included - captionState.reviewed;
  if (captionState.withoutTrigger > 0 && captionState.withoutTrigger < captionState.included) {
    warnings.push({ id: 'captions-trigger', message: `${captionState.withoutTrigger} caption(s) do not contain the trigger word "${overrides.trigger ?? project.trigger}". The guide: put the trigger early in every caption.` });
  }
  if (unreviewed > 0) {
    warnings.push({ id: 'captions-unreviewed', message: `${unreviewed} of ${captionState.included} captions are not reviewed. The guide: always review auto-captions; they often describe what the trigger should carry.` });
  }

  let model: BaseModelShape | undefined;
  let settings: TrainingSettings | null = null;
  const reasoning: Record<string, string> = {};
  let estimate = { memoryMb: 0, diskMb: 0, diskFreeMb: 0 };
  try {
    model = await readBaseShape(base);
    const plan = await planNewRun({
      dataset: store.dir,
      base,
      runDir: join(tmpdir(), `lora-studio-preflight-${randomUUID()}`),
      type: overrides.type ?? project.type,
      trigger: overrides.trigger ?? project.trigger,
      overrides,
    }, model);
    const config = plan.description.config;
    settings = config;
    const images = plan.dataset.images.length;
    const small = model.profile.small;
    reasoning.steps = small
      ? `${images} images × 10 steps, kept within 100–500: the guide's images × 100 (500–2000), scaled down because the built-in model is small and learns in fewer steps.`
      : `${images} images × 100 steps, kept within 500–2000 (the guide: start at images × 100; stop early if the loss plateaus or rises).`;
    reasoning.lr = `${config.lr} with ${config.scheduler}: the guide's choice for ${config.type} LoRAs${small ? ' (×5 for the small built-in model, which trains fewer steps)' : ''}.`;
    reasoning.rank = 'Rank 16, alpha = rank: the guide’s balanced default (4–8 for simple concepts, 32–64 for more detail).';
    reasoning.batch = small ? 'Batch 4, no accumulation: the CPU runs the whole batch in one step.' : 'Batch 1 with gradient accumulation 4: fits a 24 GB GPU (the guide).';
    reasoning.preservation = small
      ? `On for the small built-in model, which follows captions only weakly: without it a LoRA leaks into prompts that lack the trigger. ${config.priorImages} base-model pictures, and half the examples trained toward the base model without "${config.trigger}".`
      : 'Off: it costs an extra forward pass per preserved example. Turn it on if prompts without the trigger change with the LoRA (the Compare view’s bleed score).';
    const masked = plan.dataset.images.filter((i) => i.mask).length;
    reasoning.unmaskedWeight = masked === 0
      ? 'No image has a mask, so this changes nothing; paint one in the Dataset view, or import NAME_mask.png beside NAME.png.'
      : `${masked} of ${images} images have a mask; the others learn everywhere.`;
    // An edit LoRA learns from pairs; images without a "before" picture teach the plain text-to-image task instead.
    const withReferences = plan.dataset.images.filter((i) => (i.references?.length ?? 0) > 0).length;
    if (withReferences > 0 && withReferences < images) {
      warnings.push({
        id: 'references-partial',
        message: `${withReferences} of ${images} images have reference images (an edit LoRA); the other ${images - withReferences} train as plain text-to-image examples. Give them their "before" picture in the Dataset view, or exclude them, if the LoRA should only edit.`,
      });
    }
    reasoning.checkpointEvery = `Every ${config.checkpointEvery} steps, so you can compare checkpoints: the best LoRA is rarely the last step.`;

    const layers = model.family.loraTargets(config.targets as LoraTargets);
    const loraParams = layers.reduce((n, l) => n + config.rank * (l.inDim + l.outDim), 0);
    // Text at the pipelines' 512 tokens: the run itself uses its longest caption's length, never more.
    const memory = checkRunMemory(model, config, undefined, undefined, mostReferences(plan.dataset));
    estimate.memoryMb = Math.ceil(memory.totalBytes / MB);
    if (memory.problem) (memory.problem.severity === 'error' ? errors : warnings).push({ id: 'memory', message: memory.problem.message });
    const checkpoints = Math.ceil(config.steps / config.checkpointEvery) + 1;
    estimate.diskMb = Math.ceil((loraParams * 4 * 3 * checkpoints) / MB) + 10;
    const fs = statfsSync(store.dir);
    estimate.diskFreeMb = Math.floor((fs.bavail * fs.bsize) / MB);
    if (estimate.diskFreeMb < estimate.diskMb) {
      errors.push({ id: 'disk', message: `Checkpoints need about ${estimate.diskMb} MB but only ${estimate.diskFreeMb} MB are free on this disk. Free some space or checkpoint less often.` });
    }
  } catch (err) {
    if (err instanceof TrainingSetupError) {
      // The trainer checks the dataset again on its own; a problem the dataset check already named is said once.
      for (const [i, p] of err.problems.entries()) if (!errors.some((e) => e.message === p)) errors.push({ id: `setup-${i}`, message: p });
    } else {
      errors.push({ id: 'base-model', message: `The base model could not be loaded: ${err instanceof Error ? err.message : String(err)}` });
    }
  } finally {
    await model?.close();
  }
  if (device.provider === 'cpu') {
    warnings.push({ id: 'device', message: `Training runs on the ${device.label}. ${device.fallbacks[0] ?? ''}`.trim() });
  }
  return {
    errors,
    warnings,
    settings,
    reasoning,
    imageCount: health.included,
    device: { label: device.label, memoryMb: deviceMemoryMb },
    estimate,
  };
}
