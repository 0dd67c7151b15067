// Reading and writing LoRA files on disk.
import { SafetensorsFile, writeSafetensorsFile } from '@lora-studio/onnx';
import type { LoraAdapter } from './adapter';
import { exportLora, importLora, loraSourceOf, readLoraParts, type LoraExportOptions, type LoraFileLayer, type LoraFormat } from './formats';

export function saveLora(path: string, adapter: LoraAdapter, format: LoraFormat, options: LoraExportOptions = {}): void {
  const { tensors, metadata } = exportLora(adapter, format, options);
  writeSafetensorsFile(path, tensors, metadata);
}

export function loadLora(path: string): { adapter: LoraAdapter; format: LoraFormat } {
  const file = SafetensorsFile.open(path);
  try {
    return importLora(loraSourceOf(file), path);
  } finally {
    file.close();
  }
}

/** A LoRA file's tensor pairs as stored (its own names and shapes), checked as loadLora checks them. */
export function readLoraFileParts(path: string): { layers: LoraFileLayer[]; format: LoraFormat } {
  const file = SafetensorsFile.open(path);
  try {
    return readLoraParts(loraSourceOf(file), path);
  } finally {
    file.close();
  }
}
