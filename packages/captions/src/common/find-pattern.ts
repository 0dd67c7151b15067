import { RE2JS, RE2JSSyntaxException } from 're2js';
import type { TextSpan } from './types';
import { escapeRegExp } from './words';

/**
 * The text or pattern of a find & replace, compiled for RE2 (re2js): it matches in time linear in the caption, so
 * no pattern a user types (`(a+)+$` and friends) can pin a core in the host or freeze the renderer's live preview.
 * JavaScript's own RegExp backtracks and cannot be interrupted, which is why it is not used for user patterns.
 */

/** Longest text or pattern to find; the API refuses longer ones too. */
export const MAX_FIND_LENGTH = 1000;

export const UNSUPPORTED_PATTERN =
  "LoRA Studio's find & replace does not support lookarounds or backreferences (they can take forever on some captions). " +
  'Rewrite the pattern without them; "Whole words" covers the usual word-edge checks.';

export interface FindOptions {
  regex: boolean;
  caseSensitive: boolean;
  wholeWord: boolean;
}

/** One match, with its groups as String.prototype.replace would see them. */
export interface FindMatch extends TextSpan {
  /** Groups 1…n of the user's pattern; undefined for a group that took no part in the match. */
  groups: (string | undefined)[];
  /** Named groups, or undefined when the pattern names none (then `$<` stays literal, as in JavaScript). */
  named: Map<string, string | undefined> | undefined;
}

export type CompiledFind = { ok: true; find: FindPattern } | { ok: false; error: string };

/** Anything but a letter, digit or "_" in any script: what "Whole words" wants on either side of a match. */
const NOT_WORD_CHAR = '[^\\p{L}\\p{N}_]';

export function compileFind(text: string, options: FindOptions): CompiledFind {
  if (text.length > MAX_FIND_LENGTH) {
    return { ok: false, error: `The text to find is ${text.length.toLocaleString('en-US')} characters long; shorten it to 1,000 or fewer.` };
  }
  let source = escapeRegExp(text);
  if (options.regex) {
    const checked = checkUserPattern(text);
    if (!checked.ok) return checked;
    source = checked.source;
  }
  const flags = options.caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE;
  return compiled(() => {
    const anywhere = RE2JS.compile(source, flags);
    if (!options.wholeWord) return new FindPattern(anywhere);
    // RE2 has no lookaround, and its lookbehinds make matching several times slower, so the word edges are matched
    // as characters: group 1 is the edge before (the start of the text, or a non-word character), the last group the
    // edge after (a non-word character, or the end). The match is what lies between them.
    const edges = (before: string) => RE2JS.compile(`(${before})(?:${source})(${NOT_WORD_CHAR}|$)`, flags);
    return new FindPattern(anywhere, { first: edges(`^|${NOT_WORD_CHAR}`), next: edges(NOT_WORD_CHAR) });
  });
}

/** A user's pattern in RE2 syntax, or why it cannot run. */
function checkUserPattern(pattern: string): { ok: true; source: string } | { ok: false; error: string } {
  // The translation below turns JavaScript-only escapes (\u0041, \cA) into RE2's, but would also quietly make `\k<n>`
  // a literal "k<n>", so named backreferences are caught first.
  if (hasNamedBackreference(pattern)) return { ok: false, error: UNSUPPORTED_PATTERN };
  const source = RE2JS.translateRegExp(pattern);
  try {
    // Compiled alone, without flags or word edges, so syntax errors quote the user's pattern rather than ours, and
    // without RE2JS's LOOKBEHINDS flag, so lookbehinds are refused like every other lookaround.
    RE2JS.compile(source);
  } catch (err) {
    if (err instanceof RE2JSSyntaxException && isLookaroundOrBackreference(err)) return { ok: false, error: UNSUPPORTED_PATTERN };
    return { ok: false, error: notValid(err) };
  }
  return { ok: true, source };
}

function hasNamedBackreference(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '\\') continue;
    if (pattern[i + 1] === 'k') return true;
    i++; // skip the escaped character, so `\\k` (a backslash, then "k") is not one
  }
  return false;
}

