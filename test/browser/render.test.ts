import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, findChromium, getBrowser, OffHostError, PageDeadlineError, withPage } from '../../src/browser/chromium.ts';
import { renderPage } from '../../src/browser/render.ts';
import { NetworkPolicy } from '../../src/net/policy.ts';
import { startSentinel, type Sentinel } from '../../fixtures/hostile/lures.ts';
import { SELF_SIGNED } from '../../fixtures/hostile/self-signed.ts';

let server: Server;
let base: string;
const hits = new Map<string, number>();
/** When each request of the paced page arrived. */
const pacedStarts: number[] = [];
let lastUa = '';
let policy: NetworkPolicy;
let sentinel: Sentinel;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.set(req.url ?? '/', (hits.get(req.url ?? '/') ?? 0) + 1);
    const send = (body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    if (req.url === '/list.html') {
      lastUa = Buffer.from(req.headers['user-agent'] ?? '', 'latin1').toString('utf8');
      return send(`<html><body><ul id="list"></ul>
<script>document.getElementById('list').innerHTML = '<li><a href="./a/1.html">脚本生成的条目</a><span>2020-12-01</span></li>';</script>
<img src="/pixel.png"><script src="http://127.0.0.3:9/tracker.js"></script>
<iframe src="/frame/inner.html"></iframe></body></html>`);
    }
    if (req.url === '/hang.html') return; // never answers
    if (req.url?.startsWith('/paced')) {
      pacedStarts.push(Date.now());
      if (req.url === '/paced.html') return send(`<ul id="list"></ul>${[1, 2, 3, 4].map((i) => `<script src="/paced-${i}.js"></script>`).join('')}`);
      return res.writeHead(200, { 'content-type': 'text/javascript' }).end('void 0;');
    }
    // Yields until load, then keeps the page's only thread busy for good.
    if (req.url === '/busy.html') return send(`<ul id="list"><li><a href="a.html">条目</a><span>2020-12-01</span></li></ul><script>addEventListener('load', () => setTimeout(() => { for (;;) {} }, 50))</script>`);
    const hop = /^\/hop\?to=(.*)$/.exec(req.url ?? '');
    if (hop) return res.writeHead(302, { location: decodeURIComponent(hop[1]!) }).end();
    if (req.url === '/lure-frame.html') return send(`<ul id="list"></ul><iframe src="/hop?to=${encodeURIComponent(`${sentinel.url}/frame`)}"></iframe>`);
    if (req.url === '/lure-nav.html') return send(`<ul id="list"></ul><script>setTimeout(() => { location.href = '/hop?to=${encodeURIComponent(`${sentinel.url}/nav`)}' }, 10)</script>`);
    if (req.url === '/lure-data.html') return send(`<ul id="list"></ul><script>fetch('/hop?to=${encodeURIComponent(`${sentinel.url}/data.json`)}').then((r) => r.text()).then((t) => { document.getElementById('list').innerHTML = '<li>' + t + '</li>' }).catch(() => {})</script>`);
    if (req.url === '/sw.html') {
      return send(`<title>?</title><ul id="list"></ul><script>navigator.serviceWorker.register('/sw.js').catch(() => {}).then(() => navigator.serviceWorker.getRegistrations()).then((r) => { document.title = 'registrations:' + r.length })</script>`);
    }
    if (req.url === '/sw.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end('self.addEventListener("fetch", () => {});');
    if (req.url === '/lure-ws.html') return send(`<ul id="list"></ul><script>new WebSocket('ws://${sentinel.host}/ws')</script>`);
    if (req.url === '/frame/inner.html') return send('<html><body><ul><li><a href="t1.html">框架里的条目</a></li></ul></body></html>');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  policy = new NetworkPolicy({ unitHosts: [new URL(base).host], minIntervalMs: 0 });
  sentinel = await startSentinel();
});
afterAll(async () => {
  await closeBrowser();
  await sentinel.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('shared browser', () => {
  it('finds an executable (ZWGK_CHROMIUM first) and names a missing one in Chinese', () => {
    expect(findChromium()).toMatch(/chrom/i);
    const saved = process.env.ZWGK_CHROMIUM;
    process.env.ZWGK_CHROMIUM = '/nonexistent/chromium';
    try {
      expect(() => findChromium()).toThrow(/ZWGK_CHROMIUM.*不存在/);
    } finally {
      if (saved === undefined) delete process.env.ZWGK_CHROMIUM;
      else process.env.ZWGK_CHROMIUM = saved;
    }
  });

  it('renders script-made lists, inlines same-origin iframes with absolute links, blocks other hosts and images', async () => {
    const page = await renderPage(`${base}/list.html`, { policy, userAgent: 'zwgk-audit/0.0.0 (+政务公开测评)' });
    expect(page.status).toBe(200);
    expect(page.html).toContain('脚本生成的条目');
    expect(page.html).toMatch(/data-zwgk-iframe="[^"]*\/frame\/inner\.html"/);
    expect(page.html).toContain(`href="${base}/frame/t1.html"`);
    expect(hits.get('/pixel.png')).toBeUndefined();
    expect(lastUa).toBe('zwgk-audit/0.0.0 (+政务公开测评)');
    // The other host's script was refused, and named.
    expect(page.blocked).toEqual(['127.0.0.3:9']);
  });

  it('an aborted render stops at once and leaves no context open', async () => {
    const stop = new AbortController();
    const hang = renderPage(`${base}/hang.html`, { policy, signal: stop.signal, timeoutMs: 20_000 });
    setTimeout(() => stop.abort(), 300);
    const t0 = Date.now();
    await expect(hang).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await getBrowser()).contexts()).toHaveLength(0);
  });

  it('one browser for the process; contexts are closed after use; closeBrowser ends it', async () => {
    const a = await getBrowser();
    expect(await getBrowser()).toBe(a);
    const title = await withPage(
      policy,
      async (page) => {
        await page.setContent('<title>测试</title>');
        return page.title();
      },
      {},
      { deadlineMs: 10_000 },
    );
    expect(title).toBe('测试');
    expect(a.contexts()).toHaveLength(0);
    await closeBrowser();
    expect(a.isConnected()).toBe(false);
    const b = await getBrowser();
    expect(b).not.toBe(a);
  });
});

