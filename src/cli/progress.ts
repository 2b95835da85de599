import type { CrawlProgress } from '../crawl/crawl-run.ts';
import { UNIT_STATUS_LABEL, label } from '../report/format.ts';
import { displayWidth } from '../report/console-summary.ts';
import type { Unit, UnitSnapshot } from '../model/snapshot.ts';

/**
 * Crawl progress on stderr: on a terminal one line rewritten in place (units
 * done/total, pages, errors, and each running unit's columns and items);
 * otherwise (a log file, a pipe) one plain line per unit started and done.
 */

/** Control characters (ESC included) in crawled or user-given names must not reach the terminal. */
function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

export interface ProgressPrinter {
  onProgress(p: CrawlProgress): void;
  /** Ends the in-place line. */
  finish(): void;
}

export function createCrawlProgress(units: Unit[], stream: NodeJS.WriteStream = process.stderr): ProgressPrinter {
  const names = new Map(units.map((u) => [u.id, clean(u.name)]));
  const running = new Map<string, CrawlProgress['unit']>();
  const tty = Boolean(stream.isTTY);
  let last: CrawlProgress | null = null;
  let lastDraw = 0;
  let drawn = false;

  const draw = (force: boolean) => {
    if (!last) return;
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const active = [...running.values()].map((u) => `${u.unitId} 栏目 ${u.columnsDone}/${u.columns} 条目 ${u.items}`).join('，');
    let line = `抓取 ${last.unitsDone}/${last.unitsTotal} 个单位 | 页面 ${last.pages} | 错误 ${last.errors}${active ? ` | 进行中：${active}` : ''}`;
    // A pseudo-terminal may report 0 columns.
    const width = stream.columns || 100;
    while (line.length > 0 && displayWidth(line) > width - 1) line = line.slice(0, -1);
    stream.write(`\r\x1b[2K${line}`);
    drawn = true;
  };

  return {
    onProgress(p) {
      last = p;
      if (p.event === 'unit-done') running.delete(p.unitId);
      else running.set(p.unitId, p.unit);
      if (tty) {
        draw(p.event !== 'unit-progress');
        return;
      }
      const name = names.get(p.unitId) ?? '';
      if (p.event === 'unit-start') {
        stream.write(`开始抓取 ${p.unitId}（${name}） [${p.unitsDone}/${p.unitsTotal}]\n`);
      } else if (p.event === 'unit-done') {
        const u = p.unit;
        stream.write(
          `完成 ${p.unitId}（${name}）：${label(UNIT_STATUS_LABEL, p.status ?? 'ok')}，栏目 ${u.columns}，条目 ${u.items}，页面 ${u.pages}，错误 ${u.errors} [${p.unitsDone}/${p.unitsTotal}]\n`,
        );
      }
    },
    finish() {
      if (tty && drawn) stream.write('\n');
      drawn = false;
    },
  };
}

/** A plain text table, columns padded by display width (CJK takes two cells). */
export function formatTable(head: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(Math.max(0, widths[i]! - displayWidth(s)));
    return rightAligned[i] ? fill + s : s + fill;
  };
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  return [line(head), rule, ...rows.map(line), rule].join('\n');
}

/** What the crawl summary shows of a unit: kept instead of its snapshot, so a long crawl holds no snapshots. */
export interface CrawlSummary {
  unit: Pick<UnitSnapshot['unit'], 'id' | 'name'>;
  status: UnitSnapshot['status'];
  columns: number;
  items: number;
  articles: number;
  pages: number;
  failures: number;
  durationMs: number;
}

export function summarizeCrawl(s: UnitSnapshot): CrawlSummary {
  return {
    unit: { id: s.unit.id, name: s.unit.name },
    status: s.status,
    columns: s.columns.length,
    items: s.columns.reduce((n, c) => n + c.items.length, 0),
    articles: Object.keys(s.articles).length,
    pages: s.stats.pages,
    failures: s.failures.length,
    durationMs: s.stats.durationMs,
  };
}

export function formatCrawlSummary(units: CrawlSummary[]): string {
  const rows = units.map((s) => [
    s.unit.id,
    clean(s.unit.name),
    label(UNIT_STATUS_LABEL, s.status),
    String(s.columns),
    String(s.items),
    String(s.articles),
    String(s.pages),
    String(s.failures),
    `${(s.durationMs / 1000).toFixed(1)} 秒`,
  ]);
  const head = ['编号', '单位', '状态', '栏目', '条目', '文章', '页面', '失败', '用时'];
  return formatTable(head, rows, [false, false, false, true, true, true, true, true, true]);
}
