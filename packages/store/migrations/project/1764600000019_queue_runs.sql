-- Runs trained on a run queue: which queue run a row follows (run key, queue name), the last event applied (so a
-- reopened studio continues from there), and where the run is (its worker, its place in line).
ALTER TABLE runs ADD COLUMN queue_link TEXT;
