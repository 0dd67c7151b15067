/** One row of a WD-1.4 tagger's selected_tags.csv (columns tag_id,name,category,count). */
export interface TaggerTag {
  name: string;
  /** 0 general, 4 character, 9 rating (Danbooru categories). */
  category: number;
}

export const RATING_CATEGORY = 9;
export const CHARACTER_CATEGORY = 4;

/** Parses selected_tags.csv; throws a message naming the file and line when it is not a tag list. */
export function parseTagsCsv(text: string, file: string): TaggerTag[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error(`${file} has no tags: it needs a header line and one line per tag.`);
  const header = splitCsvLine(lines[0]!).map((h) => h.trim().toLowerCase());
  const nameAt = header.indexOf('name');
  const categoryAt = header.indexOf('category');
  if (nameAt < 0 || categoryAt < 0) {
    throw new Error(`${file} has no "name" and "category" columns (found: ${header.join(', ')}); is it a WD tagger's selected_tags.csv?`);
  }
  return lines.slice(1).map((line, i) => {
    const cells = splitCsvLine(line);
    const name = cells[nameAt]?.trim();
    const category = Number(cells[categoryAt]);
    if (!name || !Number.isInteger(category)) {
      throw new Error(`${file} line ${i + 2} is not "tag_id,name,category,count": ${line.slice(0, 80)}`);
    }
    return { name, category };
  });
}

/** CSV cells with double-quoted fields ("a, b" and "" escapes). */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}
