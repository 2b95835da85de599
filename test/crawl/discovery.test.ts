import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlUnits } from '../../src/crawl/crawl-run.ts';
import { DEFAULT_SCHEME, loadScheme } from '../../src/config/scheme.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import type { Unit, UnitSnapshot } from '../../src/model/snapshot.ts';
import { openStore } from '../../src/store/store.ts';

/**
 * Column trees and lists as units really publish them: an index that links
 * one or two columns (the tree is in the list pages' own menus), weak column
 * names, menus that are not the unit's (the site's navigation, another unit's
 * tree), and list pages whose own list sits among sidebars of dated links.
 */

const NAV = `<div class="nav"><a href="/">首页</a><a href="/zwfw/index.html">政务服务</a><a href="/hdjl/index.html">互动交流</a></div>`;
const page = (title: string, body: string) =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${NAV}${body}<div class="footer">主办：宜丰县人民政府办公室</div></body></html>`;
const lis = (rows: [string, string, string][]) => rows.map(([t, href, date]) => `<li><a href="${href}">${t}</a><span>${date}</span></li>`).join('');
/** A TRS-style unit page: the left menu (when given) and the main block. */
const unitPage = (title: string, menu: string, main: string) => page(title, `<div class="wrap"><div class="xxgk-left">${menu}</div><div class="xxgk-right">${main}</div></div>`);
const menuOf = (cols: [string, string][]) => `<ul class="xxgk-tree">${cols.map(([n, h]) => `<li><a href="${h}">${n}</a></li>`).join('')}</ul>`;

const TREE: [string, string][] = [
  ['通知公告', '/xxgk/yl/tzgg/index.html'],
  ['领导信息', '/xxgk/yl/ldxx/index.html'],
  ['政策文件', '/xxgk/yl/zcwj/index.html'],
];
const OTHER_TREE: [string, string][] = [
  ['通知公告', '/xxgk/qt/tzgg/index.html'],
  ['规划计划', '/xxgk/qt/ghjh/index.html'],
];

const routes: Record<string, string> = {
  // 县云岭局: the index links one column; every list page has the unit's tree in its left menu.
  '/xxgk/yl/index.html': unitPage('县云岭局', '', `<p>机构名称：县云岭局</p><a href="./tzgg/index.html">通知公告</a>`),
  '/xxgk/yl/tzgg/index.html': unitPage('通知公告', menuOf(TREE), `<ul class="list">${lis([['关于冬季安全的通知', './202012/t20201201_1.html', '2020-12-01']])}</ul>`),
  '/xxgk/yl/ldxx/index.html': unitPage('领导信息', menuOf(TREE), `<ul class="list">${lis([['领导分工', './202003/t20200301_2.html', '2020-03-01']])}</ul>`),
  '/xxgk/yl/ldxx/202003/t20200301_2.html': page('领导分工', '<div id="zoom"><p>副局长：李四，分管政务公开工作。</p></div>'),
  '/xxgk/yl/zcwj/index.html': unitPage('政策文件', menuOf(TREE), `<ul class="list">${lis([['关于印发工作要点的通知', './202011/t20201120_3.html', '2020-11-20']])}</ul>`),
  // 县要闻局: weak names only, no menu on its list pages.
  '/xxgk/yw/index.html': unitPage('县要闻局', '', `<div class="cols"><a href="./yw/index.html">要闻</a> <a href="./zhxx/index.html">综合信息</a></div>`),
  '/xxgk/yw/yw/index.html': unitPage('要闻', '', `<ul class="list">${lis([['县要闻局召开会议', './202012/t20201210_4.html', '2020-12-10']])}</ul>`),
  '/xxgk/yw/zhxx/index.html': unitPage('综合信息', '', `<ul class="list">${lis([['关于公开办事指南的公告', './202012/t20201211_5.html', '2020-12-11']])}</ul>`),
  // 县单页局: one column; its list page shows the site's navigation and another unit's tree, never its own.
  '/xxgk/dy/index.html': unitPage('县单页局', '', `<a href="./tzgg/index.html">通知公告</a>`),
  '/xxgk/dy/tzgg/index.html': unitPage('通知公告', menuOf(OTHER_TREE), `<ul class="list">${lis([['关于年度考核的通知', './202012/t20201215_6.html', '2020-12-15']])}</ul>`),
  // 县断链局: the index links one column, whose list page answers 502 (its menu, the unit's tree, cannot be read).
  '/xxgk/dl/index.html': unitPage('县断链局', '', `<a href="./tzgg/index.html">通知公告</a>`),
  // 县侧栏局: list pages whose own list (发表于：…) stands beside sidebars; one page with two lists nothing tells apart.
  '/xxgk/cl/index.html': unitPage('县侧栏局', menuOf([['通知公告', './tzgg/index.html'], ['规划计划', './ghjh/index.html']]), ''),
  '/xxgk/cl/tzgg/index.html': unitPage(
    '通知公告',
    '',
    `<div class="list-title"><h2>通知公告</h2></div><ul class="list">${[1, 2].map((n) => `<li><a href="./2017${10 - n}/t2017${10 - n}19_${n}.html">第${n}号通知</a><span class="meta">发表于：2017/${10 - n}/19</span></li>`).join('')}</ul>
