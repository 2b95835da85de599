import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { crawlUnits, type CrawlRunOptions } from '../../src/crawl/crawl-run.ts';
import { DEFAULT_SCHEME, loadScheme, type Scheme } from '../../src/config/scheme.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import { judgeUnit } from '../../src/judge/run-rules.ts';
import type { LinkRef, Unit, UnitSnapshot } from '../../src/model/snapshot.ts';
import { NetworkPolicy } from '../../src/net/policy.ts';
import { openStore } from '../../src/store/store.ts';
import { articlePage, challenge412Page, indexPage, listPage, soft404Page } from '../../fixtures/faulty/html.ts';
import { withSettings } from '../helpers/snapshot-factory.ts';

/**
 * The gather plan's `links: 'check'` (the dead-link rule's sample) against a
 * small local portal: every judged column's first articles have their body
 * links and attachments checked — status only, never read as articles, once
 * per address in the run however many pages and units carry them, HEAD first
 * for files, on the host's politeness slots, up to the per-unit bound taken
 * round robin over the columns; a 412 wall, a timeout and a name that does
 * not resolve told apart; the previous snapshot's lasting checks kept.
 */

const GONE_HOST = 'gone.portal.test';
let server: Server;
let base: string;
let goneOrigin: string;
let dir: string;
let county: Scheme;
/** The county scheme without the rule that downloads attachments (whose downloads answer link checks, tested apart). */
let linksOnly: Scheme;
/** Requests by `METHOD path`. */
const hits = new Map<string, number>();
let inFlight = 0;
let maxInFlight = 0;

