import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/history-store.ts';
import { allowedHosts, Sessions } from '../../src/serve/auth.ts';
import { startDashboardServer, type RunningServer } from '../../src/serve/http.ts';
import { AuditService } from '../../src/serve/service.ts';
import { loadServeConfig } from '../../src/config/serve-config.ts';
import { SAMPLE_SCHEME, serviceSettings, unitsCsv } from '../helpers/serve-fakes.ts';
import { rawCall } from '../helpers/raw-http.ts';

/**
 * Service hardening: server-side sessions with an expiry that /logout
 * revokes, login by POST only, a Host allow-list against DNS rebinding,
 * Secure cookies behind TLS, malformed escapes answered 404.
 */
const TOKEN = 'hardening-token-5c1d9e';

let dir: string;
let server: RunningServer;
let svc: AuditService;
let logs: string[];
let clock: number;

async function start(opts: { publicUrl?: string; secureCookies?: boolean; ttlMs?: number } = {}) {
  dir = mkdtempSync(join(tmpdir(), 'zwgk-harden-'));
  writeFileSync(join(dir, 'units.csv'), unitsCsv());
  logs = [];
  clock = Date.parse('2021-01-20T09:00:00+08:00');
  const history = await HistoryStore.open(join(dir, 'data'));
  svc = new AuditService(serviceSettings(dir), { history, runner: () => new Promise(() => {}), scheme: SAMPLE_SCHEME });
  server = await startDashboardServer({
    service: svc,
    history,
    policy: { token: TOKEN, publicRead: false, secureCookies: opts.secureCookies ?? false },
    sessions: new Sessions({ ttlMs: opts.ttlMs ?? 3600_000, now: () => clock }),
    host: '127.0.0.1',
    port: 0,
    ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
    pdfWriter: async () => {},
    log: (l) => logs.push(l),
  });
}

