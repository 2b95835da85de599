import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeHandle } from '../../src/cli/serve-command.ts';
import { CHROMIUM_ARGS, findChromium } from '../../src/browser/chromium.ts';
import { HOSTILE_TEXT, PWNED, startHostilePortal, type HostilePortal } from '../../fixtures/hostile/portal.ts';
import { rawCall } from '../helpers/raw-http.ts';

/**
 * The dashboard of `zwgk serve` (real service, real audit of the hostile
 * portal): actions only with the Bearer token, never with a cookie, a query
 * token or from another site; crawled markup shown as text, never run.
 */
const TOKEN = 'tok-3f9a6c1e8b27d4';
const UNIT_NAME = `县跨站局<svg onload="window.${PWNED}='dash'">`;

let portal: HostilePortal;
let root: string;
let serve: ServeHandle;
let browser: Browser;

const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => rawCall(serve.url, method, path, headers, body);

const bearer = { authorization: `Bearer ${TOKEN}` };

async function sessionCookie(): Promise<string> {
  const r = await call('POST', '/login', { 'content-type': 'application/x-www-form-urlencoded' }, `token=${TOKEN}`);
  expect(r.status).toBe(303);
  const set = r.headers['set-cookie'];
  const cookie = (Array.isArray(set) ? set[0] : set)!.split(';')[0]!;
  expect(cookie).not.toContain(TOKEN);
  return cookie;
}

beforeAll(async () => {
  portal = await startHostilePortal();
  root = mkdtempSync(join(tmpdir(), 'zwgk-dash-'));
  portal.writeUnitsCsv(join(root, 'units.csv'), [{ id: 'xss', name: UNIT_NAME }]);
  // No schedule firing during the test, no screenshots (the hostile-audit test covers them).
  writeFileSync(join(root, 'serve.yaml'), 'schedule: "0 2 1 1 *"\nscreenshots: false\nshutdownGraceSeconds: 0\n');
  serve = await startServe(
    { units: join(root, 'units.csv'), config: join(root, 'serve.yaml'), data: join(root, 'data'), host: '127.0.0.1', port: 0 },
    { env: { ZWGK_TOKEN: TOKEN }, log: () => {} },
  );
  browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await portal?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('actions need the Bearer token and a same-site caller', () => {
  const refused: [string, () => Promise<Record<string, string>>, string | undefined, number][] = [
    ['no token', async () => ({}), undefined, 401],
    ['wrong token', async () => ({ authorization: 'Bearer not-the-token' }), undefined, 401],
    ['token as Basic auth', async () => ({ authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }), undefined, 401],
    ['session cookie only (a logged-in browser)', async () => ({ cookie: await sessionCookie() }), undefined, 401],
    ['token in a form body (cross-site form)', async () => ({ 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }), `token=${TOKEN}`, 403],
    ['valid token from another origin', async () => ({ ...bearer, origin: 'http://evil.example' }), undefined, 403],
    ['valid token, Sec-Fetch-Site: cross-site', async () => ({ ...bearer, 'sec-fetch-site': 'cross-site' }), undefined, 403],
    ['valid token, Sec-Fetch-Site: same-site (a sibling subdomain)', async () => ({ ...bearer, 'sec-fetch-site': 'same-site' }), undefined, 403],
    ['cookie + cross-site form', async () => ({ cookie: await sessionCookie(), 'content-type': 'text/plain', origin: 'null' }), 'x', 403],
  ];

  it.each(refused)('%s → refused, nothing started', async (_name, headers, body, status) => {
    const r = await call('POST', '/api/units/xss/audit', await headers(), body);
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body).error).toMatch(/[\u4e00-\u9fff]/);
    expect(serve.service.activeRuns()).toEqual([]);
  });

  it('token in the query string of a POST does not act', async () => {
    const r = await call('POST', `/api/units/xss/audit?token=${TOKEN}`);
    expect(r.status).toBe(401);
    expect(serve.service.activeRuns()).toEqual([]);
  });

  it('reading without the token is refused too (publicRead off)', async () => {
    expect((await call('GET', '/api/units')).status).toBe(401);
    expect((await call('GET', '/api/units/xss')).status).toBe(401);
  });
});

