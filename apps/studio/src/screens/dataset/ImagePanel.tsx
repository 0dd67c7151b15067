import { useState } from 'react';
import type { DatasetImage } from '@lora-studio/api';
import { mediaUrl } from '../../client';
import { useStudio } from '../../store';
import { CropEditor } from './CropEditor';
import { flagLabels } from './flag-labels';
import { MaskEditor } from './MaskEditor';
import { ReferenceSlots } from './ReferenceSlots';

interface ImagePanelProps {
  dir: string;
  image: DatasetImage;
  cropping: boolean;
  setCropping(on: boolean): void;
  masking: boolean;
  setMasking(on: boolean): void;
}

const share = (v: number) => `${(v * 100).toFixed(1)}%`;
const fixed = (v: number, digits = 1) => v.toFixed(digits);

/** The measurements behind the flags, so a user can see how far an image is from a threshold. */
function metricRows(image: DatasetImage): [string, string][] {
  const m = image.metrics;
  const rows: [string, string][] = [
    ['Size', `${image.width} × ${image.height} px (${fixed(m.megapixels)} MP)`],
    ['Format', image.format.toUpperCase()],
    ['Aspect ratio', `${fixed(m.aspectRatio, 2)} : 1`],
    ['Sharpness', `${Math.round(m.sharpness)} (Laplacian variance)`],
    ['Brightness', `${Math.round(m.meanLuma)} / 255`],
    ['Clipped', `${share(m.highlightsClipped)} highlights, ${share(m.shadowsClipped)} shadows`],
    ['JPEG quality', m.jpegQuality === null || m.jpegQuality === undefined ? '—' : String(m.jpegQuality)],
    ['Colourfulness', fixed(m.colourfulness)],
    ['Background variation', fixed(m.borderStdDev)],
    ['Faces', m.faces === null ? 'not checked yet' : String(m.faces)],
    ['Text', m.text === null ? 'not checked yet' : m.text.words.length ? m.text.words.join(' ') : 'none'],
  ];
  if (image.crop) rows.push(['Crop', `${image.crop.width} × ${image.crop.height} at (${image.crop.x}, ${image.crop.y})`]);
  if (image.exif?.make || image.exif?.model) rows.push(['Camera', [image.exif.make, image.exif.model].filter(Boolean).join(' ')]);
  if (image.exif?.takenAt) rows.push(['Taken', new Date(image.exif.takenAt).toLocaleString()]);
  if (image.repeats !== 1) rows.push(['Repeats', String(image.repeats)]);
  rows.push(['Mask', image.mask ? 'learns where white, ignores where black' : 'none: the whole image is learnt']);
  return rows;
}

