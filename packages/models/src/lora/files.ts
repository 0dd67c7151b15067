// Reading and writing LoRA files on disk.
import { InvalidInputError } from '@lora-studio/api';
import { SafetensorsFile, SafetensorsFormatError, writeSafetensorsFile } from '@lora-studio/onnx';
import type { LoraAdapter } from './adapter';
import type { Adapter } from '../adapter/adapter-type';
import { exportLora, importAdapter, importLora, loraSourceOf, readLoraParts, type LoraExportOptions, type LoraFileLayer, type LoraFormat } from './formats';

export function saveLora(path: string, adapter: Adapter, format: LoraFormat, options: LoraExportOptions = {}): void {
  const { tensors, metadata } = exportLora(adapter, format, options);
  writeSafetensorsFile(path, tensors, metadata);
}

/** A LoRA file the user chose: one that is missing or not safetensors is theirs to fix, and says so. */
function openLoraFile(path: string): SafetensorsFile {
  try {
    return SafetensorsFile.open(path);
  } catch (err) {
    if (err instanceof SafetensorsFormatError) throw new InvalidInputError(err.message);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InvalidInputError(`There is no LoRA file at ${path}. Check the path.`);
    throw err;
  }
}

export function loadLora(path: string): { adapter: LoraAdapter; format: LoraFormat } {
  const file = openLoraFile(path);
  try {
    return importLora(loraSourceOf(file), path);
  } finally {
    file.close();
  }
}

/** Any adapter file: LoRA pairs, or a LyCORIS LoKr or LoHa. */
export function loadAdapter(path: string): { adapter: Adapter; format: LoraFormat } {
  const file = openLoraFile(path);
  try {
    return importAdapter(loraSourceOf(file), path);
  } finally {
    file.close();
  }
}

/** A LoRA file's tensor pairs as stored (its own names and shapes), checked as loadLora checks them. */
export function readLoraFileParts(path: string): { layers: LoraFileLayer[]; format: LoraFormat } {
  const file = openLoraFile(path);
  try {
    return readLoraParts(loraSourceOf(file), path);
  } finally {
    file.close();
  }
}