afterEach(async () => {
  await svc?.shutdown(0);
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => rawCall(server.url, method, path, headers, body);

const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function login(): Promise<{ cookie: string; setCookie: string }> {
  const r = await call('POST', '/login', form, `token=${TOKEN}&next=%2Funits%2Fjtj`);
  expect(r.status).toBe(303);
  expect(r.headers.location).toBe('/units/jtj');
  const setCookie = String(r.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0]!, setCookie };
}

describe('sessions', () => {
  it('a login opens a random session that reads until it expires', async () => {
    await start({ ttlMs: 3600_000 });
    const a = await login();
    const b = await login();
    // Random per login, never derived from the token.
    expect(a.cookie).not.toBe(b.cookie);
    expect(a.setCookie).not.toContain(TOKEN);
    expect(a.setCookie).toMatch(/HttpOnly/);
    expect(a.setCookie).toMatch(/SameSite=Strict/);
    expect(a.setCookie).toMatch(/Max-Age=3600/);
    expect(a.setCookie).not.toMatch(/Secure/);
    expect((await call('GET', '/api/units', { cookie: a.cookie })).status).toBe(200);
    clock += 3599_000;
    expect((await call('GET', '/api/units', { cookie: a.cookie })).status).toBe(200);
    clock += 2000;
    expect((await call('GET', '/api/units', { cookie: a.cookie })).status).toBe(401);
    // A made-up id reads nothing.
    expect((await call('GET', '/api/units', { cookie: 'zwgk_session=' + 'A'.repeat(43) })).status).toBe(401);
  });

  it('/logout revokes the session on the server, not just in the browser', async () => {
    await start();
    const { cookie } = await login();
    const other = await login();
    const out = await call('GET', '/logout', { cookie });
    expect(out.status).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    // The old cookie, replayed, no longer reads; another browser's session is untouched.
    expect((await call('GET', '/api/units', { cookie })).status).toBe(401);
    expect((await call('GET', '/api/units', { cookie: other.cookie })).status).toBe(200);
    expect((await call('POST', '/logout', { cookie: other.cookie })).status).toBe(303);
    expect((await call('GET', '/api/units', { cookie: other.cookie })).status).toBe(401);
  });

  it('cookies are Secure behind TLS (publicUrl https)', async () => {
    await start({ secureCookies: true });
    expect((await login()).setCookie).toMatch(/; Secure/);
    expect(String((await call('GET', '/logout')).headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('the serve config turns an https publicUrl into Secure cookies and rejects a bad one', () => {
    const file = (text: string) => {
      const f = join(mkdtempSync(join(tmpdir(), 'zwgk-cfg-')), 'serve.yaml');
      writeFileSync(f, text);
      return f;
    };
    expect(loadServeConfig(file('publicUrl: https://zwgk.example.gov.cn/\nsessionHours: 8\n'))).toMatchObject({ publicUrl: 'https://zwgk.example.gov.cn/', sessionHours: 8 });
    expect(() => loadServeConfig(file('publicUrl: ftp://x/\n'))).toThrow(/字段 publicUrl/);
    expect(() => loadServeConfig(file('publicUrl: https://x.example/app?a=1\n'))).toThrow(/字段 publicUrl/);
  });
});

describe('login by POST only', () => {
  it('a token in the address logs nobody in, and the token is never logged', async () => {
    await start();
    for (const path of [`/?token=${TOKEN}`, `/units/jtj?token=${TOKEN}`, `/login?token=${TOKEN}`]) {
      const r = await call('GET', path);
      expect(r.status).toBe(400);
      expect(r.headers['set-cookie']).toBeUndefined();
      expect(r.body).toContain('令牌不能放在地址中');
      expect(r.body).not.toContain(TOKEN);
    }
    expect((await call('GET', `/api/units?token=${TOKEN}`)).status).toBe(400);
    const bad = await call('POST', '/login', form, 'token=wrong-token-123456');
    expect(bad.status).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    await login();
    // A login form posted from another site is refused (login CSRF)…
    expect((await call('POST', '/login', { ...form, origin: 'http://evil.example' }, `token=${TOKEN}`)).status).toBe(403);
    expect((await call('POST', '/login', { ...form, 'sec-fetch-site': 'cross-site', origin: 'null' }, `token=${TOKEN}`)).status).toBe(403);
    expect((await call('POST', '/login', { ...form, origin: 'null' }, `token=${TOKEN}`)).status).toBe(403);
    // …while the dashboard's own form (Origin: null under its no-referrer policy, but same-origin by Sec-Fetch-Site) logs in.
    expect((await call('POST', '/login', { ...form, 'sec-fetch-site': 'same-origin', origin: 'null' }, `token=${TOKEN}`)).status).toBe(303);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(TOKEN);
  });

  it('the login page posts its form, and login only redirects within the site', async () => {
    await start();
    const page = await call('GET', '/units/jtj');
    expect(page.status).toBe(401);
    expect(page.body).toMatch(/<form id="login-form" method="post" action="\/login">/);
    expect(page.body).toContain('name="next" value="/units/jtj"');
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const r = await call('POST', '/login', form, `token=${TOKEN}&next=${encodeURIComponent(next)}`);
      expect(r.headers.location).toBe('/');
    }
  });
});

describe('Host allow-list (DNS rebinding)', () => {
  it('answers the listen address, localhost and publicUrl, and nothing else', async () => {
    await start({ publicUrl: 'https://zwgk.example.gov.cn/' });
    const port = new URL(server.url).port;
    const bearer = { authorization: `Bearer ${TOKEN}` };
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, 'zwgk.example.gov.cn']) {
      expect((await call('GET', '/api/status', { ...bearer, host })).status, host).toBe(200);
    }
    // A rebound name reaches this port, but names another site: refused before any route, token or not.
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`, `zwgk.example.gov.cn:${port}`, `127.0.0.1.evil.example:${port}`]) {
      const r = await call('GET', '/api/status', { ...bearer, host });
      expect(r.status, host).toBe(421);
      expect(r.body).not.toContain('"active"');
    }
    expect((await call('POST', '/api/units/jtj/audit', { ...bearer, host: `evil.example:${port}` })).status).toBe(421);
    expect(svc.activeRuns()).toEqual([]);
  });

  it('a wildcard listen address stands for the machine’s own addresses', () => {
    const hosts = allowedHosts({ hosts: ['0.0.0.0'], port: 80 });
    expect(hosts.has('127.0.0.1')).toBe(true);
    expect(hosts.has('localhost:80')).toBe(true);
    expect(hosts.has('evil.example')).toBe(false);
  });
});

describe('malformed escapes', () => {
  it('a bad % escape anywhere in a path is a 404, never a 500', async () => {
    await start();
    const bearer = { authorization: `Bearer ${TOKEN}` };
    for (const path of ['/units/%E0%A4%A', '/api/units/%zz', '/api/runs/%', '/runs/abc/evidence/%E0%80', '/units/%']) {
      const r = await call('GET', path, bearer);
      expect(r.status, path).toBe(404);
    }
    expect((await call('POST', '/api/units/%ZZ/audit', bearer)).status).toBe(404);
    expect(logs.some((l) => l.includes('服务器内部错误'))).toBe(false);
  });
});