function isLookaroundOrBackreference(err: RE2JSSyntaxException): boolean {
  const at = err.input ?? '';
  return /^\(\?(?:=|!|<=|<!)/.test(at) || /^\\[1-9]/.test(at);
}

function notValid(err: unknown): string {
  const why = err instanceof RE2JSSyntaxException ? `${err.error}${err.input ? ` at "${err.input}"` : ''}` : err instanceof Error ? err.message : String(err);
  return `The regular expression is not valid: ${why}. Fix it, or untick "Regular expression" to find the text as typed.`;
}

function compiled(make: () => FindPattern): CompiledFind {
  try {
    return { ok: true, find: make() };
  } catch (err) {
    return { ok: false, error: notValid(err) };
  }
}

/** The whole-word form of a pattern: `first` finds the first match, `next` every later one (see matchAll). */
interface WordEdges {
  first: RE2JS;
  next: RE2JS;
}

export class FindPattern {
  private readonly userGroups: number;
  /** The user's groups are numbered from 2 in the whole-word form: group 1 is the edge before. */
  private readonly offset: number;
  private readonly names: [string, number][];

  constructor(
    /**
     * The pattern itself. Any whole-word match contains one of it, and RE2 answers "is there one" with its fast DFA,
     * without the groups that need the slower matcher: captions without one (most of them, while the user types)
     * are skipped at a fraction of the cost.
     */
    private readonly anywhere: RE2JS,
    private readonly edges?: WordEdges,
  ) {
    const re = edges?.first ?? anywhere;
    this.offset = edges ? 1 : 0;
    this.userGroups = re.groupCount() - 2 * this.offset;
    this.names = Object.entries(re.namedGroups()).map(([name, g]) => [name, g - this.offset]);
  }

  /** Whether it matches empty text, so a replace would insert between every character. */
  matchesEmptyText(): boolean {
    return (this.edges?.first ?? this.anywhere).test('');
  }

  /** Every match, left to right, without overlaps, as `text.matchAll(/…/gu)` would find them. */
  matchAll(text: string): FindMatch[] {
    const out: FindMatch[] = [];
    if (!this.anywhere.test(text)) return out;
    let m = (this.edges?.first ?? this.anywhere).matcher(text);
    let from = 0;
    while (from <= text.length && m.find(from)) {
      const start = this.edges ? m.end(1) : m.start();
      const end = this.edges ? m.start(this.userGroups + 2) : m.end();
      const groups: (string | undefined)[] = [];
      for (let g = 1; g <= this.userGroups; g++) groups.push(m.group(g + this.offset) ?? undefined);
      const named = this.names.length > 0 ? new Map(this.names.map(([name, g]) => [name, groups[g - 1]])) : undefined;
      out.push({ start, end, groups, named });
      // An empty match would be found again where it is: step over one character (a whole surrogate pair), as
      // String.prototype.matchAll does with the "u" flag.
      const after = end > start ? end : end + ((text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1);
      if (!this.edges) {
        from = after;
      } else {
        // The next match may start right at `after`, its edge before being the character just ahead of it (which
        // may be the edge after this match): search from that character, with a pattern whose edge before cannot
        // be the start of the text, so nothing at or before this match is found again.
        if (out.length === 1) m = this.edges.next.matcher(text);
        from = after - 1;
      }
    }
    return out;
  }
}

/**
 * Expands `$1`, `$12`, `$<name>`, `$&`, `` $` ``, `$'` and `$$` in a replacement by the rules of
 * String.prototype.replace, so the syntax the studio documents behaves exactly as in JavaScript.
 */
export function expandReplacement(replacement: string, match: FindMatch, text: string): string {
  const { groups, named } = match;
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    const next = replacement[i + 1];
    if (c !== '$' || next === undefined) {
      out += c;
    } else if (next === '$') {
      out += '$';
      i++;
    } else if (next === '&') {
      out += text.slice(match.start, match.end);
      i++;
    } else if (next === '`') {
      out += text.slice(0, match.start);
      i++;
    } else if (next === "'") {
      out += text.slice(match.end);
      i++;
    } else if (next >= '0' && next <= '9') {
      // Two digits when they name a group, else one; "$0" and a group the pattern lacks stay literal.
      const two = /^\d\d/.test(replacement.slice(i + 1, i + 3)) ? Number(replacement.slice(i + 1, i + 3)) : 0;
      const one = Number(next);
      if (two >= 1 && two <= groups.length) {
        out += groups[two - 1] ?? '';
        i += 2;
      } else if (one >= 1 && one <= groups.length) {
        out += groups[one - 1] ?? '';
        i++;
      } else {
        out += '$';
      }
    } else if (next === '<' && named && replacement.indexOf('>', i + 2) >= 0) {
      const close = replacement.indexOf('>', i + 2);
      out += named.get(replacement.slice(i + 2, close)) ?? '';
      i = close;
    } else {
      out += '$';
    }
  }
  return out;
}
