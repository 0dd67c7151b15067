import type { ProjectStore } from './project-store';
import { DEFAULT_BASE_MODEL } from '@lora-studio/api';

/** The base model a project trains on: 'default' or a model-library name (migration 1764490000000_base_model). */
export function projectBaseModel(store: ProjectStore): string {
  const row = store.db.prepare('SELECT base_model AS baseModel FROM project WHERE id = 1').get() as { baseModel: string } | undefined;
  return row?.baseModel ?? DEFAULT_BASE_MODEL;
}

export function setProjectBaseModel(store: ProjectStore, name: string): void {
  store.db.prepare('UPDATE project SET base_model = ?, updated_at = ? WHERE id = 1').run(name, new Date().toISOString());
}
