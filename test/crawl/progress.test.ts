import { describe, expect, it } from 'vitest';
import { createCrawlProgress, formatCrawlSummary, summarizeCrawl } from '../../src/cli/progress.ts';
import type { CrawlProgress } from '../../src/crawl/crawl-run.ts';
import { SNAPSHOT_SCHEMA_VERSION, type Unit, type UnitSnapshot } from '../../src/model/snapshot.ts';

const units: Unit[] = [
  { id: 'jtj', name: '县教育体育局', type: 'department', url: 'http://p.example/jtj/' },
  { id: 'evil', name: '坏\x1b[2J名字', type: 'town', url: 'http://p.example/evil/' },
];

function sink(tty: boolean, columns?: number) {
  let out = '';
  const stream = { isTTY: tty, columns, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

const progress = (event: CrawlProgress['event'], unitId: string, done: number, extra: Partial<CrawlProgress> = {}): CrawlProgress => ({
  event,
  unitsDone: done,
  unitsTotal: 2,
  pages: 7,
  errors: 1,
  unitId,
  unit: { unitId, columns: 12, columnsDone: 3, pages: 7, items: 40, errors: 1 },
  ...extra,
});

describe('crawl progress', () => {
  it('plain lines when not on a terminal: one per unit started and done, control characters removed', () => {
    const s = sink(false);
    const p = createCrawlProgress(units, s.stream);
    p.onProgress(progress('unit-start', 'evil', 0));
    p.onProgress(progress('unit-progress', 'evil', 0));
    p.onProgress(progress('unit-done', 'evil', 1, { status: 'partial' }));
    p.finish();
    const lines = s.text().trimEnd().split('\n');
    expect(lines).toEqual([
      '开始抓取 evil（坏 [2J名字） [0/2]',
      '完成 evil（坏 [2J名字）：部分页面无法访问，栏目 12，条目 40，页面 7，错误 1 [1/2]',
    ]);
  });

  it('one line rewritten in place on a terminal, cut to its width (even when it reports 0 columns)', () => {
    for (const columns of [0, 40]) {
      const s = sink(true, columns);
      const p = createCrawlProgress(units, s.stream);
      p.onProgress(progress('unit-start', 'jtj', 0));
      p.onProgress(progress('unit-done', 'jtj', 1, { status: 'ok' }));
      p.finish();
      p.finish();
      const frames = s.text().split('\r\x1b[2K').filter(Boolean);
      expect(frames.length).toBe(2);
      expect(frames[1]).toMatch(/^抓取 1\/2 个单位 \| 页面 7 \| 错误 1/);
      expect(s.text().endsWith('\n')).toBe(true);
      expect(s.text().match(/\n/g)).toHaveLength(1);
    }
  });

  it('the summary table lines up Chinese names', () => {
    const snap = (unit: Unit, status: UnitSnapshot['status']): UnitSnapshot => ({
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      unit,
      crawlId: 'c',
      startedAt: '',
      finishedAt: '',
      status,
      columns: [],
      articles: {},
      failures: [],
      stats: { requests: 3, pages: 3, bytes: 10, browserRenders: 0, durationMs: 1500 },
    });
    const table = formatCrawlSummary([snap(units[0]!, 'ok'), snap(units[1]!, 'unreachable')].map(summarizeCrawl));
    const rows = table.split('\n');
    expect(rows[0]).toMatch(/^编号\s+单位\s+状态/);
    expect(rows[2]).toMatch(/^jtj\s+县教育体育局\s+正常\s+0\s+0\s+0\s+3\s+0\s+1\.5 秒$/);
    expect(rows[3]).toContain('无法访问');
    expect(table).not.toContain('\x1b');
  });
});
