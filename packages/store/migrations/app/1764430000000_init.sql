-- The app-level store: what the studio remembers across projects.
CREATE TABLE recent_projects (
  dir        TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  type       TEXT,
  trigger    TEXT,
  opened_at  TEXT NOT NULL
);
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
