-- What a subject LoRA learns: a person (face checks apply), a pet or character, or a thing. Null for style and
-- object projects. Subject projects made before the question was asked were judged as people, and stay so.
ALTER TABLE project ADD COLUMN subject_kind TEXT CHECK (subject_kind IN ('person', 'character', 'thing'));
UPDATE project SET subject_kind = 'person' WHERE type = 'subject';
