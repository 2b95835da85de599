import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { crawlUnits, type CrawlRunOptions } from '../../src/crawl/crawl-run.ts';
import type { ArticleRead, GatherPlan } from '../../src/model/gather-plan.ts';
import type { ArticleSnapshot, Unit, UnitSnapshot } from '../../src/model/snapshot.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { articlePage, indexPage, listPage } from '../../fixtures/faulty/html.ts';
import { minimalPdf, xlsxOf } from '../../fixtures/portal/documents.ts';
import { NetworkPolicy } from '../../src/net/policy.ts';

/**
 * Attachments as a crawl artifact: the plan asks for them, the crawl
 * downloads them with the one fetcher (allowed hosts, size bounds, a total per
 * unit), tells their format by content, reads their text in the budgeted
 * worker and keeps it masked; pages holding personal numbers are masked in
 * the snapshot and not kept raw in the store.
 */
const UNIT = '县附件局';
const ID = '360922198503151237';
let server: Server;
let base: string;
let dir: string;
const hits = new Map<string, number>();
const files = new Map<string, { type: string; body: Buffer }>();

const links = [
  '<a href="./f/mingdan.pdf">低保名单.pdf</a>',
  '<a href="./f/mingdan.xlsx">补助名单.xlsx</a>',
  '<a href="./f/old.xls">旧名单.xls</a>',
  '<a href="./f/login.pdf">登录后下载.pdf</a>',
  '<a href="./f/missing.docx">已删除.docx</a>',
  '<a href="./f/huge.pdf">超大附件.pdf</a>',
  '<a href="http://127.0.0.9:9/f/elsewhere.pdf">外站附件.pdf</a>',
  '<a href="./t20201201_2.html">相关文件</a>',
].join('</p><p>');

function route(path: string): { type: string; body: Buffer } | undefined {
  const html = (s: string) => ({ type: 'text/html; charset=utf-8', body: Buffer.from(s) });
  if (path === '/xxgk/fjj/index.html') {
    return html(indexPage(UNIT, [{ name: '通知公告', href: './tzgg/index.html' }, { name: '工作动态', href: './gzdt/index.html' }, { name: '规范性文件', href: './gfxwj/index.html' }]));
  }
  if (path === '/xxgk/fjj/gzdt/index.html') return html(listPage(UNIT, '工作动态', []));
  // A list whose item is a file itself, at an address that does not name its format.
  if (path === '/xxgk/fjj/gfxwj/index.html') return html(listPage(UNIT, '规范性文件', [{ title: '关于救助对象名单的公示', href: './download.jsp?id=7', date: '2020-11-02' }]));
  if (path === '/xxgk/fjj/tzgg/index.html') {
    return html(
      listPage(UNIT, '通知公告', [
        { title: '关于低保对象的公示', href: './t20201210_1.html', date: '2020-12-10' },
        { title: '关于冬季工作的通知', href: './t20201201_2.html', date: '2020-12-01' },
        { title: '关于秋季工作的通知', href: './t20201001_3.html', date: '2020-10-01' },
      ]),
    );
  }
  if (path === '/xxgk/fjj/tzgg/t20201210_1.html') {
    return html(articlePage({ title: '关于低保对象的公示', date: '2020-12-10', source: UNIT, body: `<p>经审核，张三（身份证号${ID}）符合条件。</p><p>${links}</p>` }));
  }
  if (path === '/xxgk/fjj/tzgg/t20201201_2.html') {
    return html(articlePage({ title: '关于冬季工作的通知', date: '2020-12-01', source: UNIT, body: '<p>做好冬季工作。联系电话：0795-2345678。</p>' }));
  }
  if (path === '/xxgk/fjj/tzgg/t20201001_3.html') {
    return html(articlePage({ title: '关于秋季工作的通知', date: '2020-10-01', source: UNIT, body: '<p>附件：<a href="./f/autumn.pdf">秋季安排.pdf</a></p>' }));
  }
  return files.get(path);
}

