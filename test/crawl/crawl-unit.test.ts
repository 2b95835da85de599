import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { crawlUnits, type CrawlProgress, type CrawlRunOptions } from '../../src/crawl/crawl-run.ts';
import { DEFAULT_SCHEME, loadScheme, type Scheme } from '../../src/config/scheme.ts';
import { ARTICLE_FORMAT } from '../../src/crawl/parse/article.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import type { Unit, UnitSnapshot } from '../../src/model/snapshot.ts';
import { openStore } from '../../src/store/store.ts';
import { articlePage, indexPage, listPage, type PageItem } from '../../fixtures/faulty/html.ts';

/**
 * The unit crawl against a small local portal (TRS-style markup from the
 * fixture builders): pagination and its bound, a column that always fails,
 * the articles rules need (interpretations with checked links, reports,
 * leader pages), first-seen kept across two crawls, and 304 reuse.
 */
const UNIT = '县测试局';
let server: Server;
let base: string;
let dir: string;
let scheme: Scheme;
const hits = new Map<string, number>();
let notModified = 0;
/** Second generation: one new notice, published after the first crawl. */
let generation = 1;

const notices = (): PageItem[] => [
  ...(generation === 2 ? [{ title: '关于新年安排的通知', href: './t20210110_9.html', date: '2021-01-10' }] : []),
  { title: '关于做好冬季工作的通知', href: './t20201228_1.html', date: '2020-12-28' },
  { title: '关于开展检查的通知', href: './t20201116_2.html', date: '2020-11-16' },
];
const pageTwo: PageItem[] = [{ title: '关于春季工作的通知', href: './t20200309_3.html', date: '2020-03-09' }];

