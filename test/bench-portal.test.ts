import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticPortal } from '../bench/portal.ts';

// The benchmark's synthetic portal: the crawl it offers must be complete and countable.
describe('bench synthetic portal', () => {
  const portal = new SyntheticPortal({
    units: 3,
    columns: 6,
    pagesPerColumn: 3,
    itemsPerPage: 20,
    latencyMs: 0,
    serverConcurrency: 0,
    styleOf: (u) => (u === 2 ? 'jiyue' : 'static'),
  });
  beforeAll(() => portal.listen());
  afterAll(() => portal.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(new URL(path, portal.url), { headers });

  it('lists units in a units CSV pointing at each unit index', async () => {
    const lines = portal.unitsCsv().trim().split('\n');
    expect(lines[0]).toBe('id,name,type,url');
    expect(lines).toHaveLength(4);
    const res = await get(portal.units[0]!.url);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.match(/<ul class="column-tree">[\s\S]*?<\/ul>/)![0].match(/<li/g)).toHaveLength(6);
  });

  it('serves ~20 KB static list pages chained by 下一页 until the last page', async () => {
    const unit = portal.units[0]!;
    let url: string | null = new URL('c05/index.html', unit.url).href;
    const titles: string[] = [];
    let pages = 0;
    while (url) {
      const html = await (await fetch(url)).text();
      pages++;
      expect(Buffer.byteLength(html)).toBeGreaterThan(17_000);
      expect(Buffer.byteLength(html)).toBeLessThan(24_000);
      for (const m of html.matchAll(/<li><a href="\.\/\d{6}\/t\d{8}_\d+\.html" target="_blank" title="([^"]+)">/g)) titles.push(m[1]!);
      const next: RegExpExecArray | null = /<a href="([^"]+)">下一页<\/a>/.exec(html);
      url = next ? new URL(next[1]!, url).href : null;
    }
    expect(pages).toBe(3);
    expect(titles).toHaveLength(60);
    // 政策文件 and 规范性文件 are full columns; 机构职能, 领导信息, 信息公开指南, 信息公开制度 hold a handful of items.
    expect(portal.expectedItems((u) => u === unit)).toBe(2 * 60 + 2 + 6 + 1 + 4);
  });

  it('answers conditional requests with 304 and moves the ETag when a column gains an item', async () => {
    const path = `/xxgk/${portal.units[1]!.id}/c02/index.html`;
    const first = await get(path);
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    expect((await get(path, { 'if-none-match': etag })).status).toBe(304);
    const before = portal.itemCounts();
    let changed: string[] = [];
    for (let seed = 1; !changed.includes(`${portal.units[1]!.id}/c02`); seed++) changed = portal.addItems(0.5, seed);
    expect(portal.itemCounts()[`${portal.units[1]!.id}/c02`]).toBe(before[`${portal.units[1]!.id}/c02`]! + 1);
    const again = await get(path, { 'if-none-match': etag });
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).not.toBe(etag);
  });

  it('feeds a 集约化 loadPageData list from its endpoint, page by page, and counts who read it', async () => {
    const unit = portal.units[2]!;
    portal.resetCounters();
    const html = await (await fetch(new URL('col/col10204/index.html', unit.url))).text();
    expect(html).toContain("loadPageData(params, 'u003')");
    expect(html).not.toMatch(/t\d{8}_\d+\.html/);
    const query = (current: number, headers: Record<string, string> = {}) =>
      fetch(new URL('/queryList', portal.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ current: String(current), pageSize: '20', 'webSiteCode[]': 'yfxzf', 'channelCode[]': 'col10204' }),
      });
    const page2 = (await (await query(2)).json()) as { data: { total: number; results: { source: { title: string; pubDate: number; urls: string } }[] } };
    expect(page2.data.results).toHaveLength(20);
    expect(page2.data.total).toBe(portal.itemCounts()[`${unit.id}/col10204`]);
    expect(JSON.parse(page2.data.results[0]!.source.urls).pc).toMatch(/\/xxgk\/u003\/col\/col10204\/\d{6}\/t\d{8}_\d+\.html$/);
    await (await query(1, { 'x-bench-js': '1' })).arrayBuffer();
    const c = portal.counters.byColumn.get(`${unit.id}/col10204`)!;
    expect([...c.endpointPages]).toEqual([1]);
    expect([...c.browserPages]).toEqual([0]);
    expect(c.requests).toBe(3);
  });
});
