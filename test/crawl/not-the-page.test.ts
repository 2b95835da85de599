import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerProblem, ClosingProfile, envelopeError, TemplateProfile } from '../../src/crawl/answer-check.ts';
import { Fetcher, type FetcherOptions } from '../../src/crawl/fetcher.ts';
import { crawlUnits } from '../../src/crawl/crawl-run.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import { NetworkPolicy } from '../../src/net/policy.ts';
import { ctx as judgeCtx, ruleRunner, scheme } from '../helpers/snapshot-factory.ts';
import { articlePage, indexPage, listPage } from '../../fixtures/faulty/html.ts';

/**
 * Issue 17, class 1 — "is this the page?" before any parse: an empty body, a
 * page cut short, a busy, error or firewall notice (Chinese or English), a
 * JSON error envelope from a list endpoint are failed reads — retried with
 * backoff (Retry-After respected), then reported with the reason — never
 * content: a column behind one is not judged, a unit whose index is one is
 * unreachable.
 */

const buf = (s: string) => Buffer.from(s, 'utf8');
const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告</title></head><body><div class="header">宜丰县人民政府</div>
<ul class="list">${'<li><a href="./t1.html">关于做好冬季安全生产工作的通知</a><span>2020-12-28</span></li>'.repeat(30)}</ul>
<div class="footer">主办：宜丰县人民政府办公室</div></body></html>`;

describe('answerProblem: what is not the page', () => {
  it('empty bodies and pages with nothing on them', () => {
    for (const body of ['', '   \r\n', '<html><head></head><body></body></html>']) {
      expect(answerProblem(buf(body), 'text/html; charset=utf-8', 'page')?.kind, JSON.stringify(body)).toBe('error-page');
    }
    expect(answerProblem(buf(''), 'application/json', 'data')?.reason).toMatch(/空白/);
  });

  it('busy, error and firewall notices, Chinese and English, on small pages', () => {
    const notices: [string, 'error-page' | 'blocked'][] = [
      ['<html><body><p>系统繁忙，请稍后再试！</p></body></html>', 'error-page'],
      ['<html><body><h2>服务器繁忙</h2><p>当前访问人数过多。</p></body></html>', 'error-page'],
      ['<html><body><h1>Server Busy</h1><p>The server is busy. Please try again later.</p></body></html>', 'error-page'],
      ['<html><body>访问过于频繁，请稍后再试</body></html>', 'error-page'],
      ['<html><body><h1>502 Bad Gateway</h1></body></html>', 'error-page'],
      ['<html><body><p>您的访问已被网站防火墙拦截。</p></body></html>', 'blocked'],
      ['<html><body><h1>Access Denied</h1></body></html>', 'blocked'],
    ];
    for (const [html, kind] of notices) {
      const p = answerProblem(buf(html), 'text/html; charset=utf-8', 'page');
      expect(p?.kind, html).toBe(kind);
      expect(p?.reason).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('real pages are pages: a full list, a notice about maintenance among much else, a frameset, a script-drawn page', () => {
    expect(answerProblem(buf(PAGE), 'text/html; charset=utf-8', 'page')).toBeNull();
    const maintenance = PAGE.replace('<ul class="list">', '<p>关于12345热线系统维护中暂停服务的通知，请稍后再试。</p><ul class="list">');
    expect(answerProblem(buf(maintenance), 'text/html', 'page')).toBeNull();
    expect(answerProblem(buf('<html><frameset><frame src="a.html"></frameset></html>'), 'text/html', 'page')).toBeNull();
    expect(answerProblem(buf('<html><body><script>load()</script></body></html>'), 'text/html', 'page')).toBeNull();
  });

  it('a list endpoint: error envelopes, cut or invalid data, and an HTML page instead of data', () => {
    const data = (s: string, type = 'application/json; charset=utf-8') => answerProblem(buf(s), type, 'data');
    expect(data('{"success":false,"code":500,"msg":"系统繁忙，请稍后再试","data":null}')?.reason).toContain('系统繁忙');
    expect(data('{"code":-1,"message":"服务器繁忙，请稍后重试"}')?.reason).toContain('服务器繁忙');
    expect(data('{"status":"error","msg":"System busy, please try again later"}')).not.toBeNull();
    expect(data('{"success":true,"data":{"total":26,"results":[{"id":"1')?.reason).toMatch(/不完整/);
    expect(data('<?xml version="1.0"?><datastore><recordset><record><![CDATA[<li>')).not.toBeNull();
    expect(data('<html><body><p>您访问的栏目正在建设中，内容很多很多。</p></body></html>', 'text/html')?.reason).toMatch(/网页/);
    expect(data('{"data":null}')?.reason).toMatch(/没有列表/);
    // What platforms answer when all is well, "0 items" included.
    expect(data('{"success":true,"code":200,"msg":"操作成功","data":{"total":0,"results":[]}}')).toBeNull();
    expect(data('{"r":[["关于做好冬季工作的通知","./t1.html","2020-12-28"]]}')).toBeNull();
    expect(data('jsonp1({"code":0,"data":{"list":[{"title":"通知"}]}})', 'application/javascript')).toBeNull();
    expect(data('jsonp1({"code":0,"data":{"list":[{"title":"通知"}]}}) ;  ', 'application/javascript')).toBeNull();
    expect(data(`jsonp1({"code":0,"data":{"list":[1]}})${' '.repeat(80_000)}x`, 'application/javascript')?.reason).toMatch(/JSON 无法解析/);
    expect(data('<?xml version="1.0"?><!-- a --> <!-- b --><datastore><record>1</record></datastore>', 'text/xml')).toBeNull();
    expect(data('<?xml version="1.0"?><!-- never closed <datastore></datastore>', 'text/xml')?.reason).toMatch(/XML/);
    expect(data('<?xml version="1.0"?><datastore><totalrecord>0</totalrecord></datastore>', 'text/xml')).toBeNull();
  });

  it('error envelopes by their fields', () => {
    expect(envelopeError({ success: false, msg: '栏目不存在' })).toBe('栏目不存在');
    expect(envelopeError({ code: 500 })).toBe('code=500');
    expect(envelopeError({ code: 500, data: { list: [{ title: 'x' }] } })).toBeNull();
    expect(envelopeError({ code: 200, msg: '操作成功', data: [] })).toBeNull();
    expect(envelopeError([{ title: 'x' }])).toBeNull();
  });

  it("a page unlike the unit's other pages: without their template's markers, or far smaller", () => {
    const unit = new TemplateProfile();
    const article = (n: number) =>
      buf(`<html><body><div class="header"><ul class="nav" id="nav"></ul></div><div class="article" id="zoom"><h1>通知${n}</h1>${'<p class="p">正文。</p>'.repeat(200)}</div><div class="footer"><p class="copy">主办</p></div></body></html>`);
    const nginx = buf('<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1><p>If you see this page, the nginx web server is successfully installed.</p></body></html>');
    expect(unit.judge(nginx)).toBeNull(); // nothing known yet
    for (let i = 0; i < 4; i++) unit.note(article(i));
    expect(unit.judge(article(9))).toBeNull();
    expect(unit.judge(nginx)?.reason).toMatch(/模板标记/);
    // The markers there, but a tenth of the size: not one of the unit's pages either.
    expect(unit.judge(buf('<div class="header"><ul class="nav" id="nav"></ul></div><div class="article" id="zoom"></div><div class="footer"><p class="copy"></p></div>'))?.reason).toMatch(/远小于/);
  });

  it('a page cut short: the host closes its pages, this one does not', () => {
    const profile = new ClosingProfile();
    const cut = buf(PAGE.slice(0, PAGE.length / 2));
    expect(profile.judge(cut)).toBe('unknown');
    for (let i = 0; i < 3; i++) profile.note(buf(PAGE));
    expect(profile.judge(cut)).toBe('cut');
    // One page in five may be left open (a template of its own); more, and open pages are that host's way.
    profile.note(cut);
    expect(profile.judge(cut)).toBe('unknown');
    profile.note(buf(PAGE));
    expect(profile.judge(cut)).toBe('cut');
    expect(answerProblem(cut, 'text/html', 'page', profile)?.reason).toMatch(/不完整/);
    expect(answerProblem(buf(PAGE), 'text/html', 'page', profile)).toBeNull();
    // A host whose pages are left open: an open page is normal there.
    const open = new ClosingProfile();
    for (let i = 0; i < 9; i++) open.note(cut);
    expect(open.judge(cut)).toBe('unknown');
    open.note(cut);
    expect(open.judge(cut)).toBe('open');
  });
});

/** A small programmable server: each path answers from a list of answers, the last one repeated. */
type Answer = (req: IncomingMessage, res: ServerResponse) => void;
const script = new Map<string, Answer[]>();
const hits = new Map<string, number[]>();
let server: Server;
let base: string;
let host: string;

const html = (body: string, status = 200, headers: Record<string, string> = {}): Answer => (_req, res) =>
  void res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(body);
const json = (body: string): Answer => (_req, res) => void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const times = hits.get(path) ?? [];
    times.push(Date.now());
    hits.set(path, times);
    const answers = script.get(path);
    if (!answers) return void res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body><h1>404</h1></body></html>');
    answers[Math.min(times.length, answers.length) - 1]!(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
  host = `127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const fetcher = (extra: Partial<FetcherOptions> = {}) =>
  new Fetcher({ policy: new NetworkPolicy({ unitHosts: [host], minIntervalMs: 0 }), timeoutMs: 1000, tries: 3, backoffMs: 10, maxRetryAfterMs: 2000, ...extra });
