-- What the run list shows without reading every metric row, and the loss alerts a run raised.
ALTER TABLE runs ADD COLUMN step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN total_steps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN final_loss REAL;

CREATE TABLE run_alerts (
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step    INTEGER NOT NULL,
  kind    TEXT NOT NULL CHECK (kind IN ('plateau', 'rise')),
  message TEXT NOT NULL,
  PRIMARY KEY (run_id, step, kind)
) WITHOUT ROWID;

ALTER TABLE samples ADD COLUMN requested INTEGER NOT NULL DEFAULT 0;
