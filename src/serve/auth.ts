import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';

/**
 * Access to the dashboard:
 * - actions (POST) need `Authorization: Bearer <token>`, never a cookie, so a
 *   forged cross-site form cannot act even for a logged-in browser;
 * - reading needs nothing when `publicRead` is on, otherwise the Bearer header
 *   or a session: `POST /login` with the token in the form body (never in an
 *   address, so never in a log or the browser history) opens a random
 *   server-side session with an expiry; `/logout` revokes it. The cookie holds
 *   only the session's id (HttpOnly, SameSite=Strict, Secure behind TLS);
 * - every request must name this service in its Host header (the configured
 *   public address, the listen address or localhost), so a page on another
 *   site whose name is rebound to this address (DNS rebinding) is refused.
 */

export const SESSION_COOKIE = 'zwgk_session';

export interface AccessPolicy {
  token?: string;
  publicRead: boolean;
  /** Session cookies carry `Secure` (the service is reached over TLS: `publicUrl` is https). */
  secureCookies?: boolean;
}

function sameSecret(a: string, b: string): boolean {
  // Hash first: timingSafeEqual needs equal lengths, and the length must not leak either.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function tokenMatches(candidate: string | undefined | null, policy: AccessPolicy): boolean {
  return Boolean(policy.token && candidate && sameSecret(candidate, policy.token));
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

export function hasBearer(req: IncomingMessage, policy: AccessPolicy): boolean {
  return tokenMatches(bearerToken(req), policy);
}

/**
 * Login sessions, kept in memory: a restart logs everyone out, which is the
 * safe side. Each id is 256 random bits; at most `max` live at once (the
 * oldest goes first), so repeated logins cannot grow memory.
 */
export class Sessions {
  readonly ttlMs: number;
  readonly #now: () => number;
  readonly #max: number;
  /** id → expiry (ms since epoch), oldest first. */
  readonly #live = new Map<string, number>();

  constructor(opts: { ttlMs: number; now?: () => number; max?: number }) {
    this.ttlMs = opts.ttlMs;
    this.#now = opts.now ?? Date.now;
    this.#max = opts.max ?? 1000;
  }

  create(): string {
    const id = randomBytes(32).toString('base64url');
    this.#live.set(id, this.#now() + this.ttlMs);
    for (const old of this.#live.keys()) {
      if (this.#live.size <= this.#max) break;
      this.#live.delete(old);
    }
    return id;
  }

  /** True for a live session; an expired one is dropped. */
  valid(id: string | undefined): boolean {
    if (!id) return false;
    const expires = this.#live.get(id);
    if (expires === undefined) return false;
    if (expires > this.#now()) return true;
    this.#live.delete(id);
    return false;
  }

  revoke(id: string | undefined): void {
    if (id) this.#live.delete(id);
  }
}

export function sessionCookie(id: string, sessions: Sessions, policy: AccessPolicy): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(sessions.ttlMs / 1000)}${policy.secureCookies ? '; Secure' : ''}`;
}

export function clearSessionCookie(policy: AccessPolicy): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${policy.secureCookies ? '; Secure' : ''}`;
}

export function sessionId(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function canRead(req: IncomingMessage, policy: AccessPolicy, sessions: Sessions): boolean {
  return policy.publicRead || hasBearer(req, policy) || (Boolean(policy.token) && sessions.valid(sessionId(req)));
}

/**
 * Why a state-changing request looks cross-site, or null. Browsers send
 * Sec-Fetch-Site (which no page can forge) and Origin; scripts (curl) send
 * neither and still need the token. A same-origin Sec-Fetch-Site settles it:
 * the dashboard's own forms go out with `Origin: null` under its
 * `Referrer-Policy: no-referrer`.
 */
export function crossSiteReason(req: IncomingMessage): string | null {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? null : `Sec-Fetch-Site: ${String(site)}`;
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `Origin: ${origin}`;
  }
  return host === req.headers.host ? null : `Origin: ${origin}`;
}

/** `host` or `host:port` as a Host header writes it (the port left out when it is the scheme's default). */
function hostHeader(hostname: string, port: number, defaultPort: number): string[] {
  const name = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  return port === defaultPort ? [name, `${name}:${port}`] : [`${name}:${port}`];
}

/**
 * The Host headers this service answers to: the configured public address
 * (a reverse proxy's name), the address it listens on, and localhost. A
 * wildcard listen address (0.0.0.0, ::) stands for every address of the
 * machine's interfaces.
 */
export function allowedHosts(listen: { hosts: string[]; port: number }, publicUrl?: string): Set<string> {
  const out = new Set<string>();
  const add = (hostname: string, port: number, defaultPort = 80) => {
    for (const h of hostHeader(hostname.toLowerCase(), port, defaultPort)) out.add(h);
  };
  if (publicUrl) {
    const u = new URL(publicUrl);
    out.add(u.host.toLowerCase());
  }
  const wildcard = listen.hosts.some((h) => h === '0.0.0.0' || h === '::' || h === '');
  const names = ['localhost', '127.0.0.1', '::1', ...listen.hosts];
  if (wildcard) for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.push(a.address.replace(/%.*$/, ''));
  for (const name of names) add(name, listen.port);
  return out;
}

export function hostAllowed(req: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const host = req.headers.host;
  return host !== undefined && allowed.has(host.toLowerCase());
}