describe('renders under the network policy', () => {
  it('a page whose script never yields is ended by the hard deadline that closes its context', async () => {
    const t0 = Date.now();
    await expect(renderPage(`${base}/busy.html`, { policy, timeoutMs: 2_000 })).rejects.toBeInstanceOf(PageDeadlineError);
    // The issue's bound: the render's own timeout holds (with room for a loaded machine).
    expect(Date.now() - t0).toBeLessThan(2_000 + 8_000);
    expect((await getBrowser()).contexts()).toHaveLength(0);
  }, 20_000);

  it.each([
    ['an iframe through an on-host redirect', '/lure-frame.html'],
    ['a top-level navigation through an on-host redirect', '/lure-nav.html'],
    ['list data fetched through an on-host redirect', '/lure-data.html'],
  ])('%s: the render is discarded and the internal host gets nothing', async (_what, path) => {
    await expect(renderPage(`${base}${path}`, { policy, timeoutMs: 8_000 })).rejects.toBeInstanceOf(OffHostError);
    expect(sentinel.untouched(), JSON.stringify(sentinel.requests)).toBe(true);
  }, 20_000);

  it('service workers are blocked: none registered, its script never fetched', async () => {
    const page = await renderPage(`${base}/sw.html`, { policy, timeoutMs: 8_000 });
    expect(page.html).toContain('<title>registrations:0</title>');
    expect(hits.get('/sw.js')).toBeUndefined();
  }, 20_000);

  it('a certificate no authority signed is refused unless the operator says otherwise (--ignore-https-errors)', async () => {
    const tls = createHttpsServer(SELF_SIGNED, (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<ul id="list"><li>加密页面</li></ul>'));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(tls.address() as { port: number }).port}`;
    try {
      await expect(renderPage(`https://${host}/`, { policy: new NetworkPolicy({ unitHosts: [host], minIntervalMs: 0 }), timeoutMs: 8_000 })).rejects.toThrow(/ERR_CERT/);
      const page = await renderPage(`https://${host}/`, { policy: new NetworkPolicy({ unitHosts: [host], minIntervalMs: 0, ignoreHttpsErrors: true }), timeoutMs: 8_000 });
      expect(page.html).toContain('加密页面');
    } finally {
      tls.closeAllConnections();
      await new Promise<void>((r) => tls.close(() => r()));
    }
  }, 30_000);

  it('the browser keeps the least interval between two request starts on one host (--min-interval)', async () => {
    const paced = new NetworkPolicy({ unitHosts: [new URL(base).host], minIntervalMs: 150 });
    await renderPage(`${base}/paced.html`, { policy: paced, timeoutMs: 10_000 });
    expect(pacedStarts).toHaveLength(5);
    // The pacer spaces the starts; arrival adds connection jitter to each, so the bound is on the span since the first.
    for (let i = 1; i < pacedStarts.length; i++) expect(pacedStarts[i]! - pacedStarts[0]!).toBeGreaterThanOrEqual(i * 150 - 50);
  }, 20_000);

  it('a WebSocket to the internal host is refused by the proxy (the render itself stands on the portal page)', async () => {
    const page = await renderPage(`${base}/lure-ws.html`, { policy, timeoutMs: 8_000 });
    expect(page.finalUrl).toBe(`${base}/lure-ws.html`);
    expect([sentinel.connections, sentinel.upgrades]).toEqual([0, 0]);
  }, 20_000);
});
