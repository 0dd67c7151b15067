/**
 * The loss of one step's concept rows (those that teach the LoRA), gathered over its micro-batches from the step
 * graph's per-row losses. Preserved rows are left out: they are trained toward the base model and sit near zero.
 */
export class ConceptLoss {
  private sum = 0;
  private rows = 0;
  private missing = false;

  add(rowLoss: Float32Array | null, preservedRows: readonly number[]): void {
    if (!rowLoss) {
      this.missing = true;
      return;
    }
    const preserved = new Set(preservedRows);
    rowLoss.forEach((l, row) => {
      if (preserved.has(row)) return;
      this.sum += l;
      this.rows++;
    });
  }

  /** The concept rows' mean loss; `stepLoss` where the graph gave no per-row losses; null when every row was preserved. */
  mean(stepLoss: number): number | null {
    if (this.missing) return stepLoss;
    return this.rows > 0 ? this.sum / this.rows : null;
  }
}