beforeAll(async () => {
  files.set('/xxgk/fjj/tzgg/f/mingdan.pdf', { type: 'application/pdf', body: minimalPdf(['低保对象名单', `张三 ${ID}`]) });
  files.set('/xxgk/fjj/tzgg/f/mingdan.xlsx', {
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    body: xlsxOf('名单', [['姓名', '身份证号'], ['李四', '11010519491231002X']]),
  });
  files.set('/xxgk/fjj/tzgg/f/old.xls', { type: 'application/vnd.ms-excel', body: Buffer.from('never asked for') });
  files.set('/xxgk/fjj/tzgg/f/login.pdf', { type: 'text/html', body: Buffer.from('<!DOCTYPE html><html><body>请先登录</body></html>') });
  files.set('/xxgk/fjj/tzgg/f/huge.pdf', { type: 'application/pdf', body: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(300_000, 0x20)]) });
  files.set('/xxgk/fjj/tzgg/f/autumn.pdf', { type: 'application/pdf', body: minimalPdf(['秋季安排']) });
  files.set('/xxgk/fjj/gfxwj/download.jsp?id=7', { type: 'application/pdf', body: minimalPdf([`王五 ${ID}`]) });
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const r = route(path);
    if (!r) return void res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body><h1>404 Not Found</h1></body></html>');
    res.writeHead(200, { 'content-type': r.type, 'content-length': r.body.length, etag: `"${r.body.length}"` }).end(r.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  dir = mkdtempSync(join(tmpdir(), 'zwgk-attach-'));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const planOf = (read: ArticleRead): GatherPlan => ({ forColumn: () => ({ category: 'regular', fillDates: false, reads: [read] }) });
const OPTS: Omit<CrawlRunOptions, 'plan' | 'store'> = {
  browser: false,
  fetch: { timeoutMs: 3000, tries: 1 },
  network: { minIntervalMs: 0 },
  bounds: { contextYear: 2020, maxAttachmentBytes: 200_000 },
};
const unit = (): Unit => ({ id: 'fjj', name: UNIT, type: 'department', url: `${base}/xxgk/fjj/index.html` });
const art = (s: UnitSnapshot, file: string): ArticleSnapshot => s.articles[`${base}/xxgk/fjj/tzgg/${file}`]!;

describe('attachments the plan asks for', () => {
  let snap: UnitSnapshot;
  let store: Store;

  beforeAll(async () => {
    store = await openStore(join(dir, 'data'));
    [snap] = (await crawlUnits([unit()], { ...OPTS, plan: planOf({ max: 2, newest: true, attachments: 'text' }), store })) as [UnitSnapshot];
  });

  it('reads the newest two articles of the column and the attachments they link to, in link order', () => {
    expect(Object.keys(snap.articles).map((u) => u.replace(base, '')).sort()).toEqual(['/xxgk/fjj/gfxwj/download.jsp?id=7', '/xxgk/fjj/tzgg/t20201201_2.html', '/xxgk/fjj/tzgg/t20201210_1.html']);
    expect(hits.get('/xxgk/fjj/tzgg/f/autumn.pdf')).toBeUndefined();
    const a = art(snap, 't20201210_1.html');
    expect(a.attachments!.map((x) => [x.name, x.format, x.failure?.kind ?? x.unreadable ?? 'read'])).toEqual([
      ['低保名单.pdf', 'pdf', 'read'],
      ['补助名单.xlsx', 'xlsx', 'read'],
      ['旧名单.xls', 'xls', 'XLS 格式没有可用的读取程序，未下载'],
      ['登录后下载.pdf', 'html', '下载得到的是网页而不是附件文件（可能是错误页或登录页）'],
      ['已删除.docx', 'docx', 'http-error'],
      ['超大附件.pdf', 'pdf', 'too-large'],
      ['外站附件.pdf', 'pdf', 'off-host'],
    ]);
    expect(a.attachments![5]!.failure!.reason).toBe('附件超过 0.2 MB 上限，未读取');
    // A format no library reads is not even downloaded; an off-host attachment is never requested.
    expect(hits.get('/xxgk/fjj/tzgg/f/old.xls')).toBeUndefined();
    // The page's other link is not an attachment.
    expect(a.attachments!.some((x) => x.url.endsWith('t20201201_2.html'))).toBe(false);
    // Attachment trouble does not make the unit partial: the rule that needs them says what it could not read.
    expect(snap.status).toBe('ok');
  });

  it('a list item that is a file is its own attachment, told by its signature', () => {
    const a = snap.articles[`${base}/xxgk/fjj/gfxwj/download.jsp?id=7`]!;
    expect(a).toMatchObject({ fetched: true, isFile: true, text: '' });
    expect(a.attachments!.map((x) => [x.url, x.format, x.text, x.personalData!.map((h) => h.masked)])).toEqual([[a.url, 'pdf', '王五 3609**********1237', ['3609**********1237']]]);
  });

  it('keeps attachment text masked, with the hits found in it', () => {
    const [pdf, xlsx] = art(snap, 't20201210_1.html').attachments!;
    expect(pdf!.text).toContain('张三 3609**********1237');
    expect(pdf!.personalData!.map((h) => [h.kind, h.masked, h.valid])).toEqual([['id-number', '3609**********1237', true]]);
    expect(xlsx!.text).toBe('名单\n姓名\t身份证号\n李四\t1101**********002X');
    expect(xlsx!.bytes).toBeGreaterThan(1000);
  });

  it('never keeps a number in full: not in the snapshot, not in the stored snapshot, not among the raw pages', async () => {
    expect(JSON.stringify(snap)).not.toContain(ID);
    const a = art(snap, 't20201210_1.html');
    expect(a.personalData!.map((h) => h.masked)).toEqual(['3609**********1237']);
    // The page with a number is not kept raw; a clean page is.
    expect(store.pagePath(a.url)).toBeNull();
    expect(store.pagePath(art(snap, 't20201201_2.html').url)).not.toBeNull();
    // Attachments are never stored raw.
    expect(store.pagePath(`${base}/xxgk/fjj/tzgg/f/mingdan.pdf`)).toBeNull();
    await store.flush();
    const stored = readFileSync(join(dir, 'data', (store.listSnapshots('fjj').at(-1)!).file));
    expect(gunzipSync(stored).toString('utf8')).not.toContain(ID);
    expect(readFileSync(join(dir, 'data', 'zwgk.json'), 'utf8')).not.toContain(ID);
  });

  it('a unit total bound stops downloading further attachments, and says so', async () => {
    const [s] = (await crawlUnits([unit()], {
      ...OPTS,
      bounds: { ...OPTS.bounds, maxAttachmentBytesPerUnit: 1500, reuseDays: 0 },
      plan: planOf({ attachments: 'text' }),
    })) as [UnitSnapshot];
    const reasons = art(s, 't20201210_1.html').attachments!.slice(0, 2).map((x) => x.failure?.reason ?? x.unreadable ?? 'read');
    const autumn = art(s, 't20201001_3.html').attachments![0]!;
    const all = [...reasons, autumn.failure?.reason ?? autumn.unreadable ?? 'read'];
    // The PDFs are under 1500 bytes, the XLSX is not: whatever was read first, the total is never passed.
    expect(all.filter((r) => /^本单位附件下载总量(已达|将超过)上限（0 MB）/.test(r)).length).toBeGreaterThanOrEqual(1);
    const read = [...art(s, 't20201210_1.html').attachments!, autumn].filter((x) => x.text !== undefined);
    expect(read.reduce((n, x) => n + x.bytes!, 0)).toBeLessThanOrEqual(1500);
  });

  it('a file over the reading time bound is unreadable with the reason; the crawl finishes', async () => {
    const { AttachmentReader } = await import('../../src/crawl/attachment-reader.ts');
    const { crawlUnit } = await import('../../src/crawl/crawl-unit.ts');
    const { Fetcher } = await import('../../src/crawl/fetcher.ts');
    const fetcher = new Fetcher({ policy: NetworkPolicy.forUnits([unit()], { minIntervalMs: 0 }), tries: 1 });
    const attachments = new AttachmentReader({ timeoutMs: 1 });
    try {
      const s = await crawlUnit(unit(), { plan: planOf({ titles: ['秋季'], attachments: 'text' }), crawlId: 't', contextYear: 2020 }, { fetcher, attachments });
      expect(art(s, 't20201001_3.html').attachments![0]!.unreadable).toBe('读取超过 0 秒，已停止');
      expect(s.status).toBe('ok');
    } finally {
      await Promise.all([attachments.close(), fetcher.close()]);
    }
  });

  it('an article of an older snapshot without the personal-data scan is read again, not reused', async () => {
    const old = structuredClone(snap);
    const a = art(old, 't20201201_2.html');
    delete a.personalData;
    const before = hits.get('/xxgk/fjj/tzgg/t20201201_2.html') ?? 0;
    const { crawlUnit } = await import('../../src/crawl/crawl-unit.ts');
    const { Fetcher } = await import('../../src/crawl/fetcher.ts');
    const fetcher = new Fetcher({ policy: NetworkPolicy.forUnits([unit()], { minIntervalMs: 0 }), tries: 1 });
    try {
      const s = await crawlUnit(unit(), { plan: planOf({ titles: ['冬季'] }), crawlId: 't2', contextYear: 2020 }, { fetcher, previous: old });
      expect(hits.get('/xxgk/fjj/tzgg/t20201201_2.html')).toBe(before + 1);
      expect(art(s, 't20201201_2.html').personalData).toEqual([]);
    } finally {
      await fetcher.close();
    }
  });
});
