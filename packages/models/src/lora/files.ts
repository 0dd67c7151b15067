// Reading and writing LoRA files on disk.
import { SafetensorsFile, writeSafetensorsFile } from '@lora-studio/onnx';
import type { LoraAdapter } from './adapter';
import { exportLora, importLora, loraSourceOf, type LoraExportOptions, type LoraFormat } from './formats';

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