const BUSY = '<html><head><meta charset="utf-8"></head><body><p>系统繁忙，请稍后再试！</p></body></html>';

describe('the fetcher retries what is not the page, then reports it', () => {
  it('a busy answer, then the page: read on the second try', async () => {
    script.set('/busy-once.html', [html(BUSY), html(PAGE)]);
    const f = fetcher();
    const out = await f.fetch(`${base}/busy-once.html`);
    expect(out.ok && out.page.attempts).toBe(2);
    expect(out.ok && out.page.body.toString()).toContain('冬季安全生产');
    await f.close();
  });

  it('busy every time: a failure with the reason after every try, never a page', async () => {
    script.set('/busy.html', [html(BUSY)]);
    const f = fetcher();
    const out = await f.fetch(`${base}/busy.html`);
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.failure).toMatchObject({ kind: 'error-page', status: 200, attempts: 3 });
      expect(out.failure.reason).toMatch(/繁忙提示.*已尝试 3 次/);
    }
    expect(hits.get('/busy.html')).toHaveLength(3);
    await f.close();
  });

  it('Retry-After on a busy answer is respected', async () => {
    script.set('/busy-wait.html', [html(BUSY, 200, { 'retry-after': '1' }), html(PAGE)]);
    const f = fetcher();
    const out = await f.fetch(`${base}/busy-wait.html`);
    expect(out.ok).toBe(true);
    const [first, second] = hits.get('/busy-wait.html')!;
    expect(second! - first!).toBeGreaterThanOrEqual(950);
    await f.close();
  });

  it('a firewall notice is "blocked"; an empty 200 an error page', async () => {
    script.set('/wall.html', [html('<html><body><p>您的访问已被网站防火墙拦截。</p></body></html>')]);
    script.set('/empty.html', [html('')]);
    const f = fetcher({ tries: 2 });
    const wall = await f.fetch(`${base}/wall.html`);
    const empty = await f.fetch(`${base}/empty.html`);
    expect(!wall.ok && wall.failure.kind).toBe('blocked');
    expect(!empty.ok && empty.failure.kind).toBe('error-page');
    await f.close();
  });

  it('a list endpoint answering a busy envelope is a failed read when data is expected', async () => {
    script.set('/queryList', [json('{"success":false,"code":500,"msg":"系统繁忙，请稍后再试"}')]);
    const f = fetcher({ tries: 2 });
    const out = await f.fetch(`${base}/queryList`, { method: 'POST', form: { current: '1' }, expect: 'data', cache: false });
    expect(!out.ok && out.failure.reason).toMatch(/数据接口返回错误：系统繁忙/);
    await f.close();
  });

  it('a page cut short once the host is known to close its pages: retried, then failed; earlier it is taken unverified', async () => {
    const cut = PAGE.slice(0, 300);
    script.set('/early-cut.html', [html(cut)]);
    const known = ['/a.html', '/b.html', '/c.html', '/d.html'];
    for (const p of known) script.set(p, [html(PAGE)]);
    script.set('/cut-once.html', [html(cut), html(PAGE)]);
    script.set('/cut.html', [html(cut)]);
    const f = fetcher();
    const early = await f.fetch(`${base}/early-cut.html`);
    expect(early.ok && early.page.unverified).toBe(true);
    for (const p of known) expect((await f.fetch(`${base}${p}`)).ok).toBe(true);
    // Now the host is known: the early page proves cut short, the others are retried.
    expect(early.ok && f.cutShort(early.page)).toBe(true);
    const once = await f.fetch(`${base}/cut-once.html`);
    expect(once.ok && once.page.attempts).toBe(2);
    const always = await f.fetch(`${base}/cut.html`);
    expect(!always.ok && always.failure).toMatchObject({ kind: 'error-page', attempts: 3 });
    await f.close();
  });
});

