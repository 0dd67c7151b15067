-- Dataset curation (issue 6): what the importer and the background analyzers record beyond the initial images table.
ALTER TABLE images ADD COLUMN file_size INTEGER NOT NULL DEFAULT 0;
-- Why text/face analysis failed (analysis = 'failed'), in words the user can act on.
ALTER TABLE images ADD COLUMN analysis_error TEXT;
-- The background analyzer resumes from here after a restart.
CREATE INDEX images_analysis ON images(analysis);
