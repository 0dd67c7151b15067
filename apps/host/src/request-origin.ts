import type { IncomingHttpHeaders } from 'node:http';

/** The address the host listens on, as the user gave it (`--host`) and as the OS assigned the port. */
export interface ListenAddress {
  host: string;
  port: number;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD_HOSTS = ['0.0.0.0', '::', '[::]'];

interface Authority {
  /** Lower case; IPv6 addresses keep their brackets, as in a Host header. */
  name: string;
  port: number;
}

/** `name[:port]` as a Host header or an origin spells it; undefined for anything else. */
function parseAuthority(text: string, defaultPort: number): Authority | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/.exec(text.trim().toLowerCase());
  if (!m) return undefined;
  return { name: m[1]!, port: m[2] === undefined ? defaultPort : Number(m[2]) };
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Whether the `Host` header names this studio. A DNS-rebinding page reaches 127.0.0.1 under its own name
 * (`evil.example`), so on loopback only the loopback names count; with `--host NAME` that name counts too. A
 * wildcard bind (0.0.0.0, ::) means the user chose to be reachable under any name, port forwarding included.
 */
export function hostHeaderAccepted(host: string | undefined, listen: ListenAddress): boolean {
  if (host === undefined) return false;
  const given = parseAuthority(host, 80);
  if (!given) return false;
  const bound = bracketed(listen.host.toLowerCase());
  if (WILDCARD_HOSTS.includes(bound)) return true;
  if (given.port !== listen.port) return false;
  const names = new Set([bound]);
  if (LOOPBACK_NAMES.includes(bound)) for (const name of LOOPBACK_NAMES) names.add(name);
  return names.has(given.name);
}

/**
 * `own`: the page that sent the request was served by this studio (`http://` + the Host it asked for).
 * `absent`: no Origin, as from curl, scripts and plain navigations. `foreign`: any other page, including one on
 * another port of this machine (same site, so the SameSite cookie alone does not keep it out).
 */
export type OriginCheck = 'own' | 'absent' | 'foreign';

export function checkOrigin(headers: IncomingHttpHeaders): OriginCheck {
  const origin = headers.origin;
  if (origin === undefined) return 'absent';
  if (!origin.toLowerCase().startsWith('http://') || headers.host === undefined) return 'foreign';
  const from = parseAuthority(origin.slice('http://'.length), 80);
  const to = parseAuthority(headers.host, 80);
  return from && to && from.name === to.name && from.port === to.port ? 'own' : 'foreign';
}
