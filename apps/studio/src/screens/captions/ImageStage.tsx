import type { CaptionItem } from '@lora-studio/api';
import { mediaUrl } from '../../client/dataset-files';
import { useStudio } from '../../store';

/** The image being captioned, as large as the view allows, so details can be judged (and left out of the caption). */
export function ImageStage({ dir, item }: { dir: string; item: CaptionItem | null }) {
  const large = useStudio((s) => (item ? s.captionThumbs[item.imageId]?.large : undefined));
  if (!item) return <div className="image-stage empty">No image selected</div>;
  return (
    <figure className="image-stage" data-testid="caption-image">
      <img src={mediaUrl(dir, large ?? item.file)} alt={item.sourceName} />
      <figcaption>
        <span className="image-stage-name">{item.sourceName}</span>
        <span className="hint">
          {item.width}×{item.height}
        </span>
      </figcaption>
    </figure>
  );
}
