import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { crawlUnits } from '../../src/crawl/crawl-run.ts';
import { inlineParser } from '../../src/crawl/parse-pool.ts';
import { DEFAULT_SCHEME, loadScheme } from '../../src/config/scheme.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import { articlePage, indexPage, listPage } from '../../fixtures/faulty/html.ts';

/**
 * A parser that throws on an odd page (a bug) costs that column, or that
 * article, or at worst that unit — never the run, and never a silent "no items".
 */
vi.mock('../../src/crawl/parse/list.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/crawl/parse/list.ts')>();
  return {
    ...real,
    parseList: (html: string, url: string, opts?: { contextYear?: number }) => {
      if (url.includes('/boom/')) throw new TypeError('Cannot read properties of undefined');
      return real.parseList(html, url, opts);
    },
  };
});
vi.mock('../../src/crawl/parse/tree.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/crawl/parse/tree.ts')>();
  return {
    ...real,
    discoverColumns: (html: string, url: string) => {
      if (url.includes('/bad/')) throw new RangeError('Maximum call stack size exceeded');
      return real.discoverColumns(html, url);
    },
  };
});

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const send = (body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    const path = req.url ?? '/';
    if (path === '/ok/index.html' || path === '/bad/index.html') {
      return send(indexPage('县测试局', [{ name: '通知公告', href: './tzgg/index.html' }, { name: '政策文件', href: './boom/index.html' }]));
    }
    if (path === '/ok/tzgg/index.html') return send(listPage('县测试局', '通知公告', [{ title: '关于冬季工作的通知', href: './t20201228_1.html', date: '2020-12-28' }]));
    if (path === '/ok/boom/index.html') return send(listPage('县测试局', '政策文件', [{ title: '某文件', href: './t20201201_2.html', date: '2020-12-01' }]));
    if (path.endsWith('.html')) return send(articlePage({ title: '文章', date: '2020-12-01', source: '县测试局', body: '<p>正文</p>' }));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('program errors on odd pages', () => {
  it('cost the column (failed, reason recorded) or the unit (unreachable), never the run', async () => {
    const scheme = loadScheme(DEFAULT_SCHEME);
    const [ok, bad] = await crawlUnits(
      [
        { id: 'ok', name: '县测试局', type: 'department', url: `${base}/ok/index.html` },
        { id: 'bad', name: '县测试局', type: 'department', url: `${base}/bad/index.html` },
      ],
      // Parsed in this thread: the mocks above do not reach the worker pool.
      { plan: planGather(scheme), browser: false, network: { minIntervalMs: 0 }, parser: inlineParser() },
    );
    expect(ok!.columns.map((c) => [c.key, c.status, c.items.length])).toEqual([
      ['通知公告', 'ok', 1],
      ['政策文件', 'failed', 0],
    ]);
    expect(ok!.status).toBe('partial');
    expect(ok!.failures).toEqual([
      expect.objectContaining({ url: `${base}/ok/boom/index.html`, kind: 'parse', reason: expect.stringMatching(/程序出错（Cannot read properties of undefined）/) }),
    ]);
    expect(bad!.status).toBe('unreachable');
    // An index the parser fails on says nothing of the unit's columns: nothing is judged.
    expect(bad!.failures[0]).toMatchObject({ kind: 'parse', url: `${base}/bad/index.html`, reason: expect.stringMatching(/程序出错（Maximum call stack size exceeded）/) });
  });
});
