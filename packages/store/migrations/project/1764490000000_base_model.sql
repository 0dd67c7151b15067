-- The base model the project trains on: 'default' (the embedded model) or a name from the studio's model library.
ALTER TABLE project ADD COLUMN base_model TEXT NOT NULL DEFAULT 'default';
