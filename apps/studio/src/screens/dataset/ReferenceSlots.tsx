import { useEffect, useState, type DragEvent } from 'react';
import { MAX_REFERENCE_IMAGES, type DatasetImage } from '@lora-studio/api';
import { mediaUrl } from '../../client';
import { REFERENCE_SLOT_NAMES } from '../../components/reference-slot-names';
import { useStudio } from '../../store';
import { draggedImageId, isImageDrag } from './reference-drag';
import './reference-slots.css';

/**
 * Edit LoRAs: the image's reference slots (the "before" picture, a pose, a style). A thumbnail of the grid dropped on
 * a slot puts a copy of that image there; FLUX.2 reads the references in slot order.
 */
export function ReferenceSlots({ dir, image }: { dir: string; image: DatasetImage }) {
  const referencesOf = useStudio((s) => s.referencesOf);
  const references = useStudio((s) => s.references);
  const busy = useStudio((s) => s.referencesBusy);
  const error = useStudio((s) => s.referencesError);
  const loadReferences = useStudio((s) => s.loadReferences);
  const setReference = useStudio((s) => s.setReference);
  const clearReference = useStudio((s) => s.clearReference);
  const [over, setOver] = useState<number | null>(null);

  useEffect(() => {
    void loadReferences(image.id);
  }, [image.id, loadReferences]);

  const mine = referencesOf === image.id ? references : [];
  const accept = (slot: number) => (event: DragEvent) => {
    if (!isImageDrag(event.dataTransfer)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setOver(slot);
  };
  const drop = (slot: number) => (event: DragEvent) => {
    if (!isImageDrag(event.dataTransfer)) return;
    event.preventDefault();
    setOver(null);
    const from = draggedImageId(event.dataTransfer);
    if (from !== null) void setReference(image.id, slot, from);
  };

  return (
    <section className="reference-slots" data-testid="reference-slots" aria-label="Reference images" aria-busy={busy}>
      <h4>References</h4>
      <p className="image-panel-note">
        For an edit LoRA: drag a thumbnail onto a slot. The model reads these pictures to make this one (the first is the
        "before"). The slot keeps its own copy: exclude a picture you only use as a reference, so it is not trained as a
        target too (or import pairs with control/ folders).
      </p>
      <ol className="reference-slot-list">
        {Array.from({ length: MAX_REFERENCE_IMAGES }, (_, slot) => {
          const ref = mine.find((r) => r.slot === slot);
          return (
            <li
              key={slot}
              className={`reference-slot${over === slot ? ' over' : ''}${ref ? ' filled' : ''}`}
              data-testid="reference-slot"
              data-slot={slot}
              data-filled={ref ? 'true' : 'false'}
              onDragEnter={accept(slot)}
              onDragOver={accept(slot)}
              onDragLeave={() => setOver((o) => (o === slot ? null : o))}
              onDrop={drop(slot)}
            >
              {ref ? (
                <>
                  <img src={mediaUrl(dir, ref.file)} alt={`${REFERENCE_SLOT_NAMES[slot]} reference: ${ref.sourceName}`} title={ref.sourceName} draggable={false} />
                  <button
                    type="button"
                    className="button quiet"
                    disabled={busy}
                    onClick={() => void clearReference(image.id, slot)}
                    aria-label={`Remove the ${REFERENCE_SLOT_NAMES[slot]!.toLowerCase()} reference`}
                    data-testid="reference-remove"
                  >
                    Remove
                  </button>
                </>
              ) : (
                <span className="reference-slot-empty">{REFERENCE_SLOT_NAMES[slot]}: drop an image here</span>
              )}
            </li>
          );
        })}
      </ol>
      {error && (
        <p className="error-message" role="alert" data-testid="reference-error">
          {error}
        </p>
      )}
    </section>
  );
}
