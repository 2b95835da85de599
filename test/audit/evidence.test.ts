import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, withPage } from '../../src/browser/chromium.ts';
import { NetworkPolicy } from '../../src/net/policy.ts';
import { captureEvidence, locatorOf, safeSegment } from '../../src/audit/evidence.ts';
import { locate } from '../../src/browser/screenshot.ts';
import type { UnitResult } from '../../src/model/result.ts';
import { finding } from '../helpers/report-factory.ts';

const TARGET = '关于开展2020年爱国卫生月活动的通知';

/** A column list page: the target row is far below the first screen. */
function listPage(): string {
  const rows = Array.from({ length: 60 }, (_, i) => {
    const title = i === 45 ? TARGET : `县卫健委第${i + 1}号工作信息公示`;
    return `<li><a href="/a/${i}.html">${title}</a><span>2020-05-${String((i % 28) + 1).padStart(2, '0')}</span></li>`;
  }).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>通知公告</title>
<style>body{font:16px sans-serif;margin:20px} li{padding:6px 0;border-bottom:1px dashed #ccc;list-style:none}</style></head>
<body><h1>通知公告</h1><ul class="list">${rows}</ul></body></html>`;
}

let server: Server;
let base: string;
let closedPortUrl: string;
const hits = new Map<string, number>();
let dir: string;
/** The units file's hosts: the test server, and a portal that is down (the closed port). */
let policy: NetworkPolicy;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    if (req.url === '/list.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(listPage());
    } else if (req.url === '/top.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><meta charset="utf-8"><body style="margin:4px;font:16px sans-serif"><ul style="margin:0"><li>${TARGET}</li></ul><div style="height:2000px"></div>`);
    } else if (req.url === '/frame.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><meta charset="utf-8"><h1>黄岗山垦殖场</h1><div style="height:1500px"></div><iframe src="/list.html" style="width:100%;height:500px"></iframe>');
    } else if (req.url === '/busy.html') {
      // Answers, then keeps the page's only thread busy for good: the hard deadline must still end it.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<h1>通知公告</h1><script>setTimeout(() => { for (;;) {} }, 10)</script>');
    } else if (req.url === '/hang.html') {
      // Never answers: the per-page time bound must end it.
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was open a moment ago and is now closed: connection refused.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPortUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/index.html`;
  await new Promise<void>((r) => probe.close(() => r()));
  policy = new NetworkPolicy({ unitHosts: [new URL(base).host, new URL(closedPortUrl).host], minIntervalMs: 0 });
  dir = mkdtempSync(join(tmpdir(), 'zwgk-evidence-'));
});

afterAll(async () => {
  await closeBrowser();
  server?.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function unit(id: string, findings: UnitResult['findings']): UnitResult {
  return { id, name: '测试单位', type: 'department', status: 'ok', score: 99, weighted: 29.7, url: `${base}/`, findings, inconclusive: [], indicators: [] };
}

/** Pixels of the PNG, in `rows` rows from row `fromRow` (default: to the bottom), that the predicate (JS source over r,g,b) accepts — counted by the browser itself. */
async function countPixels(png: Buffer, predicate: string, fromRow = 0, rows?: number): Promise<number> {
  return withPage(policy, async (page) => {
    await page.setContent(`<img id="i" src="data:image/png;base64,${png.toString('base64')}">`);
    return page.evaluate(`(() => {
      const img = document.getElementById('i');
      const c = document.createElement('canvas');
      c.width = img.naturalWidth; c.height = img.naturalHeight;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, ${fromRow}, c.width, ${rows ?? `c.height - ${fromRow}`}).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) { const r = d[i], g = d[i + 1], b = d[i + 2]; if (${predicate}) n++; }
      return n;
    })()`) as Promise<number>;
  }, {}, { deadlineMs: 30_000 });
}

const RED = 'r > 200 && g < 40 && b < 40';
const redPixels = (png: Buffer) => countPixels(png, RED);

describe('captureEvidence', () => {
  it('screenshots the page with the finding row scrolled into view and outlined, once per page', async () => {
    const url = `${base}/list.html`;
    const first = finding({ rule: 'column-update', code: 'stale', deduction: 1, url, column: '通知公告', evidence: { highlight: TARGET } });
    const second = finding({ rule: 'column-update', code: 'stale', deduction: 0, url, column: '通知公告', evidence: { highlight: TARGET } });
    const plain = finding({ rule: 'leader-disclosure', code: 'not-named', deduction: 1, url, evidence: {} });
    const progress: [number, number][] = [];
    await captureEvidence([unit('wjw', [first, second, plain])], dir, { policy, onProgress: (d, t) => progress.push([d, t]) });

    expect(first.evidence.screenshot).toMatch(/^evidence\/wjw\/column-update-stale-[0-9a-f]{10}\.png$/);
    expect(second.evidence.screenshot).toBe(first.evidence.screenshot);
    expect(plain.evidence.screenshot).toMatch(/^evidence\/wjw\/leader-disclosure-not-named-[0-9a-f]{10}\.png$/);
    expect(plain.evidence.screenshot).not.toBe(first.evidence.screenshot);
    expect(hits.get('/list.html')).toBe(2);
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);

    const png = readFileSync(join(dir, first.evidence.screenshot!));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // The region around the row, not the whole screen.
    expect(png.readUInt32BE(16)).toBe(1280);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(420);
    expect(png.readUInt32BE(20)).toBeLessThan(600);
    expect(first.evidence.located).toBe(true);
    // The target row sits below the first screen: red only shows if it was scrolled to and outlined.
    expect(await redPixels(png)).toBeGreaterThan(500);
    // The banner (address and time) along the top edge of the region.
    expect(await countPixels(png, 'r < 90 && g < 90 && b < 90', 0, 24)).toBeGreaterThan(1280 * 20 * 0.6);
    const plainPng = readFileSync(join(dir, plain.evidence.screenshot!));
    expect(plain.evidence.located).toBeUndefined();
    expect(plainPng.readUInt32BE(20)).toBe(900);
    expect(await redPixels(plainPng)).toBe(0);
  });

  it('finds and outlines the row inside a same-origin iframe further down the page', async () => {
    const f = finding({ rule: 'column-update', code: 'stale', deduction: 1, url: `${base}/frame.html`, evidence: { highlight: TARGET } });
    await captureEvidence([unit('hgs', [f])], dir, { policy });
    expect(await redPixels(readFileSync(join(dir, f.evidence.screenshot!)))).toBeGreaterThan(300);
  });

  it('moves the banner below when the element sits at the very top of the page, so it never covers it', async () => {
    const f = finding({ rule: 'column-update', code: 'stale', deduction: 1, url: `${base}/top.html`, evidence: { highlight: TARGET } });
    await captureEvidence([unit('ssz', [f])], dir, { policy });
    expect(f.evidence.located).toBe(true);
    const png = readFileSync(join(dir, f.evidence.screenshot!));
    const height = png.readUInt32BE(20);
    const dark = 'r < 90 && g < 90 && b < 90';
    expect(await countPixels(png, dark, 0, 40)).toBeLessThan(1280 * 2);
    expect(await countPixels(png, RED, 0, 40)).toBeGreaterThan(500);
    expect(await countPixels(png, dark, height - 24, 24)).toBeGreaterThan(1280 * 20 * 0.6);
  });

  it('says on its banner when the element cannot be found, and pictures the top of the page', async () => {
    const f = finding({ rule: 'column-update', code: 'stale', deduction: 1, url: `${base}/list.html`, evidence: { highlight: '本页没有的标题文字' } });
    await captureEvidence([unit('sfj', [f])], dir, { policy });
    expect(f.evidence.located).toBe(false);
    const png = readFileSync(join(dir, f.evidence.screenshot!));
    expect(png.readUInt32BE(20)).toBe(900);
    expect(await redPixels(png)).toBe(0);
    // The warning banner's brown, along the top.
    expect(await countPixels(png, 'r > 110 && r < 170 && g > 50 && g < 100 && b < 40', 0, 24)).toBeGreaterThan(1280 * 20 * 0.6);
  });

  it('the locator picks the dated row over a 最新信息 box, a link by its address, and the outline covers the element', async () => {
    const page = `<!doctype html><meta charset="utf-8"><body style="font:16px sans-serif">
