import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeOrUndefined } from './request-target';

export const TOKEN_COOKIE = 'lora_studio_token';

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Where a token came from matters: `?token=` and `Authorization: Bearer` are typed or scripted on purpose, while the
 * cookie rides along with whatever page made the request, so the guard honours it only for the studio's own pages.
 */
export type TokenForm = 'query' | 'header' | 'cookie';

export interface OfferedToken {
  form: TokenForm;
  value: string;
}

/**
 * Every token the request offers, in all three forms. The token travels as `?token=` on the first page load and the
 * WebSocket URL, then as a same-site cookie. A cookie that is not valid percent-encoding (another page on this
 * machine can set one) is skipped, never decoded with a throw.
 */
export function offeredTokens(req: IncomingMessage, query: URLSearchParams): OfferedToken[] {
  const offered: OfferedToken[] = [];
  for (const value of query.getAll('token')) offered.push({ form: 'query', value });
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) offered.push({ form: 'header', value: auth.slice(7).trim() });
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== TOKEN_COOKIE) continue;
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    const value = decodeOrUndefined(raw);
    if (value !== undefined) offered.push({ form: 'cookie', value });
  }
  return offered;
}

export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
