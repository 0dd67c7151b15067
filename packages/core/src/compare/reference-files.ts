// Reference pictures named in a request by project image id: the files they are stored in, never a path the
// request spells itself (so a request cannot make the renderer read outside the project).
import { ImageRows, UnknownImages } from '@lora-studio/media';
import { confinedPath, type ProjectStore } from '@lora-studio/store';

export function projectImageFiles(store: ProjectStore, ids: readonly number[] | undefined): string[] {
  const rows = new ImageRows(store);
  return (ids ?? []).map((id) => {
    const row = rows.get(id);
    if (!row) throw new UnknownImages([id]);
    return confinedPath(store.dir, row.file);
  });
}