<div class="box"><h3>最新信息</h3><ul><li><a href="/a/1.html">${TARGET}</a></li><li><a href="/a/2.html">另一条信息</a></li></ul></div>
<div style="height:1200px"></div>
<ul class="list">${Array.from({ length: 8 }, (_, i) => `<li id="r${i}"><a href="/a/${i + 3}.html">${i === 5 ? TARGET : `第${i}条`}</a><span>2020-0${i + 1}-10</span></li>`).join('')}</ul>
<p>相关链接：<a id="ok" href="/doc/ok.html">原政策文件</a>　<a id="dead" href="/doc/gone.html">原政策文件</a></p></body>`;
    const outlined = `Array.from(document.querySelectorAll('*')).filter((e) => e.style.outlineStyle === 'solid').map((e) => e.id || e.tagName)`;
    await withPage(policy, async (p) => {
      await p.setContent(page);
      const stale = finding({ rule: 'column-update', code: 'stale', deduction: 1, url: `${base}/x`, evidence: { highlight: TARGET, newestDate: '2020-06-10' } });
      const got = await locate(p, locatorOf(stale));
      expect(got).toMatchObject({ found: true, covers: true });
      expect(await p.evaluate(outlined)).toEqual(['r5']);
      // In the viewport after scrolling, with its label.
      expect(got.box!.y).toBeGreaterThan(0);
      expect(got.box!.y + got.box!.height).toBeLessThan(900);
      expect(await p.evaluate(`Array.from(document.querySelectorAll('div')).some((d) => d.textContent === '问题所在')`)).toBe(true);

      await p.setContent(page);
      // Two links with the same text: the one to the observed address is the element.
      const href = String(await p.evaluate(`document.getElementById('dead').href`));
      expect(await locate(p, { text: '原政策文件', href })).toMatchObject({ found: true, covers: true });
      expect(await p.evaluate(outlined)).toEqual(['dead']);

      // The sentence or card a rule relied on, as the crawl's text has it (half-width colons, labels joined).
      await p.setContent(`<meta charset="utf-8"><p id="duty">办公室：负责机关日常运转，承担政务公开等工作。</p><dl id="card"><dt>姓名</dt><dd>吴国华</dd><dt>职务</dt><dd>局长</dd></dl>`);
      expect(await locate(p, { text: '办公室:负责机关日常运转,承担政务公开等工作。' })).toMatchObject({ found: true, covers: true });
      expect(await p.evaluate(outlined)).toEqual(['duty']);
      await p.setContent(`<meta charset="utf-8"><dl id="card"><dt>姓名</dt><dd>吴国华</dd><dt>职务</dt><dd>局长</dd></dl>`);
      expect(await locate(p, { text: '姓名:吴国华 职务:局长' })).toMatchObject({ found: true, covers: true });
      expect(await p.evaluate(outlined)).toEqual(['card']);
      await p.setContent(`<meta charset="utf-8"><table><tr><th>姓名</th><th>职务</th></tr><tr id="wu"><td>吴国华</td><td>局长</td></tr><tr><td>李红梅</td><td>副局长</td></tr></table>`);
      expect(await locate(p, { text: '姓名:吴国华 职务:局长' })).toMatchObject({ found: true, covers: true });
      expect(await p.evaluate(outlined)).toEqual(['wu']);

      await p.setContent(page);
      expect(await locate(p, { text: '无此内容' })).toEqual({ found: false, covers: false });
      expect(await p.evaluate(outlined)).toEqual([]);
    }, {}, { deadlineMs: 30_000 });
    // A link address the rule observed becomes the locator's href; a non-http one is left out.
    expect(locatorOf(finding({ rule: 'dead-link', code: 'broken', deduction: 0, url: base, evidence: { highlight: 'x', linkUrl: `${base}/a b` } }))).toEqual({ text: 'x', href: `${base}/a%20b` });
    expect(locatorOf(finding({ rule: 'dead-link', code: 'broken', deduction: 0, url: base, evidence: { highlight: 'x', linkUrl: 'javascript:1' } }))).toEqual({ text: 'x' });
  });

  it('keeps files inside evidence/ for a hostile unit id', async () => {
    const f = finding({ rule: '../x', code: 'a/b', deduction: 1, url: `${base}/list.html`, evidence: {} });
    await captureEvidence([unit('../../evil unit/..', [f])], dir, { policy });
    const shot = f.evidence.screenshot!;
    expect(shot).toBeDefined();
    const segments = shot.split('/');
    expect(segments[0]).toBe('evidence');
    expect(segments).toHaveLength(3);
    for (const s of segments) expect(s).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(segments.some((s) => /^\.+$/.test(s))).toBe(false);
    const abs = resolve(dir, shot);
    expect(relative(join(dir, 'evidence'), abs).startsWith('..')).toBe(false);
    expect(existsSync(abs)).toBe(true);
    expect(readdirSync(join(dir, 'evidence'))).toContain(segments[1]);
    // Distinct ids never share a directory even when they sanitise alike.
    expect(safeSegment('a/b')).not.toBe(safeSegment('a_b'));
    expect(safeSegment('jtj')).toBe('jtj');
  });

  it('records a Chinese reason instead of a screenshot when the page cannot be shown', async () => {
    const refused = finding({ rule: 'column-update', code: 'empty', deduction: 1, url: closedPortUrl, evidence: {} });
    const hanging = finding({ rule: 'column-update', code: 'stale', deduction: 1, url: `${base}/hang.html`, evidence: { highlight: 'x' } });
    const script = finding({ rule: 'column-update', code: 'stale', deduction: 1, url: 'javascript:alert(1)', evidence: {} });
    const busy = finding({ rule: 'column-update', code: 'stale', deduction: 1, url: `${base}/busy.html`, evidence: { highlight: '通知公告' } });
    const started = Date.now();
    await captureEvidence([unit('hgs', [refused, hanging, script, busy])], dir, { policy, timeoutMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(8_000);
    for (const f of [refused, hanging, script, busy]) {
      expect(f.evidence.screenshot).toBeUndefined();
      expect(f.evidence.screenshotError).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(refused.evidence.screenshotError).toContain('连接被拒绝');
    expect(hanging.evidence.screenshotError).toMatch(/超时|未能完成/);
    expect(busy.evidence.screenshotError).toMatch(/未能完成截图/);
    expect(script.evidence.screenshotError).toContain('http');
  });

  it('stops when the signal is aborted', async () => {
    const f = finding({ rule: 'column-update', code: 'stale', deduction: 1, url: `${base}/list.html`, evidence: {} });
    const controller = new AbortController();
    controller.abort(new Error('用户取消'));
    await expect(captureEvidence([unit('tgz', [f])], dir, { policy, signal: controller.signal })).rejects.toThrow('用户取消');
    expect(f.evidence).toEqual({});
  });

  it('skips waived findings', async () => {
    const waived = finding({ rule: 'column-update', code: 'stale', deduction: 0, url: `${base}/list.html`, evidence: {}, review: { decision: 'waived', reason: '撤并' } });
    const before = hits.get('/list.html') ?? 0;
    await captureEvidence([unit('rsj', [waived])], dir, { policy });
    expect(waived.evidence.screenshot).toBeUndefined();
    expect(hits.get('/list.html') ?? 0).toBe(before);
  });
});
