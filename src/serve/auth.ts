import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Access to the dashboard:
 * - actions (POST) need `Authorization: Bearer <token>`, never a cookie, so a
 *   forged cross-site form cannot act even for a logged-in browser;
 * - reading needs nothing when `publicRead` is on, otherwise the Bearer header
 *   or the session cookie that `?token=` sets (HttpOnly, SameSite=Strict; its
 *   value is an HMAC of the token, so the token itself is never stored in the browser's cookie jar).
 */

export const SESSION_COOKIE = 'zwgk_session';
const SESSION_HOURS = 12;

export interface AccessPolicy {
  token?: string;
  publicRead: boolean;
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

function sessionValue(token: string): string {
  return createHmac('sha256', token).update('zwgk-session-v1').digest('base64url');
}

export function sessionCookie(policy: AccessPolicy): string {
  return `${SESSION_COOKIE}=${sessionValue(policy.token!)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_HOURS * 3600}`;
}

export const CLEAR_SESSION_COOKIE = `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function canRead(req: IncomingMessage, policy: AccessPolicy): boolean {
  if (policy.publicRead || hasBearer(req, policy)) return true;
  const cookie = cookieValue(req, SESSION_COOKIE);
  return Boolean(policy.token && cookie && sameSecret(cookie, sessionValue(policy.token)));
}

/**
 * Why a state-changing request looks cross-site, or null. Browsers send
 * Sec-Fetch-Site and Origin; scripts (curl) send neither and still need the token.
 */
export function crossSiteReason(req: IncomingMessage): string | null {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site: ${String(site)}`;
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