/** The selected image: large, with why it was flagged, its metrics, exclude/include, crop and training mask. */
export function ImagePanel({ dir, image, cropping, setCropping, masking, setMasking }: ImagePanelProps) {
  const selectImage = useStudio((s) => s.selectImage);
  const setExcluded = useStudio((s) => s.setExcluded);
  const setCrop = useStudio((s) => s.setCrop);
  const setMask = useStudio((s) => s.setMask);
  const [showMask, setShowMask] = useState(true);
  const [savingMask, setSavingMask] = useState(false);
  const large = mediaUrl(dir, image.thumbLarge);
  const maskUrl = image.mask ? mediaUrl(dir, image.mask) : null;
  const editing = cropping || masking;

  const saveMask = async (png: string | null) => {
    setSavingMask(true);
    const stored = await setMask(image.id, png);
    setSavingMask(false);
    if (stored) setMasking(false);
  };

  return (
    <aside className="image-panel" data-testid="image-panel" data-image-id={image.id} aria-label={`Image ${image.sourceName}`}>
      <header className="image-panel-header">
        <h3 title={image.sourceName}>{image.sourceName}</h3>
        <button type="button" className="button quiet" onClick={() => selectImage(null)} aria-label="Close (Esc)" title="Close (Esc)" data-testid="image-panel-close">
          ✕
        </button>
      </header>

      {cropping ? (
        <CropEditor
          src={large}
          width={image.width}
          height={image.height}
          crop={image.crop}
          onCancel={() => setCropping(false)}
          onSave={(box) => {
            const whole = box.x === 0 && box.y === 0 && box.width === image.width && box.height === image.height;
            setCropping(false);
            void setCrop(image.id, whole ? null : box);
          }}
        />
      ) : masking ? (
        <MaskEditor
          src={large}
          maskSrc={maskUrl}
          width={image.width}
          height={image.height}
          saving={savingMask}
          onCancel={() => setMasking(false)}
          onSave={(png) => void saveMask(png)}
        />
      ) : (
        <div className="image-panel-picture">
          <img src={large} alt={image.sourceName} />
          {maskUrl && showMask && <img className="image-panel-mask" src={maskUrl} alt="" aria-hidden="true" data-testid="image-mask-overlay" />}
          {image.crop && (
            <div
              className="image-panel-crop"
              aria-hidden="true"
              style={{
                left: `${(image.crop.x / image.width) * 100}%`,
                top: `${(image.crop.y / image.height) * 100}%`,
                width: `${(image.crop.width / image.width) * 100}%`,
                height: `${(image.crop.height / image.height) * 100}%`,
              }}
            />
          )}
        </div>
      )}

      {!editing && (
        <div className="image-panel-actions">
          <button
            type="button"
            className={`button${image.excluded ? ' primary' : ''}`}
            onClick={() => void setExcluded([image.id], !image.excluded)}
            title="Space or X"
            data-testid="image-exclude-toggle"
          >
            {image.excluded ? 'Include in training' : 'Exclude from training'}
          </button>
          <button type="button" className="button" onClick={() => setCropping(true)} data-testid="image-crop">
            {image.crop ? 'Edit crop' : 'Crop'}
          </button>
          {image.crop && (
            <button type="button" className="button quiet" onClick={() => void setCrop(image.id, null)} data-testid="image-crop-remove">
              Remove crop
            </button>
          )}
          <button type="button" className="button" onClick={() => setMasking(true)} data-testid="image-mask-edit">
            {image.mask ? 'Edit mask' : 'Paint mask'}
          </button>
          {image.mask && (
            <>
              <label className="image-mask-toggle">
                <input type="checkbox" checked={showMask} onChange={(e) => setShowMask(e.target.checked)} data-testid="image-mask-toggle" />
                Show mask
              </label>
              <button type="button" className="button quiet" disabled={savingMask} onClick={() => void saveMask(null)} data-testid="image-mask-remove">
                Remove mask
              </button>
            </>
          )}
          <a className="button quiet" href={mediaUrl(dir, image.original)} target="_blank" rel="noreferrer">
            Original
          </a>
        </div>
      )}
      {image.excluded && <p className="image-panel-note">Excluded: kept in the project, left out of training.</p>}
      {!editing && <ReferenceSlots dir={dir} image={image} />}

      <h4>Flags</h4>
      {image.flags.length === 0 ? (
        <p className="health-ok" data-testid="image-no-flags">
          No problems found.
        </p>
      ) : (
        <ul className="image-flags" data-testid="image-flags">
          {image.flags.map((flag) => (
            <li key={flag.id} data-flag={flag.id}>
              <span className={`flag-badge ${flagLabels[flag.id].severity}`}>{flagLabels[flag.id].badge}</span>
              {flag.reason}
            </li>
          ))}
        </ul>
      )}
      {image.analysis === 'pending' && <p className="image-panel-note">Text and face checks have not run on this image yet.</p>}
      {image.analysis === 'failed' && <p className="image-panel-note">Text and face checks failed on this image; its other checks stand.</p>}

      <h4>Measurements</h4>
      <dl className="image-metrics" data-testid="image-metrics">
        {metricRows(image).map(([name, value]) => (
          <div key={name} className="image-metric">
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </aside>
  );
}
