import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser } from '../../src/browser/chromium.ts';
import { renderPage } from '../../src/browser/render.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import { NetworkPolicy } from '../../src/net/policy.ts';
import { crawlUnits } from '../../src/crawl/crawl-run.ts';
import type { UnitSnapshot } from '../../src/model/snapshot.ts';
import { ctx as judgeCtx, ruleRunner, scheme } from '../helpers/snapshot-factory.ts';
import { indexPage } from '../../fixtures/faulty/html.ts';

/**
 * Issue 17, class 4 — renders that can fail. A list drawn by the page's own
 * script is read from the browser only when the page, its scripts and the
 * data requests the list needs all succeeded; otherwise the column is not
 * judged (never "empty" on the static reading). An empty list stands only as
 * the platform's own answer ("0 items"). The script-drawn lists here are
 * recognised from general signs: the data request lives in a script file the
 * page loads, and the page names no known platform.
 */

const UNIT = '县渲染局';
/** column slug → how its data request is answered. */
const DATA: Record<string, (res: ServerResponse) => void> = {};
let server: Server;
let base: string;

const send = (res: ServerResponse, status: number, type: string, body: string) => void res.writeHead(status, { 'content-type': type }).end(body);
const items = (slug: string) =>
  JSON.stringify({ r: [[`关于${slug}栏目冬季工作的通知`, `./t20201228_${slug}.html`, '2020-12-28'], [`关于${slug}栏目秋季工作的通知`, `./t20201009_${slug}.html`, '2020-10-09']] });

/** The portal's own list script: fetches `data.do?c=slug` and draws it into the box it is given. */
const LIST_JS = `function drawInfo(boxId, slug) {
  var box = document.getElementById(boxId);
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '/u/data.do?c=' + slug + '&t=' + Date.now(), true);
  xhr.onreadystatechange = function () {
    if (xhr.readyState !== 4 || xhr.status !== 200) return;
    var d = JSON.parse(xhr.responseText), html = '';
    for (var i = 0; i < d.r.length; i++) html += '<li><a href="' + d.r[i][1] + '">' + d.r[i][0] + '</a><span>' + d.r[i][2] + '</span></li>';
    box.innerHTML = html || '<li>暂无信息</li>';
  };
  xhr.send();
}`;

const listPage = (name: string, slug: string) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${name} - ${UNIT}</title>
<script src="/u/js/info.js"></script></head><body><div class="header">宜丰县人民政府</div>
<div class="main"><h2>${name}</h2><ul id="infoBox"></ul><script>drawInfo('infoBox', '${slug}');</script></div>
<div class="footer">主办：宜丰县人民政府办公室</div></body></html>`;

const COLUMNS: [slug: string, name: string, answer: (res: ServerResponse) => void][] = [
  ['ok', '通知公告', (res) => send(res, 200, 'application/json; charset=utf-8', items('ok'))],
  ['e503', '政策文件', (res) => send(res, 503, 'text/html', '<h1>503</h1>')],
  ['busy', '规划计划', (res) => send(res, 200, 'application/json; charset=utf-8', '{"success":false,"code":500,"msg":"系统繁忙，请稍后再试"}')],
  ['short', '人事信息', (res) => send(res, 200, 'application/json; charset=utf-8', items('short').slice(0, 40))],
  ['none', '重点工作', (res) => send(res, 200, 'application/json; charset=utf-8', '{"r":[]}')],
];

beforeAll(async () => {
  for (const [slug, , answer] of COLUMNS) DATA[slug] = answer;
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path === '/u/index.html') {
      return send(res, 200, 'text/html; charset=utf-8', indexPage(UNIT, COLUMNS.map(([slug, name]) => ({ name, href: `./${slug}/index.html` }))));
    }
    if (path === '/u/js/info.js') return send(res, 200, 'application/javascript', LIST_JS);
    const data = path === '/u/data.do' ? DATA[url.searchParams.get('c') ?? ''] : undefined;
    if (data) return data(res);
    const list = /^\/u\/(\w+)\/index\.html$/.exec(path);
    const col = list && COLUMNS.find(([slug]) => slug === list[1]);
    if (col) return send(res, 200, 'text/html; charset=utf-8', listPage(col[1], col[0]));
    const article = /^\/u\/\w+\/t(\d{8})_\w+\.html$/.exec(path);
    if (article) {
      const d = article[1]!;
      return send(res, 200, 'text/html; charset=utf-8', `<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知</title></head><body><h1>通知</h1><p>发布日期：${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}</p><p>特此通知。</p></body></html>`);
    }
    send(res, 404, 'text/html', '<html><body><h1>404</h1></body></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}, 30_000);

afterAll(async () => {
  await closeBrowser();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('a render reports the requests that failed', () => {
  it('a data request answering 503, and one answering a busy envelope, are listed; a good render lists none', async () => {
    const host = new URL(base).host;
    const checkAnswer = (a: { body: Buffer }) => (a.body.toString().includes('"success":false') ? '数据接口返回错误' : null);
    const good = await renderPage(`${base}/u/ok/index.html`, { policy: new NetworkPolicy({ unitHosts: [host], minIntervalMs: 0 }), checkAnswer });
    expect(good.failedRequests).toEqual([]);
    expect(good.html).toContain('关于ok栏目冬季工作的通知');
    const failed = await renderPage(`${base}/u/e503/index.html`, { policy: new NetworkPolicy({ unitHosts: [host], minIntervalMs: 0 }), checkAnswer });
    expect(failed.failedRequests).toMatchObject([{ resourceType: 'xhr', status: 503 }]);
    const busy = await renderPage(`${base}/u/busy/index.html`, { policy: new NetworkPolicy({ unitHosts: [host], minIntervalMs: 0 }), checkAnswer });
    expect(busy.failedRequests).toMatchObject([{ resourceType: 'xhr', status: 200, reason: '数据接口返回错误' }]);
  });
});

describe('a script-drawn list is judged only on a render that fully succeeded', () => {
  let snap: UnitSnapshot;
  const columnUpdate = ruleRunner('column-update');

  beforeAll(async () => {
    [snap] = (await crawlUnits([{ id: 'xr', name: UNIT, type: 'department', url: `${base}/u/index.html` }], {
      plan: planGather(scheme()),
      network: { minIntervalMs: 0 },
      fetch: { timeoutMs: 3000, tries: 2, backoffMs: 10, maxRetryAfterMs: 100 },
      bounds: { contextYear: 2020 },
      renderTimeoutMs: 10_000,
    })) as [UnitSnapshot];
  }, 90_000);

  it('each column as its data request went', () => {
    expect(snap.columns.map((c) => [c.name, c.status, c.items.length])).toEqual([
      ['通知公告', 'ok', 2],
      ['政策文件', 'failed', 0],
      ['规划计划', 'failed', 0],
      ['人事信息', 'failed', 0],
      ['重点工作', 'ok', 0],
    ]);
    for (const name of ['政策文件', '规划计划', '人事信息']) {
      const col = snap.columns.find((c) => c.name === name)!;
      const failure = snap.failures.find((f) => f.url === col.url);
      expect(failure?.kind, name).toBe('render');
      expect(failure?.reason).toMatch(/渲染/);
    }
  });

  it('column-update: failed renders are inconclusive, never "empty"; the platform\'s own "0 items" is empty', () => {
    const r = columnUpdate(snap, judgeCtx({ portalHosts: [] }));
    expect(r.findings.map((f) => [f.code, f.column])).toEqual([['empty', '重点工作']]);
    expect(r.inconclusive.map((i) => i.column)).toEqual(['政策文件', '规划计划', '人事信息']);
  });
});
