/**
 * The path and query of a request, percent-decoded exactly once and never with a throw: anything a client can type
 * (`/%zz.js`, `?path=%`, `%C0` that is not UTF-8) comes back as undefined so the caller answers 400 instead of
 * letting a URIError reach the event loop.
 */
export interface RequestTarget {
  /** Decoded path, always starting with `/`. */
  path: string;
  query: URLSearchParams;
}

/** decodeURIComponent inside its try: the only place in the host that calls it. */
export function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Parses the request target as Node hands it over (`req.url`). Only the origin form (`/path?query`) is accepted:
 * a browser never sends anything else to the studio, and parsing an absolute form against a base would let the
 * request pick its own host.
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget | undefined {
  if (!raw || !raw.startsWith('/')) return undefined;
  const withoutHash = raw.split('#', 1)[0]!;
  const q = withoutHash.indexOf('?');
  const rawPath = q === -1 ? withoutHash : withoutHash.slice(0, q);
  const path = decodeOrUndefined(rawPath);
  if (path === undefined) return undefined;
  const query = new URLSearchParams();
  if (q !== -1) {
    for (const pair of withoutHash.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decodeOrUndefined((eq === -1 ? pair : pair.slice(0, eq)).replaceAll('+', ' '));
      const value = decodeOrUndefined((eq === -1 ? '' : pair.slice(eq + 1)).replaceAll('+', ' '));
      if (name === undefined || value === undefined) return undefined;
      query.append(name, value);
    }
  }
  return { path, query };
}
