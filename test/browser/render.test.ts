import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, findChromium, getBrowser, withPage } from '../../src/browser/chromium.ts';
import { renderPage } from '../../src/browser/render.ts';

let server: Server;
let base: string;
const hits = new Map<string, number>();
let lastUa = '';

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
    if (req.url === '/frame/inner.html') return send('<html><body><ul><li><a href="t1.html">框架里的条目</a></li></ul></body></html>');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await closeBrowser();
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
    const host = new URL(base).host;
    const page = await renderPage(`${base}/list.html`, { allowedHosts: [host], userAgent: 'zwgk-audit/0.0.0 (+政务公开测评)' });
    expect(page.status).toBe(200);
    expect(page.html).toContain('脚本生成的条目');
    expect(page.html).toMatch(/data-zwgk-iframe="[^"]*\/frame\/inner\.html"/);
    expect(page.html).toContain(`href="${base}/frame/t1.html"`);
    expect(hits.get('/pixel.png')).toBeUndefined();
    expect(lastUa).toBe('zwgk-audit/0.0.0 (+政务公开测评)');
  });

  it('an aborted render stops at once and leaves no context open', async () => {
    const stop = new AbortController();
    const hang = renderPage(`${base}/hang.html`, { signal: stop.signal, timeoutMs: 20_000 });
    setTimeout(() => stop.abort(), 300);
    const t0 = Date.now();
    await expect(hang).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await getBrowser()).contexts()).toHaveLength(0);
  });

  it('one browser for the process; contexts are closed after use; closeBrowser ends it', async () => {
    const a = await getBrowser();
    expect(await getBrowser()).toBe(a);
    const title = await withPage(async (page) => {
      await page.setContent('<title>测试</title>');
      return page.title();
    });
    expect(title).toBe('测试');
    expect(a.contexts()).toHaveLength(0);
    await closeBrowser();
    expect(a.isConnected()).toBe(false);
    const b = await getBrowser();
    expect(b).not.toBe(a);
  });
});
