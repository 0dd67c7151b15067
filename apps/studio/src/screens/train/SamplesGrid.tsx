import { useMemo, useState } from 'react';
import type { RunSample } from '@lora-studio/api';
import { mediaUrl } from '../../client';
import { useStudio } from '../../store';
import { sampleGrid } from './sample-grid';
import { SampleLightbox } from './SampleLightbox';

/** Sample images of the open run: one row per step (newest on top), one column per prompt and seed. */
export function SamplesGrid({ dir }: { dir: string }) {
  const samples = useStudio((s) => s.runDetail?.samples);
  const grid = useMemo(() => sampleGrid(samples ?? []), [samples]);
  const [open, setOpen] = useState<RunSample | null>(null);

  if (grid.rows.length === 0) {
    return (
      <section className="samples" aria-label="Samples" data-testid="samples">
        <h3>Samples</h3>
        <p className="empty-note">Sample images appear here as training reaches each sampling step.</p>
      </section>
    );
  }
  return (
    <section className="samples" aria-label="Samples" data-testid="samples">
      <h3>Samples</h3>
      <div className="samples-scroll">
        <table className="samples-grid">
          <thead>
            <tr>
              <th scope="col">Step</th>
              {grid.columns.map((c) => (
                <th key={c.key} scope="col" title={c.prompt}>
                  <span className="sample-prompt">{c.prompt}</span>
                  <span className="sample-seed mono">seed {c.seed}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {grid.rows.map((row) => (
              <tr key={row.step} data-testid="sample-row" data-step={row.step}>
                <th scope="row" className="mono">
                  {row.step.toLocaleString()}
                </th>
                {row.cells.map((cell, col) => (
                  <td key={grid.columns[col]!.key}>
                    {cell && (
                      <button type="button" className="sample-thumb" onClick={() => setOpen(cell)} title={`${cell.prompt} · step ${cell.step} · seed ${cell.seed}`} data-testid="sample-image">
                        <img src={mediaUrl(dir, cell.file)} alt={`Sample at step ${cell.step}: ${cell.prompt}`} loading="lazy" />
                      </button>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open && <SampleLightbox dir={dir} grid={grid} sample={open} onSelect={setOpen} onClose={() => setOpen(null)} />}
    </section>
  );
}