<div class="side"><div class="box"><h3>热点新闻</h3><ul class="list">${[1, 2, 3, 4, 5, 6].map((n) => `<li><a href="/xwzx/202101/t2021011${n}_${90 + n}.html">县里新闻${n}</a></li>`).join('')}</ul></div>
<div class="box"><h3>视频新闻</h3><ul class="list">${[1, 2, 3].map((n) => `<li><a href="/spxw/202101/t2021010${n}_${80 + n}.html">视频${n}</a></li>`).join('')}</ul></div></div>`,
  ),
  '/xxgk/cl/ghjh/index.html': unitPage(
    '规划计划',
    '',
    `<div><ul>${lis([['甲计划一', './t20201201_11.html', '2020-12-01'], ['甲计划二', './t20201101_12.html', '2020-11-01']])}</ul></div><div><ul>${lis([['乙计划一', './t20201202_13.html', '2020-12-02'], ['乙计划二', './t20201102_14.html', '2020-11-02'], ['乙计划三', './t20201002_15.html', '2020-10-02']])}</ul></div>`,
  ),
};

let server: Server;
let base: string;
let dir: string;
const snaps = new Map<string, UnitSnapshot>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/xxgk/dl/tzgg/index.html') return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    const body = routes[path];
    if (body === undefined) return void res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body><h1>404</h1></body></html>');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  dir = mkdtempSync(join(tmpdir(), 'zwgk-discovery-'));
  const units: Unit[] = ['yl', 'yw', 'dy', 'cl', 'dl'].map((id) => ({ id, name: id, type: 'department', url: `${base}/xxgk/${id}/index.html` }));
  const store = await openStore(join(dir, 'data'));
  // Only the rules whose pages this small portal serves (columns, leaders): discovery is what is under test.
  const county = loadScheme(DEFAULT_SCHEME);
  const keep = ['column-update', 'leader-disclosure'];
  const scheme = { ...county, rules: county.rules.filter((r) => keep.includes(r.meta.id)), indicators: county.indicators.filter((i) => keep.includes(i.rule)) };
  const got = await crawlUnits(units, {
    plan: planGather(scheme),
    store,
    browser: false,
    fetch: { timeoutMs: 2000, tries: 1, backoffMs: 10 },
    network: { minIntervalMs: 0 },
    bounds: { contextYear: 2020 },
  });
  for (const s of got) snaps.set(s.unit.id, s);
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const keys = (id: string) => snaps.get(id)!.columns.map((c) => c.key);

describe('column discovery', () => {
  it('an index that links one column: the rest of the tree from that column’s own left menu', () => {
    expect(keys('yl')).toEqual(['通知公告', '领导信息', '政策文件']);
    const s = snaps.get('yl')!;
    expect(s.status).toBe('ok');
    // The leader page of a column found only through the menu is read for the rules.
    expect(Object.values(s.articles).map((a) => a.title)).toContain('领导分工');
  });

  it('weak names (要闻, 综合信息) on an index are its columns', () => {
    expect(keys('yw')).toEqual(['要闻', '综合信息']);
    expect(snaps.get('yw')!.columns.every((c) => c.status === 'ok' && c.items.length === 1)).toBe(true);
  });

  it('a list page’s menu that is the site’s navigation or another unit’s tree is not taken', () => {
    expect(keys('dy')).toEqual(['通知公告']);
    expect(snaps.get('dy')!.columns[0]!.url).toBe(`${base}/xxgk/dy/tzgg/index.html`);
  });

  it('an index that links one column whose list page does not answer: the tree is unknown, so the unit is unreachable, never judged on one column', () => {
    const s = snaps.get('dl')!;
    expect(s.status).toBe('unreachable');
    expect(s.columns).toEqual([]);
    expect(s.failures).toContainEqual(expect.objectContaining({ url: `${base}/xxgk/dl/index.html`, reason: expect.stringContaining('无法得知本单位有哪些栏目') }));
  });
});

describe('the list among sidebars', () => {
  it('the column’s own rows (dated in their text), not the sidebars dated by their addresses', () => {
    const tzgg = snaps.get('cl')!.columns.find((c) => c.key === '通知公告')!;
    expect(tzgg.status).toBe('ok');
    expect(tzgg.items.map((i) => [i.title, i.date])).toEqual([
      ['第1号通知', '2017-09-19'],
      ['第2号通知', '2017-08-19'],
    ]);
  });

  it('two lists that nothing tells apart: the column is failed with the reason, never a pick', () => {
    const s = snaps.get('cl')!;
    const ghjh = s.columns.find((c) => c.key === '规划计划')!;
    expect(ghjh).toMatchObject({ status: 'failed', items: [] });
    expect(s.failures).toContainEqual(expect.objectContaining({ url: `${base}/xxgk/cl/ghjh/index.html`, kind: 'parse', reason: expect.stringContaining('看不出哪一组是本栏目的列表') }));
  });
});
