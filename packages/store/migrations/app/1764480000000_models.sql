-- The base models the user added (model add / the Models screen): where each one's files are and where it came from.
CREATE TABLE models (
  name            TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('diffusers', 'bfl-files')),
  path            TEXT NOT NULL,              -- a diffusers folder, or the cache folder holding lora-studio-model.json
  added_at        TEXT NOT NULL,
  source_repo     TEXT,                       -- owner/name on the hub; null for a local folder or files
  source_revision TEXT                        -- the commit the files come from
);