describe('a crawl never reads a notice as content', () => {
  const columnUpdate = ruleRunner('column-update');
  const items = [{ title: '关于做好冬季安全生产工作的通知', href: './t20201228_1.html', date: '2020-12-28' }];
  const crawl = (unit: string) =>
    crawlUnits([{ id: unit, name: '县测试局', type: 'department', url: `${base}/${unit}/index.html` }], {
      plan: planGather(scheme()),
      network: { minIntervalMs: 0 },
      browser: false,
      fetch: { timeoutMs: 1000, tries: 2, backoffMs: 10, maxRetryAfterMs: 100 },
      bounds: { contextYear: 2020 },
    });
  const ctx = judgeCtx({ portalHosts: [] });

  it('columns answering busy, empty or a firewall notice are not read, so not judged — never "empty"', async () => {
    const cols = [
      ['tzgg', '通知公告', html(listPage('县测试局', '通知公告', items))],
      ['zcwj', '政策文件', html(BUSY)],
      ['ghjh', '规划计划', html('')],
      ['rsxx', '人事信息', html('<html><body><h1>Access Denied</h1></body></html>')],
    ] as const;
    script.set('/u1/index.html', [html(indexPage('县测试局', cols.map(([slug, name]) => ({ name, href: `./${slug}/index.html` }))))]);
    for (const [slug, , answer] of cols) script.set(`/u1/${slug}/index.html`, [answer]);
    script.set('/u1/tzgg/t20201228_1.html', [html(PAGE)]);
    const [snap] = await crawl('u1');
    expect(snap!.columns.map((c) => [c.name, c.status, c.items.length])).toEqual([
      ['通知公告', 'ok', 1],
      ['政策文件', 'failed', 0],
      ['规划计划', 'failed', 0],
      ['人事信息', 'failed', 0],
    ]);
    const failures = snap!.failures.map((f) => [new URL(f.url).pathname, f.kind]).sort();
    expect(failures).toEqual([
      ['/u1/ghjh/index.html', 'error-page'],
      ['/u1/rsxx/index.html', 'blocked'],
      ['/u1/zcwj/index.html', 'error-page'],
    ]);
    const judged = columnUpdate(snap!, ctx);
    expect(judged.findings).toEqual([]);
    expect(judged.inconclusive.map((i) => i.column)).toEqual(['政策文件', '规划计划', '人事信息']);
  });

  it('an index cut short, taken before the host was known, proves so by the end: the unit is unreachable, not judged on half a tree', async () => {
    const names = ['通知公告', '政策文件', '规划计划', '人事信息', '重点工作'];
    const full = indexPage('县测试局', names.map((name, i) => ({ name, href: `./c${i}/index.html` })));
    // The tree's first four columns arrive, the fifth and the page's end do not.
    script.set('/u3/index.html', [html(full.slice(0, full.indexOf('c4/index.html')))]);
    names.forEach((name, i) => {
      script.set(`/u3/c${i}/index.html`, [html(listPage('县测试局', name, items))]);
      script.set(`/u3/c${i}/t20201228_1.html`, [html(PAGE)]);
    });
    const [snap] = await crawl('u3');
    expect(snap!.status).toBe('unreachable');
    expect(snap!.columns).toEqual([]);
    expect(snap!.failures.map((f) => [new URL(f.url).pathname, f.kind])).toEqual([['/u3/index.html', 'error-page']]);
    expect(snap!.failures[0]!.reason).toMatch(/不完整/);
  });

  it('a column answering an error page in no known wording is not read: early (judged at the end) or late (retried, then failed)', async () => {
    const nginx = html('<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1><p>If you see this page, the nginx web server is successfully installed.</p></body></html>');
    const names = ['通知公告', '政策文件', '规划计划', '人事信息', '重点工作', '行政执法'];
    script.set('/u4/index.html', [html(indexPage('县测试局', names.map((name, i) => ({ name, href: `./c${i}/index.html` }))))]);
    names.forEach((name, i) => script.set(`/u4/c${i}/index.html`, [i === 0 || i === 5 ? nginx : html(listPage('县测试局', name, items))]));
    const article = articlePage({ title: '关于做好冬季安全生产工作的通知', date: '2020-12-28', source: '县测试局', body: '<p>特此通知。</p>' });
    for (let i = 0; i < names.length; i++) script.set(`/u4/c${i}/t20201228_1.html`, [html(article)]);
    const [snap] = await crawl('u4');
    const status = Object.fromEntries(snap!.columns.map((c) => [c.name, c.status]));
    expect(status).toMatchObject({ 通知公告: 'failed', 行政执法: 'failed', 政策文件: 'ok', 规划计划: 'ok' });
    expect(columnUpdate(snap!, ctx).findings).toEqual([]);
  });

  it('an item whose date only its article can tell, the article answering busy: the column is not called stale', async () => {
    script.set('/u5/index.html', [html(indexPage('县测试局', [{ name: '通知公告', href: './tzgg/index.html' }, { name: '政策文件', href: './zcwj/index.html' }]))]);
    const undated = [{ title: '关于做好今冬明春工作的通知', href: './show.asp?id=9', date: '' }, { title: '关于去年工作的通知', href: './t20190301_2.html', date: '2019-03-01' }];
    script.set('/u5/tzgg/index.html', [html(listPage('县测试局', '通知公告', undated))]);
    script.set('/u5/tzgg/show.asp', [html(BUSY)]);
    script.set('/u5/tzgg/t20190301_2.html', [html(PAGE)]);
    script.set('/u5/zcwj/index.html', [html(listPage('县测试局', '政策文件', items))]);
    const [snap] = await crawl('u5');
    const col = snap!.columns.find((c) => c.name === '通知公告')!;
    expect(col.status).toBe('partial');
    expect(col.notes.join('')).toMatch(/发布日期.*未能读取/);
    const judged = columnUpdate(snap!, ctx);
    expect(judged.findings).toEqual([]);
    expect(judged.inconclusive.map((i) => i.column)).toEqual(['通知公告']);
  });

  it('an index answering a busy notice makes the unit unreachable', async () => {
    script.set('/u2/index.html', [html(BUSY)]);
    const [snap] = await crawl('u2');
    expect(snap!.status).toBe('unreachable');
    expect(snap!.failures[0]).toMatchObject({ kind: 'error-page' });
  });
});