describe('an audit of the hostile portal, then its dashboard', () => {
  let runId: string;

  it('with the token: 202, a second request while it runs: 409', async () => {
    const r = await call('POST', '/api/units/xss/audit', bearer);
    expect(r.status).toBe(202);
    runId = (JSON.parse(r.body) as { runId: string }).runId;
    const again = await call('POST', '/api/units/xss/audit', bearer);
    expect(again.status).toBe(409);
    expect(JSON.parse(again.body).runId).toBe(runId);
  });

  it('the run finishes', async () => {
    const t0 = Date.now();
    let state = 'running';
    while (state === 'running' && Date.now() - t0 < 90_000) {
      await new Promise((r) => setTimeout(r, 300));
      state = (JSON.parse((await call('GET', `/api/runs/${runId}`, bearer)).body) as { state: string }).state;
    }
    expect(state).toBe('done');
  }, 100_000);

  it('the API returns the hostile strings as JSON data, unaltered', async () => {
    const r = await call('GET', '/api/units/xss', bearer);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const unit = JSON.parse(r.body) as { name: string; findings: { column?: string }[] };
    expect(unit.name).toBe(UNIT_NAME);
    expect(unit.findings.map((f) => f.column)).toContain(HOSTILE_TEXT.columnImg);
  });

  it.each(['/', '/units/xss'])('%s in Chromium: no planted script runs, the strings show as text', async (path) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    expect((await context.request.post(`${serve.url}/login`, { form: { token: TOKEN }, maxRedirects: 0 })).status()).toBe(303);
    await page.goto(`${serve.url}${path}`, { waitUntil: 'load' });
    await page.waitForTimeout(300);
    await page.evaluate(() => {
      for (const el of Array.from(document.querySelectorAll('*'))) {
        for (const type of ['mouseover', 'mouseenter', 'focus']) el.dispatchEvent(new Event(type, { bubbles: true }));
      }
    });
    expect(await page.evaluate((k) => (window as unknown as Record<string, unknown>)[k], PWNED)).toBeUndefined();
    expect(dialogs).toEqual([]);
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toContain(UNIT_NAME);
    if (path !== '/') expect(text).toContain(HOSTILE_TEXT.columnImg);
    await context.close();
  });

  it.each(['/', '/units/xss'])('%s markup: no event handlers, no javascript: links, a script nonce policy', async (path) => {
    const r = await call('GET', path, bearer);
    expect(r.status).toBe(200);
    expect(String(r.headers['content-security-policy'])).toMatch(/script-src 'nonce-/);
    const $ = load(r.body);
    const handlers = $('*')
      .toArray()
      .flatMap((el) => Object.keys((el as unknown as { attribs: Record<string, string> }).attribs ?? {}).filter((a) => /^on/i.test(a)));
    expect(handlers).toEqual([]);
    for (const el of $('[href], [src], [action]').toArray()) {
      const v = $(el).attr('href') ?? $(el).attr('src') ?? $(el).attr('action') ?? '';
      expect(v.trim()).not.toMatch(/^(javascript|vbscript|file):/i);
    }
    for (const s of $('script').toArray()) expect($(s).text()).not.toContain(PWNED);
  });

  it('the run report is served where no script may run, and a path outside the run goes nowhere', async () => {
    const rep = await call('GET', `/runs/${runId}/report.html`, bearer);
    expect(rep.status).toBe(200);
    const csp = String(rep.headers['content-security-policy']);
    expect(/script-src 'none'/.test(csp) || (/\bsandbox\b/.test(csp) && !/allow-scripts/.test(csp)), csp).toBe(true);
    for (const p of ['../../units.csv', '..%2F..%2Funits.csv', '%2e%2e/%2e%2e/units.csv', 'evidence/..%2F..%2F..%2Funits.csv', 'report.json%00.html']) {
      const r = await call('GET', `/runs/${runId}/${p}`, bearer);
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain('xss,');
    }
  });
});
