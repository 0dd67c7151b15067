import type { CompareGridCell } from '@lora-studio/api';
import { mediaUrl } from '../../client';
import { columnLabel, type GridPlan } from './grid-plan';

export interface CheckpointGridProps {
  dir: string;
  plan: GridPlan;
  cells: (CompareGridCell | null)[];
  favourite: number | null;
  /** Cells picked for the side-by-side view, by index. */
  picked: number[];
  onEnlarge(index: number): void;
  onPick(index: number): void;
}

/** Prompts as rows, the base model then the checkpoints as columns; cells fill in as the services render them. */
export function CheckpointGrid({ dir, plan, cells, favourite, picked, onEnlarge, onPick }: CheckpointGridProps) {
  const width = plan.columns.length;
  return (
    <div className="checkpoint-grid-scroll">
      <table className="checkpoint-grid" data-testid="checkpoint-grid" data-columns={width} data-rows={plan.prompts.length}>
        <thead>
          <tr>
            <th className="grid-corner" scope="col">
              Prompt · seed
            </th>
            {plan.columns.map((column, c) => (
              <th key={c} scope="col" className={column.step === null ? 'grid-base-column' : undefined} data-testid="grid-column">
                {columnLabel(column, plan.scaleAxis)}
                {column.step !== null && column.step === favourite && (
                  <span className="favourite-mark" title="Your favourite">
                    {' '}
                    ★
                  </span>
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {plan.prompts.map((prompt, r) => (
            <tr key={r}>
              <th scope="row" className="grid-prompt" title={prompt}>
                <span className="grid-prompt-text">{prompt}</span>
                <span className="mono hint">seed {plan.seed + r}</span>
              </th>
              {plan.columns.map((column, c) => {
                const index = r * width + c;
                const cell = cells[index];
                const label = `${prompt} — ${columnLabel(column, plan.scaleAxis)}`;
                return (
                  <td key={c}>
                    {cell ? (
                      <div className={`grid-cell${picked.includes(index) ? ' picked' : ''}`} data-testid="grid-cell" data-row={r} data-column={c} data-cached={cell.cached}>
                        <button type="button" className="grid-cell-image" onClick={() => onEnlarge(index)} aria-label={`Enlarge: ${label}`}>
                          <img src={mediaUrl(dir, cell.file)} alt={label} />
                        </button>
                        <button
                          type="button"
                          className="grid-cell-pick"
                          aria-pressed={picked.includes(index)}
                          onClick={() => onPick(index)}
                          title="Pick two cells to see them side by side"
                          data-testid="grid-cell-pick"
                        >
                          ⇆
                        </button>
                      </div>
                    ) : (
                      <div className="grid-cell pending" data-testid="grid-cell-pending" aria-label={`${label}: not rendered yet`} />
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
