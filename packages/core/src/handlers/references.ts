import type { ReferencesHandlers } from '@lora-studio/api';
import { ProjectReferences } from '@lora-studio/media';
import type { StudioContext } from '../context';
import { requireProject } from '../project-access';

/** Reference images of edit LoRAs, per dataset image (the Dataset view's references slots). */
export function referencesHandlers(ctx: StudioContext): ReferencesHandlers {
  const changed = (dir: string, id: number) => ctx.emit('images-changed', { dir, ids: [id] });
  return {
    'references-list': async ({ dir, id }) => new ProjectReferences(requireProject(ctx, dir)).list(id),
    'references-set': async ({ dir, id, slot, fromImage }) => {
      const store = requireProject(ctx, dir);
      const refs = await new ProjectReferences(store).setFromImage(id, slot, fromImage);
      changed(store.dir, id);
      return refs;
    },
    'references-clear': async ({ dir, id, slot }) => {
      const store = requireProject(ctx, dir);
      const refs = new ProjectReferences(store).clear(id, slot);
      changed(store.dir, id);
      return refs;
    },
  };
}
