-- Edit LoRAs (issue 18): up to three reference images per dataset image (the "before" picture, a pose, a style), fed
-- to FLUX.2 as clean reference tokens. Slot 0–2 is the order the model sees them in (time position 10, 20, 30). The
-- file is a PNG in the project's images folder named by the owning image's hash (so the orphan sweep keeps it exactly
-- as long as its image); hash is the sha256 of that file, for the dataset hash.
CREATE TABLE image_references (
  image_id    INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  slot        INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 2),
  file        TEXT NOT NULL,
  hash        TEXT NOT NULL,
  source_name TEXT NOT NULL,                 -- the name the user knows the reference by
  PRIMARY KEY (image_id, slot)
) WITHOUT ROWID;