function routes(path: string): { status: number; body: string } | null {
  const col = (slug: string) => `/xxgk/csj/${slug}/`;
  if (path === '/xxgk/csj/index.html') {
    return {
      status: 200,
      body: indexPage(UNIT, [
        { name: '通知公告', href: './tzgg/index.html' },
        { name: '政策解读', href: './zcjd/index.html' },
        { name: '年度报告', href: './ndbg/index.html' },
        { name: '领导信息', href: './ldxx/index.html' },
        { name: '人事信息', href: './rsxx/index.html' },
        { name: '规划计划', href: './ghjh/index.html' },
      ]),
    };
  }
  if (path === `${col('tzgg')}index.html`) return { status: 200, body: listPage(UNIT, '通知公告', notices(), { next: './index_1.html' }) };
  if (path === `${col('tzgg')}index_1.html`) return { status: 200, body: listPage(UNIT, '通知公告', pageTwo) };
  if (path === `${col('zcjd')}index.html`) {
    return { status: 200, body: listPage(UNIT, '政策解读', [{ title: '《实施方案》政策解读', href: './t20201110_4.html', date: '2020-11-10' }]) };
  }
  if (path === `${col('zcjd')}t20201110_4.html`) {
    return {
      status: 200,
      body: articlePage({
        title: '《实施方案》政策解读',
        date: '2020-11-10',
        source: UNIT,
        body: '<p>一、背景。</p><p>原文链接：<a href="../zcwj/t20201105_5.html">关于印发实施方案的通知</a></p><p>相关：<a href="../zcwj/t20201105_404.html">已删除的文件</a></p>',
      }),
    };
  }
  if (path === '/xxgk/csj/zcwj/t20201105_5.html') {
    return { status: 200, body: articlePage({ title: '关于印发实施方案的通知', date: '2020-11-05', source: '江西省某厅', body: '<p>正文。</p>' }) };
  }
  if (path === `${col('ndbg')}index.html`) {
    return {
      status: 200,
      body: listPage(UNIT, '年度报告', [
        { title: `${UNIT}2019年政府信息公开工作年度报告`, href: './t20200115_6.html', date: '2020-01-15' },
        { title: '年度工作会议召开', href: './t20200110_7.html', date: '2020-01-10' },
      ]),
    };
  }
  if (path === `${col('ndbg')}t20200115_6.html`) {
    return { status: 200, body: articlePage({ title: `${UNIT}2019年政府信息公开工作年度报告`, date: '2020-01-15', source: UNIT, body: '<h3>一、总体情况</h3><p>全年公开信息。</p>' }) };
  }
  if (path === `${col('ldxx')}index.html`) {
    return { status: 200, body: listPage(UNIT, '领导信息', [{ title: '领导分工', href: './t20200601_8.html', date: '2020-06-01' }]) };
  }
  if (path === `${col('ldxx')}t20200601_8.html`) {
    return { status: 200, body: articlePage({ title: '领导分工', date: '2020-06-01', source: UNIT, body: '<p>副局长：李四，分管政务公开工作。</p>' }) };
  }
  if (path === `${col('rsxx')}index.html`) return { status: 500, body: 'error' };
  if (path === '/xxgk/mlj/index.html') {
    return {
      status: 200,
      body: indexPage('县混乱局', [
        { name: '通知公告', href: './tzgg/index.html' },
        { name: '规范性文件', href: './gfxwj/index.html' },
        { name: '政策解读', href: './zcjd/index.html' },
        { name: '规划计划', href: './ghjh/index.html' },
      ]),
    };
  }
  // Dated notices as plain text, no links: nothing a parser can take as items.
  if (path === '/xxgk/mlj/tzgg/index.html') return { status: 200, body: listPage('县混乱局', '通知公告', []).replace('<ul class="list">', '<ul class="list"><p>2020-12-01 关于冬季工作的通知</p><p>2020-11-03 关于检查的通知</p>') };
  const scripted = [{ title: '关于印发管理办法的通知', href: "javascript:openDoc('d1')", date: '2020-12-02' }];
  if (path === '/xxgk/mlj/gfxwj/index.html') return { status: 200, body: listPage('县混乱局', '规范性文件', scripted) };
  if (path === '/xxgk/mlj/zcjd/index.html') return { status: 200, body: listPage('县混乱局', '政策解读', [{ ...scripted[0]!, title: '《管理办法》政策解读' }]) };
  // Truly empty, with dates only in header and footer.
  if (path === '/xxgk/mlj/ghjh/index.html') {
    return { status: 200, body: listPage('县混乱局', '规划计划', []).replace('<div class="header">', '<div class="header">今天是2021年1月20日').replace('主办：', '2020-12-31 更新 主办：') };
  }
  if (path === '/xxgk/slw/index.html') return { status: 200, body: indexPage('县缓慢局', [{ name: '通知公告', href: './tzgg/index.html' }, { name: '政策文件', href: './zcwj/index.html' }]) };
  const m = /^\/xxgk\/csj\/ghjh\/index(?:_(\d+))?\.html$/.exec(path);
  if (m) {
    const n = Number(m[1] ?? 0);
    const items = [{ title: `第${n + 1}页的计划`, href: `./t202012${String(28 - n).padStart(2, '0')}_${100 + n}.html`, date: `2020-12-${String(28 - n).padStart(2, '0')}` }];
    return { status: 200, body: listPage(UNIT, '规划计划', items, { next: `./index_${n + 1}.html` }) };
  }
  return null;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (/^\/xxgk\/slw\/\w+\/index\.html$/.test(path)) return; // the slow unit's lists never answer
    const r = routes(path);
    if (!r) return void res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body><h1>404 Not Found</h1></body></html>');
    const etag = `"${createHash('sha1').update(r.body).digest('hex').slice(0, 12)}"`;
    if (r.status === 200 && req.headers['if-none-match'] === etag) {
      notModified++;
      return void res.writeHead(304, { etag }).end();
    }
    res.writeHead(r.status, { 'content-type': 'text/html; charset=utf-8', ...(r.status === 200 ? { etag } : {}) }).end(r.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  dir = mkdtempSync(join(tmpdir(), 'zwgk-crawlunit-'));
  // The county's rules that read chosen articles; those that sample the newest of every column (timeliness, wording,
  // privacy-leak, dead-link: their reads are tested in their own files) are left out so each read here is one a rule below asks for.
  const county = loadScheme(DEFAULT_SCHEME);
  const sampling = ['timeliness', 'wording', 'privacy-leak', 'dead-link'];
  scheme = { ...county, rules: county.rules.filter((r) => !sampling.includes(r.meta.id)), indicators: county.indicators.filter((i) => !sampling.includes(i.rule)) };
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const OPTS: Omit<CrawlRunOptions, 'plan' | 'store'> = {
  browser: false,
  fetch: { timeoutMs: 2000, tries: 2, backoffMs: 10 },
  network: { minIntervalMs: 0 },
  bounds: { maxPagesPerColumn: 4, contextYear: 2020 },
};

describe('crawlUnits on a small portal', () => {
  let first: UnitSnapshot;
  const events: CrawlProgress[] = [];

  beforeAll(async () => {
    const unit: Unit = { id: 'csj', name: UNIT, type: 'department', url: `${base}/xxgk/csj/index.html` };
    const store = await openStore(join(dir, 'data'));
    [first] = (await crawlUnits([unit], { ...OPTS, plan: planGather(scheme), store, onProgress: (p) => events.push(p) })) as [UnitSnapshot];
  });

  const col = (s: UnitSnapshot, name: string) => s.columns.find((c) => c.name === name)!;

  it('finds every column with its category and list address', () => {
    expect(first.columns.map((c) => [c.key, c.category, c.url.replace(base, '')])).toEqual([
      ['通知公告', 'regular', '/xxgk/csj/tzgg/index.html'],
      ['政策解读', 'regular', '/xxgk/csj/zcjd/index.html'],
      ['年度报告', 'annual', '/xxgk/csj/ndbg/index.html'],
      ['领导信息', 'static', '/xxgk/csj/ldxx/index.html'],
      ['人事信息', 'regular', '/xxgk/csj/rsxx/index.html'],
      ['规划计划', 'regular', '/xxgk/csj/ghjh/index.html'],
    ]);
  });

  it('follows 下一页 and keeps every item with its date', () => {
    const tzgg = col(first, '通知公告');
    expect(tzgg.status).toBe('ok');
    expect(tzgg.pages.map((p) => p.url.replace(base, ''))).toEqual(['/xxgk/csj/tzgg/index.html', '/xxgk/csj/tzgg/index_1.html']);
    expect(tzgg.items.map((i) => [i.title, i.date])).toEqual([
      ['关于做好冬季工作的通知', '2020-12-28'],
      ['关于开展检查的通知', '2020-11-16'],
      ['关于春季工作的通知', '2020-03-09'],
    ]);
  });

  it('a column whose list always fails is `failed` with the failure recorded; the crawl goes on', () => {
    const rsxx = col(first, '人事信息');
    expect(rsxx.status).toBe('failed');
    expect(rsxx.items).toEqual([]);
    expect(first.failures.find((f) => f.url.endsWith('/rsxx/index.html'))).toMatchObject({ kind: 'http-error', status: 500, attempts: 2 });
    expect(first.status).toBe('partial');
  });

  it('endless pagination stops at the page bound with a Chinese note', () => {
    const ghjh = col(first, '规划计划');
    expect(ghjh.pages).toHaveLength(4);
    expect(ghjh.status).toBe('partial');
    expect(ghjh.notes.join()).toMatch(/翻页达到上限 4 页/);
    expect(hits.get('/xxgk/csj/ghjh/index_4.html')).toBeUndefined();
  });

  it('fetches interpretations, checks their links, reads on-portal policies as articles', () => {
    const interp = first.articles[`${base}/xxgk/csj/zcjd/t20201110_4.html`]!;
    expect(interp.fetched).toBe(true);
    expect(interp.column).toBe('政策解读');
    const good = interp.links.find((l) => l.url.endsWith('t20201105_5.html'))!;
    const gone = interp.links.find((l) => l.url.endsWith('t20201105_404.html'))!;
    expect(good.check).toMatchObject({ status: 200, ok: true });
    expect(gone.check).toMatchObject({ status: 404, ok: false, kind: 'http-error' });
    expect(first.articles[`${base}/xxgk/csj/zcwj/t20201105_5.html`]?.source).toBe('江西省某厅');
    // A broken link is the link's check, not a crawl failure: no failure recorded, no unread article kept.
    expect(first.failures.map((f) => f.url)).not.toContain(`${base}/xxgk/csj/zcwj/t20201105_404.html`);
    expect(first.articles[`${base}/xxgk/csj/zcwj/t20201105_404.html`]).toBeUndefined();
  });

  it('fetches report-like titles of the annual-report column and the leader pages, nothing else', () => {
    expect(first.articles[`${base}/xxgk/csj/ndbg/t20200115_6.html`]?.title).toContain('年度报告');
    expect(first.articles[`${base}/xxgk/csj/ndbg/t20200110_7.html`]).toBeUndefined();
    expect(first.articles[`${base}/xxgk/csj/ldxx/t20200601_8.html`]?.text).toContain('分管政务公开工作');
    expect(hits.get('/xxgk/csj/tzgg/t20201228_1.html')).toBeUndefined();
  });

  it('reports progress per unit', () => {
    expect(events[0]).toMatchObject({ event: 'unit-start', unitId: 'csj', unitsDone: 0, unitsTotal: 1 });
    const done = events.at(-1)!;
    expect(done).toMatchObject({ event: 'unit-done', unitsDone: 1, status: 'partial' });
    expect(done.unit.columns).toBe(6);
    expect(done.unit.columnsDone).toBe(6);
    expect(done.pages).toBe(first.stats.pages);
    expect(done.errors).toBe(first.failures.length);
  });

  it('a second crawl keeps first-seen instants, dates new items, and reuses unchanged pages on 304', async () => {
    generation = 2;
    const store = await openStore(join(dir, 'data'));
    const unit: Unit = { id: 'csj', name: UNIT, type: 'department', url: `${base}/xxgk/csj/index.html` };
    const before = notModified;
    const [second] = (await crawlUnits([unit], { ...OPTS, plan: planGather(scheme), store })) as [UnitSnapshot];
    const byUrl = (s: UnitSnapshot) => new Map(col(s, '通知公告').items.map((i) => [i.url, i.firstSeen]));
    const a = byUrl(first);
    const b = byUrl(second);
    for (const [url, seen] of a) expect(b.get(url), url).toBe(seen);
    const fresh = col(second, '通知公告').items.find((i) => i.title === '关于新年安排的通知')!;
    expect(fresh.firstSeen > col(first, '通知公告').items[0]!.firstSeen).toBe(true);
    // Unchanged pages (the index, unchanged lists and articles) came back 304 and were read from the store.
    expect(notModified - before).toBeGreaterThan(5);
    expect(col(second, '领导信息').items.map((i) => i.title)).toEqual(['领导分工']);
    expect(store.listSnapshots('csj').map((r) => r.crawlId)).toEqual([first.crawlId, second.crawlId]);
    expect((await store.latestSnapshot('csj'))?.crawlId).toBe(second.crawlId);
  });

  it('a third night with nothing new reads list heads only: the rest and the articles come from the previous snapshot', async () => {
    const store = await openStore(join(dir, 'data'));
    const unit: Unit = { id: 'csj', name: UNIT, type: 'department', url: `${base}/xxgk/csj/index.html` };
    const previous = (await store.latestSnapshot('csj'))!;
    const before = new Map(hits);
    const delta = (path: string) => (hits.get(path) ?? 0) - (before.get(path) ?? 0);
    const [third] = (await crawlUnits([unit], { ...OPTS, plan: planGather(scheme), store })) as [UnitSnapshot];
    expect(delta('/xxgk/csj/index.html')).toBe(1);
    expect(delta('/xxgk/csj/tzgg/index.html')).toBe(1);
    expect(delta('/xxgk/csj/tzgg/index_1.html')).toBe(0);
    const articlePaths = [...hits.keys()].filter((k) => /\/t\d{8}_\d+\.html$/.test(k));
    expect(articlePaths.map(delta).reduce((a, b) => a + b, 0)).toBe(0);
    const items = (s: UnitSnapshot) => s.columns.map((c) => [c.key, c.items.map((i) => [i.url, i.date, i.firstSeen])]);
    expect(items(third)).toEqual(items(previous));
    // Same articles; only the leader column's own page, read again as it is a list page, is stamped anew.
    const stamps = (s: UnitSnapshot) => Object.fromEntries(Object.entries(s.articles).map(([u, a]) => [u, a.fetchedAt]));
    const restamped = Object.keys(third.articles).filter((u) => stamps(third)[u] !== stamps(previous)[u]);
    expect(restamped).toEqual([`${base}/xxgk/csj/ldxx/index.html`]);
    const unstamped = (s: UnitSnapshot) => Object.values(s.articles).map(({ fetchedAt: _, ...a }) => a);
    expect(unstamped(third)).toEqual(unstamped(previous));
    const tzgg = col(third, '通知公告');
    expect(tzgg.verifiedAt).toBe(col(previous, '通知公告').verifiedAt);
    expect(tzgg.pages).toHaveLength(1);

    // An article stored by another parser format lacks fields the rules need: it is read again, the others are not.
    const reports = `${base}/xxgk/csj/ndbg/t20200115_6.html`;
    const { format: _format, ...oldFormat } = third.articles[reports]!;
    await store.saveSnapshot({ ...third, crawlId: `${third.crawlId}-old`, articles: { ...third.articles, [reports]: oldFormat } });
    const beforeFourth = new Map(hits);
    const [fourth] = (await crawlUnits([unit], { ...OPTS, plan: planGather(scheme), store })) as [UnitSnapshot];
    const readAgain = articlePaths.filter((k) => (hits.get(k) ?? 0) > (beforeFourth.get(k) ?? 0));
    expect(readAgain).toEqual(['/xxgk/csj/ndbg/t20200115_6.html']);
    expect(fourth.articles[reports]!.format).toBe(ARTICLE_FORMAT);

    // reuseDays 0: everything is read again.
    const again = new Map(hits);
    await crawlUnits([unit], { ...OPTS, plan: planGather(scheme), store, bounds: { ...OPTS.bounds, reuseDays: 0 } });
    expect((hits.get('/xxgk/csj/tzgg/index_1.html') ?? 0) - (again.get('/xxgk/csj/tzgg/index_1.html') ?? 0)).toBe(1);
    expect((hits.get('/xxgk/csj/zcjd/t20201110_4.html') ?? 0) - (again.get('/xxgk/csj/zcjd/t20201110_4.html') ?? 0)).toBe(1);
  });

  it('a unit over its time bound stops: what was not read is failed with a Chinese reason; a tree known only from lists it did not read is no tree', async () => {
    const unit: Unit = { id: 'slw', name: '县缓慢局', type: 'department', url: `${base}/xxgk/slw/index.html` };
    const t0 = Date.now();
    const [s] = (await crawlUnits([unit], { ...OPTS, plan: planGather(scheme), fetch: { ...OPTS.fetch, timeoutMs: 10_000 }, bounds: { ...OPTS.bounds, unitTimeMs: 400 } })) as [UnitSnapshot];
    expect(Date.now() - t0).toBeLessThan(3000);
    // The index links two columns: the unit's tree would be in their list pages' menus, which the bound cut off.
    expect(s.status).toBe('unreachable');
    expect(s.columns).toEqual([]);
    expect(s.failures.map((f) => [f.kind, f.reason])).toEqual([
      ['timeout', '单位抓取用时达到上限（400 毫秒），已停止，其余页面未读取'],
      ['timeout', '单位抓取用时达到上限（400 毫秒），已停止，其余页面未读取'],
    ]);
  });
});

describe('a parser blind spot is never an empty column', () => {
  let s: UnitSnapshot;
  const col = (name: string) => s.columns.find((c) => c.name === name)!;
  beforeAll(async () => {
    const unit: Unit = { id: 'mlj', name: '县混乱局', type: 'department', url: `${base}/xxgk/mlj/index.html` };
    [s] = (await crawlUnits([unit], { ...OPTS, plan: planGather(scheme) })) as [UnitSnapshot];
  });

  it('a list page with dated text but no recognisable items is failed with a parse failure, not empty', () => {
    expect(col('通知公告')).toMatchObject({ status: 'failed', items: [] });
    expect(s.failures.find((f) => f.url.endsWith('/mlj/tzgg/index.html'))).toMatchObject({ kind: 'parse', reason: '列表页有带日期的信息但未能识别出条目，未作判断' });
  });

  it('a truly empty list (dates only in header and footer) stays an empty, judged column', () => {
    expect(col('规划计划')).toMatchObject({ status: 'ok', items: [] });
  });

  it('javascript:-only items count with their dates; their stand-in address is never requested', () => {
    expect(col('规范性文件').items).toMatchObject([{ title: '关于印发管理办法的通知', date: '2020-12-02', scriptOnly: true, url: `${base}/xxgk/mlj/gfxwj/index.html#item-d1` }]);
    expect(col('规范性文件').status).toBe('ok');
    // An interpretation that cannot be opened is unread (so its rule cannot judge it), said so, and not fetched.
    const interp = s.articles[`${base}/xxgk/mlj/zcjd/index.html#item-d1`]!;
    expect(interp).toMatchObject({ fetched: false, failure: { kind: 'parse' } });
    expect([...hits.keys()].filter((k) => k.startsWith('/xxgk/mlj/') && !k.endsWith('/index.html'))).toEqual([]);
  });
});

describe("a rule's sample of the newest articles (ArticleRead.max)", () => {
  const unit = (): Unit => ({ id: 'csj', name: UNIT, type: 'department', url: `${base}/xxgk/csj/index.html` });
  // Only 通知公告's articles, the newest two of its three items.
  const plan = { forColumn: (path: readonly string[]) => ({ category: 'regular', fillDates: false, reads: path.at(-1) === '通知公告' ? [{ max: 2 }] : [] }) };
  const read = (s: UnitSnapshot) => Object.keys(s.articles).filter((u) => u.includes('/tzgg/')).map((u) => u.replace(base, '')).sort();

  const newest = (n: number) => notices().slice(0, n).map((it) => `/xxgk/csj/tzgg/${it.href.slice(2)}`).sort();

  it('reads the newest N and leaves the column complete: a sample is no bound hit', async () => {
    const [s] = (await crawlUnits([unit()], { ...OPTS, plan })) as [UnitSnapshot];
    expect(read(s)).toEqual(newest(2));
    const tzgg = s.columns.find((c) => c.name === '通知公告')!;
    expect(tzgg.status).toBe('ok');
    expect(tzgg.notes).toEqual([]);
  });

  it("the crawl's own article bound cutting the sample short still makes the column partial", async () => {
    const [s] = (await crawlUnits([unit()], { ...OPTS, plan, bounds: { ...OPTS.bounds, maxArticlesPerColumn: 1 } })) as [UnitSnapshot];
    expect(read(s)).toEqual(newest(1));
    const tzgg = s.columns.find((c) => c.name === '通知公告')!;
    expect(tzgg.status).toBe('partial');
    expect(tzgg.notes).toEqual(['栏目“通知公告”共 2 篇需读取，只读取了前 1 篇']);
  });
});
