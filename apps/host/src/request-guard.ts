import type { IncomingMessage } from 'node:http';
import { checkOrigin, hostHeaderAccepted, type ListenAddress } from './request-origin';
import { parseRequestTarget, type RequestTarget } from './request-target';
import { offeredTokens, tokenMatches } from './token';

export interface GuardSettings {
  token: string;
  listen: ListenAddress;
}

export type Refusal = { ok: false; status: number; message: string };
export type GuardVerdict = { ok: true; target: RequestTarget } | Refusal;

const TOKEN_NEEDED = 'LoRA Studio: this address needs the access token. Open the URL the studio printed when it started.';

/**
 * The one gate every HTTP request and WebSocket upgrade passes before any route sees it, in this order: a target
 * that decodes (400), a Host that names this studio (421, DNS rebinding), an Origin that is the studio's own when
 * there is one (403, other local pages), and the access token in a form this kind of request may use (401).
 * It never throws: every header it reads may be anything a client chose to send.
 */
export function guardRequest(req: IncomingMessage, settings: GuardSettings, isUpgrade: boolean): GuardVerdict {
  const target = parseRequestTarget(req.url);
  if (!target) {
    return refuse(400, 'LoRA Studio could not read this address (a broken %-escape, or not a path). Check the link, or open the URL the studio printed when it started.');
  }
  if (!hostHeaderAccepted(req.headers.host, settings.listen)) {
    return refuse(421, `LoRA Studio answers only at ${studioAddress(settings.listen)}, and this request named another host. Open the URL the studio printed when it started.`);
  }
  const origin = checkOrigin(req.headers);
  if (origin === 'foreign') {
    return refuse(403, 'LoRA Studio only answers its own pages, and this request came from another web page. Open the studio at the URL it printed when it started.');
  }
  const cookieHonoured = origin === 'own' || (!isUpgrade && isPlainRead(req));
  const authorised = offeredTokens(req, target.query).some(
    (offered) => (offered.form !== 'cookie' || cookieHonoured) && tokenMatches(offered.value, settings.token),
  );
  return authorised ? { ok: true, target } : refuse(401, TOKEN_NEEDED);
}

/**
 * A GET or HEAD with no Origin: a navigation or a subresource of a page. The cookie counts only when the browser
 * says the page is this studio's own (`same-origin`) or the user typed or bookmarked the address (`none`); an old
 * browser sends no Sec-Fetch-Site at all. A page on another port of this machine shows up as `same-site`.
 */
function isPlainRead(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

function studioAddress(listen: ListenAddress): string {
  const host = listen.host.includes(':') && !listen.host.startsWith('[') ? `[${listen.host}]` : listen.host;
  return `http://${host}:${listen.port}`;
}

function refuse(status: Refusal['status'], message: string): Refusal {
  return { ok: false, status, message };
}
