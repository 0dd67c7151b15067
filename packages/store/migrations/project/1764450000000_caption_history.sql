-- Caption studio (issue 7): undo/redo of caption edits and batches, and the project's captioner and lint settings.
-- Every caption write goes through a batch, so "Undo Find and replace" restores exactly what that operation changed.
CREATE TABLE caption_batches (
  id           INTEGER PRIMARY KEY,
  label        TEXT NOT NULL,                -- shown as "Undo <label>"
  kind         TEXT NOT NULL CHECK (kind IN ('edit', 'review', 'batch', 'auto', 'import')),
  edit_session TEXT,                         -- keystrokes of one editing session merge into one undo step
  state        TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'undone')),
  created_at   TEXT NOT NULL
);

CREATE TABLE caption_changes (
  batch_id        INTEGER NOT NULL REFERENCES caption_batches(id) ON DELETE CASCADE,
  image_id        INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  before_text     TEXT,                      -- null: the image had no caption before
  before_source   TEXT,
  before_reviewed INTEGER,
  after_text      TEXT NOT NULL,
  after_source    TEXT NOT NULL,
  after_reviewed  INTEGER NOT NULL,
  PRIMARY KEY (batch_id, image_id)
) WITHOUT ROWID;

-- Captioner choice (no API keys: those live in the studio's app store) and lint thresholds, as one JSON object.
CREATE TABLE caption_settings (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  value TEXT NOT NULL
);
