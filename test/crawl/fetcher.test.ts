import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fetcher, isSoft404, parseRetryAfter, type FetcherOptions, type FetchStats } from '../../src/crawl/fetcher.ts';
import { NetworkPolicy, type NetworkPolicyOptions } from '../../src/net/policy.ts';
import { decodeBody } from '../../src/crawl/parse/charset.ts';
import { parseRobots } from '../../src/crawl/robots.ts';
import { openStore } from '../../src/store/store.ts';

/** A tiny programmable server on 127.0.0.1: each test registers the paths it needs. */
type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
const routes = new Map<string, Handler>();
const hits = new Map<string, number>();
let server: Server;
let base: string;
let host: string;
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const h = routes.get(path) ?? routes.get(path.split('?')[0]!);
    if (!h) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>404</h1>');
      return;
    }
    void Promise.resolve(h(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
  host = `127.0.0.1:${port}`;
  dir = mkdtempSync(join(tmpdir(), 'zwgk-fetch-'));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const html = (body: string) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>测试页</title></head><body>${body}${'<p>正文内容，足够长的页面。</p>'.repeat(40)}</body></html>`;
const page = (body: string): Handler => (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(body));
};

/** A fetcher whose units file has the test server's host; `net` changes its policy. */
function fetcher(extra: Partial<Omit<FetcherOptions, 'policy'>> & { net?: Partial<NetworkPolicyOptions> } = {}): Fetcher {
  const { net, ...rest } = extra;
  const policy = new NetworkPolicy({ unitHosts: [host], minIntervalMs: 0, ...net });
  return new Fetcher({ policy, timeoutMs: 1000, tries: 3, backoffMs: 10, maxRetryAfterMs: 2000, ...rest });
}

describe('retries and failures', () => {
  it('a page that fails twice and then answers is read on the third try', async () => {
    let n = 0;
    routes.set('/flaky.html', (req, res) => {
      if (++n <= 2) res.writeHead(503).end('busy');
      else page('<p>终于</p>')(req, res);
    });
    const f = fetcher();
    const out = await f.fetch(`${base}/flaky.html`);
    expect(out.ok && out.page.attempts).toBe(3);
    expect(out.ok && out.page.body.toString('utf8')).toContain('终于');
    await f.close();
  });

  it('a connection reset is retried', async () => {
    let n = 0;
    routes.set('/reset.html', (req, res) => {
      if (++n === 1) req.socket.resetAndDestroy();
      else page('<p>好了</p>')(req, res);
    });
    const f = fetcher();
    const out = await f.fetch(`${base}/reset.html`);
    expect(out.ok && out.page.attempts).toBe(2);
    await f.close();
  });

  it('429 waits for Retry-After before asking again', async () => {
    const times: number[] = [];
    routes.set('/limited.html', (req, res) => {
      times.push(Date.now());
      if (times.length === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else page('<p>可以了</p>')(req, res);
    });
    const f = fetcher();
    const out = await f.fetch(`${base}/limited.html`);
    expect(out.ok).toBe(true);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
    await f.close();
  });

  it('Retry-After is read as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 20 Jan 2021 00:00:10 GMT', Date.parse('Wed, 20 Jan 2021 00:00:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeNull();
  });

  it('a page that always fails is a FetchFailure with its status, a Chinese reason and the attempts made', async () => {
    routes.set('/down.html', (_req, res) => void res.writeHead(500).end('err'));
    const f = fetcher();
    const out = await f.fetch(`${base}/down.html`);
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.failure).toMatchObject({ kind: 'http-error', status: 500, attempts: 3 });
      expect(out.failure.reason).toMatch(/HTTP 500.*3 次/);
    }
    expect(hits.get('/down.html')).toBe(3);
    await f.close();
  });

  it('a 404 is not retried', async () => {
    const f = fetcher();
    const out = await f.fetch(`${base}/missing.html`);
    expect(!out.ok && [out.failure.kind, out.failure.status, out.failure.attempts]).toEqual(['http-error', 404, 1]);
    await f.close();
  });

  it('a page that never answers times out', async () => {
    routes.set('/hang.html', () => {});
    const f = fetcher({ timeoutMs: 200, tries: 2 });
    const t0 = Date.now();
    const out = await f.fetch(`${base}/hang.html`);
    expect(!out.ok && out.failure.kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(1500);
    await f.close();
  });

  it('anti-bot challenges are "blocked", a tiny 页面不存在 page is "soft-404"', async () => {
    routes.set('/rs.html', (_req, res) => void res.writeHead(412, { 'content-type': 'text/html' }).end('<html><script>$_ts={}</script></html>'));
    routes.set('/jsl.html', (_req, res) => void res.writeHead(521, { 'content-type': 'text/html' }).end('<script>document.cookie="__jsl_clearance=1"</script>'));
    routes.set('/soft.html', (_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body><h1>抱歉，您访问的页面不存在！</h1></body></html>'));
    const f = fetcher();
    for (const [path, kind] of [['/rs.html', 'blocked'], ['/jsl.html', 'blocked'], ['/soft.html', 'soft-404']]) {
      const out = await f.fetch(`${base}${path}`);
      expect(!out.ok && out.failure.kind, path).toBe(kind);
    }
    expect(hits.get('/rs.html')).toBe(1); // a challenge is not retried
    expect(isSoft404(html('<p>关于做好2021年元旦春节期间有关工作的通知</p>'))).toBe(false);
    await f.close();
  });
});

describe('where the crawler may go', () => {
  it('robots.txt disallow is respected (and cached per host)', async () => {
    routes.set('/robots.txt', (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /private/\nAllow: /private/open.html\n'));
    routes.set('/private/a.html', page('秘密'));
    routes.set('/private/open.html', page('公开'));
    const f = fetcher();
    const robotsBefore = hits.get('/robots.txt') ?? 0;
    const denied = await f.fetch(`${base}/private/a.html`);
    expect(!denied.ok && denied.failure.kind).toBe('robots');
    expect(hits.get('/private/a.html')).toBeUndefined();
    expect((await f.fetch(`${base}/private/open.html`)).ok).toBe(true);
    expect(hits.get('/robots.txt')! - robotsBefore).toBe(1);
    // Opting out of robots.txt is possible (configurable), e.g. on the office's own portal.
    const g = fetcher({ respectRobots: false });
    expect((await g.fetch(`${base}/private/a.html`)).ok).toBe(true);
    routes.delete('/robots.txt');
    await f.close();
    await g.close();
  });

  it('robots.txt groups: our own group wins over *, longest match, wildcards', () => {
    const r = parseRobots('User-agent: *\nDisallow: /\n\nUser-agent: zwgk-audit\nDisallow: /*.pdf$\nAllow: /\n', 'zwgk-audit');
    expect(r.isAllowed('/xxgk/index.html')).toBe(true);
    expect(r.isAllowed('/files/a.pdf')).toBe(false);
    expect(r.isAllowed('/files/a.pdf?x=1')).toBe(true);
    expect(parseRobots('User-agent: *\nDisallow: /\n', 'zwgk-audit').isAllowed('/a')).toBe(false);
    expect(parseRobots('User-agent: other\nDisallow: /\n', 'zwgk-audit').isAllowed('/a')).toBe(true);
  });

  it('only http(s) on the units file hosts; redirects off them are not followed', async () => {
    routes.set('/away.html', (_req, res) => void res.writeHead(302, { location: 'http://127.0.0.2:9/x.html' }).end());
    routes.set('/tofile.html', (_req, res) => void res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    const f = fetcher();
    for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/x', 'javascript:alert(1)', 'http://127.0.0.2:9/x.html', `${base}/away.html`, `${base}/tofile.html`]) {
      const out = await f.fetch(url);
      expect(!out.ok && out.failure.kind, url).toBe('off-host');
    }
    await f.close();
  });

  it('redirects are followed up to the bound, loops are named', async () => {
    for (let i = 0; i < 8; i++) routes.set(`/hop${i}.html`, (_req, res) => void res.writeHead(301, { location: `/hop${i + 1}.html` }).end());
    routes.set('/hop8.html', page('终点'));
    routes.set('/loopA.html', (_req, res) => void res.writeHead(302, { location: '/loopB.html' }).end());
    routes.set('/loopB.html', (_req, res) => void res.writeHead(302, { location: '/loopA.html' }).end());
    const f = fetcher({ maxRedirects: 5 });
    const near = await f.fetch(`${base}/hop3.html`);
    expect(near.ok && near.page.finalUrl).toBe(`${base}/hop8.html`);
    const hop6 = hits.get('/hop6.html');
    const far = await f.fetch(`${base}/hop0.html`);
    expect(!far.ok && far.failure.kind).toBe('redirect-loop');
    expect(hits.get('/hop6.html')).toBe(hop6); // five hops (hop0 → hop5), then stop
    const loop = await f.fetch(`${base}/loopA.html`);
    expect(!loop.ok && loop.failure.kind).toBe('redirect-loop');
    await f.close();
  });
});

describe('bodies', () => {
  it('a body beyond the size cap is aborted and reported too-large', async () => {
    let written = 0;
    routes.set('/big.html', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      while (written < 8 * 1024 * 1024 && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) await new Promise((r) => res.once('drain', r).once('close', r));
      }
      res.end();
    });
    routes.set('/declared.html', (_req, res) => void res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) }).end());
    const f = fetcher({ maxBytes: 256 * 1024 });
    const out = await f.fetch(`${base}/big.html`);
    expect(!out.ok && out.failure.kind).toBe('too-large');
    expect(!out.ok && out.failure.reason).toMatch(/256 KB/);
    await new Promise((r) => setTimeout(r, 100));
    expect(written).toBeLessThan(4 * 1024 * 1024);
    const declared = await f.fetch(`${base}/declared.html`);
    expect(!declared.ok && declared.failure.kind).toBe('too-large');
    await f.close();
  });

  it('gzip bodies are unpacked; broken gzip is a decode failure', async () => {
    routes.set('/gz.html', (_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip' }).end(gzipSync(html('<p>压缩的页面</p>'))));
    routes.set('/badgz.html', (_req, res) => void res.writeHead(200, { 'content-encoding': 'gzip' }).end(Buffer.from('不是压缩数据'.repeat(20))));
    const f = fetcher();
    const out = await f.fetch(`${base}/gz.html`);
    expect(out.ok && out.page.body.toString('utf8')).toContain('压缩的页面');
    const bad = await f.fetch(`${base}/badgz.html`);
    expect(!bad.ok && bad.failure.kind).toBe('decode');
    await f.close();
  });

  it('GBK pages come back as bytes that decodeBody reads (header or meta charset)', async () => {
    const gbk = iconv.encode(`<html><head><meta charset="gb2312"><title>棠浦镇</title></head><body>${'<li>棠浦镇人民政府通知</li>'.repeat(30)}</body></html>`, 'gbk');
    routes.set('/gbk.html', (_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end(gbk));
    const f = fetcher();
    const out = await f.fetch(`${base}/gbk.html`);
    if (!out.ok) throw new Error(out.failure.reason);
    const decoded = decodeBody(out.page.body, out.page.contentType);
    expect(decoded.charset).toMatch(/gb/);
    expect(decoded.text).toContain('棠浦镇人民政府通知');
    await f.close();
  });

  it('an attachment is reachable without being downloaded', async () => {
    routes.set('/file.pdf', (_req, res) => void res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.alloc(200_000)));
    const f = fetcher();
    const stats: FetchStats = { requests: 0, pages: 0, bytes: 0, notModified: 0 };
    const out = await f.fetch(`${base}/file.pdf`, { stats });
    expect(out.ok && [out.page.status, out.page.body.length, out.page.contentType]).toEqual([200, 0, 'application/pdf']);
    expect(stats.bytes).toBe(0);
    await f.close();
  });
});

describe('politeness', () => {
  it('never more than `perHost` requests in flight on one host, and the same address is fetched once', async () => {
    let inFlight = 0;
    let peak = 0;
    routes.set('/slow', async (req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      page(req.url!)(req, res);
    });
    const f = fetcher({ perHost: 2 });
    const urls = Array.from({ length: 12 }, (_, i) => `${base}/slow?i=${i}`);
    const outs = await Promise.all([...urls, ...urls].map((u) => f.fetch(u)));
    expect(outs.every((o) => o.ok)).toBe(true);
    expect(peak).toBe(2);
    expect(hits.get('/slow?i=3')).toBe(1);
    await f.close();
  });

  it('requests to one host start at least minIntervalMs apart', async () => {
    const starts: number[] = [];
    routes.set('/tick', (req, res) => {
      starts.push(Date.now());
      page('t')(req, res);
    });
    const f = fetcher({ perHost: 4, net: { minIntervalMs: 50 } });
    await Promise.all(Array.from({ length: 5 }, (_, i) => f.fetch(`${base}/tick?i=${i}`)));
    starts.sort((a, b) => a - b);
    // Arrival times jitter on a busy machine; the spacing of the starts shows in the span of all five.
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(4 * 50 - 20);
    await f.close();
  });

  it('sends an honest User-Agent with the contact', async () => {
    let ua = '';
    routes.set('/ua.html', (req, res) => {
      ua = Buffer.from(req.headers['user-agent'] ?? '', 'latin1').toString('utf8');
      page('ua')(req, res);
    });
    const f = fetcher({ contact: 'xxgk@yifeng.gov.cn' });
    await f.fetch(`${base}/ua.html`);
    expect(ua).toMatch(/^zwgk-audit\/\d+\.\d+\.\d+ \(\+政务公开测评; xxgk@yifeng\.gov\.cn\)$/);
    await f.close();
  });
});

describe('conditional requests', () => {
  it('sends the stored validators and reuses the stored page on 304', async () => {
    const seen: (string | undefined)[] = [];
    routes.set('/cond.html', (req, res) => {
      seen.push(req.headers['if-none-match']);
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304, { etag: '"v1"' }).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag: '"v1"', 'last-modified': 'Tue, 19 Jan 2021 00:00:00 GMT' }).end(html('<p>第一次</p>'));
    });
    const store = await openStore(join(dir, 'cond'));
    const first = fetcher({ cache: store });
    const a = await first.fetch(`${base}/cond.html`);
    expect(a.ok && a.page.fromCache).toBe(false);
    await first.close();
    // A new night: a new fetcher, the same store.
    const second = fetcher({ cache: store });
    const stats: FetchStats = { requests: 0, pages: 0, bytes: 0, notModified: 0 };
    const b = await second.fetch(`${base}/cond.html`, { stats });
    expect([stats.requests, stats.pages, stats.notModified, stats.bytes]).toEqual([1, 1, 1, 0]);
    expect(b.ok && b.page.fromCache).toBe(true);
    expect(b.ok && b.page.body.toString('utf8')).toContain('第一次');
    expect(seen).toEqual([undefined, '"v1"']);
    await second.close();
  });
});

describe('checkLink', () => {
  it('reports the final status and title of a link on an allowed host, reading only the start of it', async () => {
    routes.set('/policy.html', page('<p>政策原文</p>'));
    routes.set('/moved.html', (_req, res) => void res.writeHead(301, { location: '/policy.html' }).end());
    routes.set('/gone.html', (_req, res) => void res.writeHead(410).end());
    // Not a units-file host: a link check the operator allows (--allow-host), the test server being loopback.
    const f = fetcher({ net: { unitHosts: [], allowHosts: [host] } });
    expect(await f.checkLink(`${base}/moved.html`)).toMatchObject({ status: 200, ok: true, finalUrl: `${base}/policy.html`, title: '测试页' });
    expect(await f.checkLink(`${base}/gone.html`)).toMatchObject({ status: 410, ok: false, kind: 'http-error' });
    expect(await f.checkLink('javascript:void(0)')).toMatchObject({ status: null, ok: false });
    const before = hits.get('/policy.html');
    await f.checkLink(`${base}/moved.html`);
    expect(hits.get('/policy.html')).toBe(before); // memoised per URL
    await f.close();
  });

  it('does not follow a redirect to another host: it reports it', async () => {
    routes.set('/elsewhere.html', (_req, res) => void res.writeHead(302, { location: 'http://portal.example/never.html' }).end());
    const f = fetcher();
    expect(await f.checkLink(`${base}/elsewhere.html`)).toMatchObject({ status: 302, ok: true, finalUrl: 'http://portal.example/never.html' });
    await f.close();
  });

  it('a redirect to a host the policy forbids (loopback, not listed) is not followed: the check says forbidden', async () => {
    routes.set('/inward.html', (_req, res) => void res.writeHead(302, { location: 'http://127.0.0.3:9/never.html' }).end());
    const f = fetcher();
    const check = await f.checkLink(`${base}/inward.html`);
    expect(check).toMatchObject({ status: 302, ok: false, kind: 'forbidden' });
    expect(check.error).toMatch(/127\.0\.0\.3:9.*本机地址.*未访问/);
    await f.close();
  });
});
