/**
 * The one printer for text the CLI shows from files and metadata (LoRA headers, tensor and file names, captions,
 * import reasons, error messages). A name or a header value may hold an escape sequence that recolours, hides or
 * rewrites the terminal, or a bidi override that shows "exe.jpg" as "gpj.exe"; each such character is shown as a
 * visible escape instead of being acted on. Newlines and tabs the CLI itself puts between fields are kept.
 */

// C0 controls but \t and \n, DEL, C1 controls (0x9B is a one-byte CSI on some terminals), the bidi marks,
// embeddings, overrides and isolates, and the Unicode line and paragraph separators.
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_ON_ONE_LINE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** `text` with every control character a terminal would act on shown as \xNN / \uNNNN. */
export function terminalText(text: string, options: { oneLine?: boolean } = {}): string {
  return text.replace(options.oneLine ? UNSAFE_ON_ONE_LINE : UNSAFE, escaped);
}

/** One field of a line (a file name, a header value, a caption): its own newlines and tabs are escaped too. */
export function oneLine(text: string): string {
  return terminalText(text, { oneLine: true });
}

/**
 * JSON for the terminal: JSON.stringify already escapes C0 controls, but passes DEL, C1 and bidi characters raw.
 * Escaping them as \uNNNN keeps the output valid JSON that parses to exactly the same value.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Prints a line on stdout through terminalText. */
export function say(text: string): void {
  console.log(terminalText(text));
}

/** Prints a line on stderr through terminalText. */
export function complain(text: string): void {
  console.error(terminalText(text));
}
