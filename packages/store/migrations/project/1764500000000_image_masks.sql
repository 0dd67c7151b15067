-- Masked training (issue 18): the image's mask (white = learn, black = ignore, grey = weight), a greyscale PNG at the
-- image's upright size relative to the project folder; NULL = no mask.
ALTER TABLE images ADD COLUMN mask_file TEXT;