const count = (key: string) => hits.get(key) ?? 0;
const html = (res: ServerResponse, status: number, body: string) => void res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
const pdf = (req: IncomingMessage, res: ServerResponse) => void res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': '9' }).end(req.method === 'HEAD' ? undefined : '%PDF-1.4\n');
const a = (href: string, text: string) => `<p>${text}：<a href="${href}">${text}</a></p>`;

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  const page = (body: string) => html(res, 200, body);
  const item = (title: string, href: string, date: string) => ({ title, href, date });
  switch (path) {
    case '/u/index.html':
      return page(indexPage('县链接局', [{ name: '通知公告', href: './tzgg/index.html' }, { name: '政策文件', href: './zcwj/index.html' }, { name: '工作动态', href: './gzdt/index.html' }]));
    case '/u/tzgg/index.html':
      return page(listPage('县链接局', '通知公告', [item('关于甲的通知', './t1.html', '2020-12-01'), item('关于乙的通知', './t2.html', '2020-11-01'), item('关于丙的通知', './t3.html', '2020-10-01')]));
    case '/u/tzgg/t1.html':
      return page(
        articlePage({
          title: '关于甲的通知',
          date: '2020-12-01',
          source: '县链接局',
          body: [
            a('/u/files/gone.pdf', '附件一'),
            a('/u/wall.html', '办事指南'),
            a('/u/slow.html', '申请表'),
            a('/u/ok.html', '相关文件'),
            a('/u/files/shared.pdf', '附件二'),
            a('./t2.html', '关于乙的通知'),
            a('http://other.example/x.html', '外部网站'),
            a('/u/soft.html', '旧文件'),
            a(`${goneOrigin}/x.html`, '旧网站'),
          ].join(''),
        }),
      );
    case '/u/tzgg/t2.html':
      return page(articlePage({ title: '关于乙的通知', date: '2020-11-01', source: '县链接局', body: a('/u/files/shared.pdf', '附件') }));
    case '/u/tzgg/t3.html':
      return page(articlePage({ title: '关于丙的通知', date: '2020-10-01', source: '县链接局', body: '<p>正文。</p>' }));
    case '/u/zcwj/index.html':
      return page(listPage('县链接局', '政策文件', [item('关于印发办法的通知', './z1.html', '2020-09-01')]));
    case '/u/zcwj/z1.html':
      return page(articlePage({ title: '关于印发办法的通知', date: '2020-09-01', source: '县链接局', body: a('/u/files/headless.pdf', '办法全文') + a('/u/files/gone410.doc', '起草说明') }));
    case '/u/gzdt/index.html':
      return page(listPage('县链接局', '工作动态', [item('县链接局召开会议', './n1.html', '2020-12-20')]));
    case '/u/gzdt/n1.html':
      return page(articlePage({ title: '县链接局召开会议', date: '2020-12-20', source: '县链接局', body: a('/u/files/newsonly.pdf', '会议材料') }));
    case '/v/index.html':
      return page(indexPage('县共享局', [{ name: '通知公告', href: './tzgg/index.html' }, { name: '规划计划', href: './ghjh/index.html' }]));
    case '/v/tzgg/index.html':
      return page(listPage('县共享局', '通知公告', [item('关于丁的通知', './v1.html', '2020-12-02')]));
    case '/v/tzgg/v1.html':
      return page(articlePage({ title: '关于丁的通知', date: '2020-12-02', source: '县共享局', body: a('/u/files/shared.pdf', '附件') + a('/u/ok.html', '相关文件') }));
    case '/w/index.html':
      return page(indexPage('县迟缓局', [{ name: '通知公告', href: './tzgg/index.html' }, { name: '规划计划', href: './ghjh/index.html' }]));
    case '/w/tzgg/index.html':
      return page(listPage('县迟缓局', '通知公告', [item('关于戊的通知', './w1.html', '2020-12-03')]));
    case '/w/tzgg/w1.html':
      return page(articlePage({ title: '关于戊的通知', date: '2020-12-03', source: '县迟缓局', body: a('/u/slow2.html', '附件') }));
    case '/v/ghjh/index.html':
    case '/w/ghjh/index.html':
      return page(listPage('县其他局', '规划计划', [item('2020年工作计划', './p1.html', '2020-03-01')]));
    case '/v/ghjh/p1.html':
    case '/w/ghjh/p1.html':
      return page(articlePage({ title: '2020年工作计划', date: '2020-03-01', source: '县其他局', body: '<p>正文。</p>' }));
    case '/u/ok.html':
      return page('<html><head><title>相关文件</title></head><body><p>一份仍然可以打开的文件，正文足够长，不是错误提示页面。</p></body></html>');
    case '/u/wall.html':
      return html(res, 412, challenge412Page());
    case '/u/soft.html':
      return page(soft404Page());
    case '/u/files/shared.pdf':
      return pdf(req, res);
    case '/u/files/headless.pdf':
      // A server that does not implement HEAD.
      if (req.method === 'HEAD') return void res.writeHead(405).end();
      return pdf(req, res);
    case '/u/slow.html':
    case '/u/slow2.html':
      return; // never answers
    case '/u/files/gone410.doc':
      return html(res, 410, '<html><body><h1>410 Gone</h1></body></html>');
    default:
      return html(res, 404, '<html><body><h1>404 Not Found</h1></body></html>');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(`${req.method} ${path}`, count(`${req.method} ${path}`) + 1);
    // The hanging requests end when the client gives up, a moment the server learns late: not counted.
    if (!path.includes('slow')) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', () => inFlight--);
    }
    route(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
  goneOrigin = `http://${GONE_HOST}:${port}`;
  dir = mkdtempSync(join(tmpdir(), 'zwgk-linkcheck-'));
  county = loadScheme(DEFAULT_SCHEME);
  linksOnly = { ...county, rules: county.rules.filter((r) => r.meta.id !== 'privacy-leak') };
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const unitU: () => Unit = () => ({ id: 'ulj', name: '县链接局', type: 'department', url: `${base}/u/index.html` });
const unitV: () => Unit = () => ({ id: 'vgx', name: '县共享局', type: 'department', url: `${base}/v/index.html` });
const unitW: () => Unit = () => ({ id: 'wch', name: '县迟缓局', type: 'department', url: `${base}/w/index.html` });

const hosts = () => [new URL(base).host, new URL(goneOrigin).host];

/** Names the crawl asked the resolver for (only the units file's second host should ever be asked). */
const asked: string[] = [];
function policy(): NetworkPolicy {
  return new NetworkPolicy({
    // The units file lists a second host of the portal that no longer resolves.
    unitHosts: hosts(),
    minIntervalMs: 0,
    resolve: async (name) => {
      asked.push(name);
      return [];
    },
  });
}

function options(over: Partial<CrawlRunOptions> = {}): CrawlRunOptions {
  return {
    plan: planGather(linksOnly),
    browser: false,
    concurrency: 2,
    policy: policy(),
    fetch: { timeoutMs: 2000, tries: 2, backoffMs: 10, linkTimeoutMs: 300 },
    bounds: { contextYear: 2020 },
    ...over,
  };
}

const linksOf = (s: UnitSnapshot, path: string): LinkRef[] => s.articles[`${base}${path}`]!.links;
const checkOf = (s: UnitSnapshot, path: string, href: string) => linksOf(s, path).find((l) => l.url === (href.startsWith('http') ? href : `${base}${href}`))?.check;

describe("links: 'check' — the dead-link sample", () => {
  let u: UnitSnapshot;
  let v: UnitSnapshot;
  const before = new Map<string, number>();

  beforeAll(async () => {
    [u, v] = (await crawlUnits([unitU(), unitV()], options())) as [UnitSnapshot, UnitSnapshot];
    for (const [k, n] of hits) before.set(k, n);
  });

  it('each link of the sampled pages carries its check: gone, walled, timed out, working, soft 404, unresolvable', () => {
    const t1 = '/u/tzgg/t1.html';
    expect(checkOf(u, t1, '/u/files/gone.pdf')).toMatchObject({ ok: false, status: 404, kind: 'http-error' });
    expect(checkOf(u, t1, '/u/wall.html')).toMatchObject({ ok: false, status: 412, kind: 'blocked' });
    expect(checkOf(u, t1, '/u/slow.html')).toMatchObject({ ok: false, status: null, kind: 'timeout' });
    expect(checkOf(u, t1, '/u/ok.html')).toMatchObject({ ok: true, status: 200, title: '相关文件' });
    expect(checkOf(u, t1, '/u/files/shared.pdf')).toMatchObject({ ok: true, status: 200 });
    expect(checkOf(u, t1, '/u/tzgg/t2.html')).toMatchObject({ ok: true, status: 200 });
    expect(checkOf(u, t1, '/u/soft.html')).toMatchObject({ ok: false, kind: 'soft-404' });
    expect(checkOf(u, t1, `${goneOrigin}/x.html`)).toMatchObject({ ok: false, status: null, kind: 'dns' });
    expect(checkOf(u, t1, `${goneOrigin}/x.html`)!.error).toMatch(/域名无法解析/);
    expect(checkOf(u, '/u/zcwj/z1.html', '/u/files/headless.pdf')).toMatchObject({ ok: true, status: 200 });
    expect(checkOf(u, '/u/zcwj/z1.html', '/u/files/gone410.doc')).toMatchObject({ ok: false, status: 410 });
  });

  it('checks, never reads: no link target is kept as an article, no link is a crawl failure', () => {
    expect(u.status).toBe('ok');
    expect(u.failures).toEqual([]);
    expect(Object.keys(u.articles).map((k) => k.replace(base, '')).sort()).toEqual(['/u/tzgg/t1.html', '/u/tzgg/t2.html', '/u/tzgg/t3.html', '/u/zcwj/z1.html']);
  });

  it('links off the portal are not checked (the rule’s default scope): never requested, never resolved', () => {
    expect(checkOf(u, '/u/tzgg/t1.html', 'http://other.example/x.html')).toBeUndefined();
    expect(asked).toEqual([GONE_HOST]);
  });

  it('news columns are not sampled: their pages are not read, their links not checked', () => {
    expect(count('GET /u/gzdt/n1.html')).toBe(0);
    expect(count('HEAD /u/files/newsonly.pdf') + count('GET /u/files/newsonly.pdf')).toBe(0);
  });

  it('each address is asked once in the run, however many pages and units link to it; a page already read answers without a request', () => {
    // shared.pdf: on t1, t2 and the other unit's v1 — one HEAD, no GET.
    expect([count('HEAD /u/files/shared.pdf'), count('GET /u/files/shared.pdf')]).toEqual([1, 0]);
    expect(checkOf(v, '/v/tzgg/v1.html', '/u/files/shared.pdf')).toMatchObject({ ok: true });
    expect(count('GET /u/ok.html')).toBe(1);
    expect(checkOf(v, '/v/tzgg/v1.html', '/u/ok.html')).toMatchObject({ ok: true, title: '相关文件' });
    // t2 is also an item the crawl read: the link to it cost nothing more.
    expect(count('GET /u/tzgg/t2.html')).toBe(1);
  });

  it('files are asked with HEAD first, and with GET where the server refuses HEAD or answers it with an error', () => {
    expect([count('HEAD /u/files/headless.pdf'), count('GET /u/files/headless.pdf')]).toEqual([1, 1]);
    expect([count('HEAD /u/files/gone.pdf'), count('GET /u/files/gone.pdf')]).toEqual([1, 1]);
    // Pages are asked with GET only (a soft 404 is told by the body); a timeout is tried linkTries times.
    expect([count('HEAD /u/ok.html'), count('GET /u/slow.html')]).toEqual([0, 2]);
  });

  it('politely: never more requests in flight on the host than its slots', () => {
    expect(maxInFlight).toBeGreaterThan(0);
    expect(maxInFlight).toBeLessThanOrEqual(2);
  });

  it('the dead-link rule on what was gathered: the gone ones broken, the walled and timed-out one could not be checked', () => {
    const judged = judgeUnit(u, { asOf: '2021-01-20', year: 2020, scheme: county, portalHosts: hosts() });
    const r = judged.results['dead-link']!;
    expect(r.findings.map((f) => [f.url.replace(base, ''), f.observed['linkText'], f.observed['linkStatus']])).toEqual([
      ['/u/tzgg/t1.html', '附件一', 404],
      ['/u/tzgg/t1.html', '旧文件', 200],
      ['/u/tzgg/t1.html', '旧网站', null],
      ['/u/zcwj/z1.html', '起草说明', 410],
    ]);
    expect(r.inconclusive).toHaveLength(1);
    expect(r.inconclusive[0]!.reason).toMatch(/^页面“关于甲的通知”中的链接“办事指南”（网站返回反爬虫验证页面（HTTP 412）.*）、“申请表”（请求超时（300 毫秒内未完成），已尝试 2 次）未能检查/);
  });
});

describe("links: 'check' beside attachments read for their text", () => {
  it('a file downloaded as an attachment answers its link check: once per unit, never asked again with HEAD', async () => {
    const mark = new Map(hits);
    const delta = (key: string) => count(key) - (mark.get(key) ?? 0);
    const [s] = (await crawlUnits([unitU()], options({ plan: planGather(county) }))) as [UnitSnapshot];
    // shared.pdf is linked from t1 and t2: one download; headless.pdf and gone.pdf: one GET each, no HEAD.
    expect([delta('GET /u/files/shared.pdf'), delta('HEAD /u/files/shared.pdf')]).toEqual([1, 0]);
    expect([delta('GET /u/files/headless.pdf'), delta('HEAD /u/files/headless.pdf')]).toEqual([1, 0]);
    expect([delta('GET /u/files/gone.pdf'), delta('HEAD /u/files/gone.pdf')]).toEqual([1, 0]);
    expect(checkOf(s, '/u/tzgg/t1.html', '/u/files/shared.pdf')).toMatchObject({ ok: true, status: 200 });
    expect(checkOf(s, '/u/tzgg/t1.html', '/u/files/gone.pdf')).toMatchObject({ ok: false, status: 404 });
    const t2 = s.articles[`${base}/u/tzgg/t2.html`]!.attachments!;
    expect(t2.map((a) => [a.name, a.format])).toEqual([['附件', 'pdf']]);
  });
});

describe("links: 'check' — bounds and the next night", () => {
  it('the per-unit bound: only that many addresses, taken round robin over the columns', async () => {
    const [s] = (await crawlUnits([unitU()], options({ plan: planGather(withSettings('dead-link', { maxLinks: 3 }, linksOnly)) }))) as [UnitSnapshot];
    const checked = Object.values(s.articles).flatMap((a) => a.links.filter((l) => l.check).map((l) => l.url.replace(base, '')));
    // 通知公告's first link, 政策文件's first, then 通知公告's second.
    expect([...new Set(checked)].sort()).toEqual(['/u/files/gone.pdf', '/u/files/headless.pdf', '/u/wall.html']);
    const r = judgeUnit(s, { asOf: '2021-01-20', year: 2020, scheme: withSettings('dead-link', { maxLinks: 3 }, county), portalHosts: hosts() }).results['dead-link']!;
    expect(r.inconclusive.map((i) => i.reason)).toContain('抽查页面上另有 7 个链接未检查（超过每个单位 3 个链接、每页链接数或抓取用时的上限）');
  });

  it('a unit over its time bound leaves the links it did not finish unchecked, not failed', async () => {
    const t0 = Date.now();
    const [s] = (await crawlUnits([unitW()], options({ fetch: { timeoutMs: 2000, tries: 2, backoffMs: 10, linkTimeoutMs: 10_000 }, bounds: { contextYear: 2020, unitTimeMs: 800 } }))) as [
      UnitSnapshot,
    ];
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(checkOf(s, '/w/tzgg/w1.html', '/u/slow2.html')).toBeUndefined();
  });

  it('the next night: an article reused from the store keeps its lasting checks; a link that did not answer is asked again', async () => {
    const store = await openStore(join(dir, 'data'));
    await crawlUnits([unitU()], options({ store }));
    const mark = new Map(hits);
    const delta = (key: string) => count(key) - (mark.get(key) ?? 0);
    const [again] = (await crawlUnits([unitU()], options({ store }))) as [UnitSnapshot];
    expect(delta('GET /u/tzgg/t1.html')).toBe(0);
    expect([delta('GET /u/ok.html'), delta('HEAD /u/files/gone.pdf'), delta('GET /u/files/gone.pdf'), delta('GET /u/soft.html')]).toEqual([0, 0, 0, 0]);
    expect(delta('GET /u/wall.html')).toBe(1);
    expect(delta('GET /u/slow.html')).toBe(2);
    expect(checkOf(again, '/u/tzgg/t1.html', '/u/files/gone.pdf')).toMatchObject({ status: 404 });
  });
});
