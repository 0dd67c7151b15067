-- Compare/generate (issue 9): a generated image's full settings (negative prompt, guidance, steps, size, LoRA),
-- as JSON, so the history can show and repeat it. Training and grid samples leave it null.
ALTER TABLE samples ADD COLUMN params TEXT;
