-- One project per database: the project's own settings, its dataset, captions, runs and their results.
CREATE TABLE project (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  name       TEXT NOT NULL,
  type       TEXT NOT NULL CHECK (type IN ('subject', 'style', 'object')),
  trigger    TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE images (
  id          INTEGER PRIMARY KEY,
  hash        TEXT NOT NULL UNIQUE,          -- sha256 of the original bytes; names the file under images/
  file        TEXT NOT NULL,                 -- path relative to the project folder
  source_name TEXT NOT NULL,                 -- the file name the user imported
  width       INTEGER NOT NULL,
  height      INTEGER NOT NULL,
  format      TEXT NOT NULL,
  exif        TEXT,                          -- JSON
  metrics     TEXT,                          -- JSON, null until analysed
  flags       TEXT NOT NULL DEFAULT '[]',    -- JSON array of flag ids
  analysis    TEXT NOT NULL DEFAULT 'pending' CHECK (analysis IN ('pending', 'done', 'failed')),
  excluded    INTEGER NOT NULL DEFAULT 0,
  crop        TEXT,                          -- JSON {x,y,width,height} in original pixels
  repeats     INTEGER NOT NULL DEFAULT 1,
  imported_at TEXT NOT NULL
);

CREATE TABLE captions (
  image_id   INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  text       TEXT NOT NULL,
  source     TEXT NOT NULL,                  -- 'user', 'import', 'template', 'onnx', 'vlm'
  reviewed   INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);

CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  config      TEXT NOT NULL,                 -- JSON training config
  base_model  TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'finished', 'stopped', 'failed', 'interrupted')),
  error       TEXT,
  dir         TEXT NOT NULL,                 -- runs/<id>/ relative to the project folder
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE metrics (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step        INTEGER NOT NULL,
  loss        REAL NOT NULL,
  lr          REAL NOT NULL,
  grad_norm   REAL,
  step_ms     REAL,
  extra       TEXT,                          -- JSON for less common figures (memory, samples/s)
  PRIMARY KEY (run_id, step)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step        INTEGER NOT NULL,
  file        TEXT NOT NULL,
  scores      TEXT,                          -- JSON
  favourite   INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL,
  UNIQUE (run_id, step)
);

CREATE TABLE samples (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER REFERENCES runs(id) ON DELETE CASCADE,
  checkpoint_step INTEGER,                   -- null: the base model without LoRA
  prompt      TEXT NOT NULL,
  seed        INTEGER NOT NULL,
  scale       REAL NOT NULL DEFAULT 1,
  file        TEXT NOT NULL,
  kind        TEXT NOT NULL DEFAULT 'training' CHECK (kind IN ('training', 'grid', 'generate')),
  created_at  TEXT NOT NULL
);
CREATE INDEX samples_run ON samples(run_id, checkpoint_step);
