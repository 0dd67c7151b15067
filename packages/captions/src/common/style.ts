/** How a caption is written: booru-like comma-separated tags, or natural-language sentences. */
export type CaptionStyle = 'tags' | 'sentences';

/**
 * Tags are short comma-separated pieces ("1girl, red hair, outdoors"); sentences have long clauses.
 * A caption with at least two commas whose pieces average three words or fewer reads as tags.
 */
export function captionStyle(text: string): CaptionStyle {
  const pieces = splitTags(text);
  if (pieces.length < 3) return 'sentences';
  const avgWords = pieces.reduce((n, p) => n + p.split(/\s+/).length, 0) / pieces.length;
  return avgWords <= 3 ? 'tags' : 'sentences';
}

/** The style most captions of a dataset use, so batch tools treat the dataset consistently. */
export function datasetStyle(texts: string[]): CaptionStyle {
  let tags = 0;
  for (const t of texts) if (captionStyle(t) === 'tags') tags++;
  return tags * 2 > texts.length ? 'tags' : 'sentences';
}

export function splitTags(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((t) => t.trim().replace(/\.$/, '').trim())
    .filter(Boolean);
}
