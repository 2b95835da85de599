import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlUnits } from '../../src/crawl/crawl-run.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import type { UnitSnapshot } from '../../src/model/snapshot.ts';
import { ctx, ruleRunner, scheme } from '../helpers/snapshot-factory.ts';
import { articlePage, challenge412Page, indexPage, listPage } from '../../fixtures/faulty/html.ts';

/**
 * Issue 17, class 2 — link states. An interpretation's 原文 link is
 * `broken-link` only when the answer says the page is gone: 404/410, a
 * recognised soft 404, or a host that does not resolve. A server error, 429,
 * a 403/412 wall, a busy answer, a reset or a timeout says only that the link
 * could not be checked that night: inconclusive with the reason. (A host that
 * does not resolve: test/crawl/link-check.test.ts.)
 */

const UNIT = '县链接局';
const TARGETS: [slug: string, answer: (res: ServerResponse) => void][] = [
  ['gone404', (res) => void res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body><h1>404</h1></body></html>')],
  ['gone410', (res) => void res.writeHead(410, { 'content-type': 'text/html' }).end('<html><body><h1>410 Gone</h1></body></html>')],
  ['soft404', (res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body><p>抱歉，您访问的页面不存在或已被删除！</p></body></html>')],
  ['e500', (res) => void res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body><h1>500</h1></body></html>')],
  ['e503', (res) => void res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '1' }).end('<html><body><h1>503</h1></body></html>')],
  ['e429', (res) => void res.writeHead(429, { 'content-type': 'text/html' }).end('<html><body><h1>429</h1></body></html>')],
  ['wall403', (res) => void res.writeHead(403, { 'content-type': 'text/html' }).end('<html><body><h1>403 Forbidden</h1></body></html>')],
  ['wall412', (res) => void res.writeHead(412, { 'content-type': 'text/html' }).end(challenge412Page())],
  ['busy', (res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body><p>系统繁忙，请稍后再试！</p></body></html>')],
  ['reset', (res) => void res.socket?.resetAndDestroy()],
];
const BROKEN = new Set(['gone404', 'gone410', 'soft404']);

let server: Server;
let base: string;

const interpretation = (slug: string, i: number) => {
  const day = String(i + 1).padStart(2, '0');
  return { title: `《关于${slug}工作的实施意见》政策解读`, href: `./t202011${day}_${slug}.html`, date: `2020-11-${day}` };
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const page = (html: string) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    if (path === '/u/index.html') {
      return page(indexPage(UNIT, [{ name: '通知公告', href: './tzgg/index.html' }, { name: '政策解读', href: './zcjd/index.html' }, { name: '政策文件', href: './zcwj/index.html' }]));
    }
    if (path === '/u/zcjd/index.html') return page(listPage(UNIT, '政策解读', TARGETS.map(([slug], i) => interpretation(slug, i))));
    const article = /^\/u\/zcjd\/t\d{8}_(\w+)\.html$/.exec(path);
    if (article) {
      const slug = article[1]!;
      const i = TARGETS.findIndex(([s]) => s === slug);
      return page(
        articlePage({
          title: interpretation(slug, i).title,
          date: interpretation(slug, i).date,
          source: UNIT,
          body: `<p>一、出台背景。</p><p>原文链接：<a href="/u/zcwj/${slug}.html">关于${slug}工作的实施意见</a></p>`,
        }),
      );
    }
    const target = /^\/u\/zcwj\/(\w+)\.html$/.exec(path);
    const answer = target && TARGETS.find(([s]) => s === target[1]);
    if (answer) return answer[1](res);
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body><h1>404</h1></body></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('link states', () => {
  it('only 404, 410 and a soft 404 are broken links; 5xx, 429, walls, busy answers and resets are inconclusive with the reason', async () => {
    const [snap] = (await crawlUnits([{ id: 'lj', name: UNIT, type: 'department', url: `${base}/u/index.html` }], {
      plan: planGather(scheme()),
      browser: false,
      network: { minIntervalMs: 0 },
      fetch: { timeoutMs: 1000, tries: 2, backoffMs: 10, maxRetryAfterMs: 100 },
      bounds: { contextYear: 2020 },
    })) as [UnitSnapshot];
    const r = ruleRunner('interpretation-link')(snap, ctx({ portalHosts: [new URL(base).host] }));
    const slugOf = (url: string) => /_(\w+)\.html$/.exec(url)![1]!;
    expect(r.findings.map((f) => [slugOf(f.url), f.code]).sort()).toEqual([...BROKEN].sort().map((s) => [s, 'broken-link']));
    const unsure = r.inconclusive.filter((i) => i.codes?.includes('broken-link'));
    expect(unsure.map((i) => slugOf(i.url)).sort()).toEqual(TARGETS.map(([s]) => s).filter((s) => !BROKEN.has(s)).sort());
    for (const i of unsure) expect(i.reason, i.url).toMatch(/未能检查（.+）/);
  });
});
