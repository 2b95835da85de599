import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRequest, AuditOutcome } from '../../src/audit/run-audit.ts';
import { DEFAULT_SCHEME, loadScheme } from '../../src/config/scheme.ts';
import type { CategoryRules } from '../../src/history/warnings.ts';
import type { ServiceSettings } from '../../src/serve/service.ts';
import type { AuditReport, Finding, UnitResult } from '../../src/model/result.ts';
import type { ColumnSnapshot, ListItem, Unit, UnitSnapshot } from '../../src/model/snapshot.ts';

/** Small hand-built snapshots and results for the history and serve tests (no crawling). */

export const UNITS: Unit[] = [
  { id: 'jtj', name: '县教育体育局', type: 'department', url: 'http://127.0.0.1:9/xxgk/jtj/index.html' },
  { id: 'wjw', name: '县卫生健康委员会', type: 'department', url: 'http://127.0.0.1:9/xxgk/wjw/index.html' },
  { id: 'xzz', name: '新庄镇', type: 'town', url: 'http://127.0.0.1:9/xxgk/xzz/index.html' },
];

/** The column categories of DESIGN.md, as a scheme gives them. */
export const CATEGORY_RULES: CategoryRules = {
  defaultCategory: 'regular',
  categories: {
    news: { label: '新闻动态', judge: 'skip', keywords: ['工作动态', '新闻', '要闻'] },
    annual: { label: '年度类', judge: 'year', keywords: ['年度报告', '财政预决算', '建议提案'] },
    static: { label: '静态类', judge: 'never', keywords: ['机构职能', '领导信息', '信息公开指南', '信息公开制度'] },
    regular: { label: '常规类', judge: 'age', staleAfterDays: 180, keywords: ['政策文件', '通知公告', '政策解读'] },
  },
};

/** The county's scheme, as `zwgk serve` loads it. */
export const SAMPLE_SCHEME = loadScheme(DEFAULT_SCHEME);

/** Service settings for a test directory holding units.csv; data and reports below it. */
export function serviceSettings(dir: string, over: Partial<ServiceSettings> = {}): ServiceSettings {
  return {
    unitsFile: join(dir, 'units.csv'),
    dataDir: join(dir, 'data'),
    reportsDir: join(dir, 'data', 'reports'),
    concurrency: 2,
    screenshots: false,
    warnings: { staleWithinDays: 30, backdatedDays: 7 },
    retention: { runs: 30, maxEvidenceMb: 100, historyRuns: 100 },
    ...over,
  };
}

export function unitsCsv(units: Unit[] = UNITS): string {
  return `id,name,type,url\n${units.map((u) => `${u.id},${u.name},${u.type},${u.url}`).join('\n')}\n`;
}

export interface ColumnSpec {
  key: string;
  category: string;
  status?: ColumnSnapshot['status'];
  items: { title: string; date: string | null; firstSeen: string }[];
}

export function snapshot(unit: Unit, finishedAt: string, columns: ColumnSpec[], status: UnitSnapshot['status'] = 'ok'): UnitSnapshot {
  return {
    schemaVersion: 1,
    unit,
    crawlId: `c-${finishedAt}`,
    startedAt: finishedAt,
    finishedAt,
    status,
    columns: columns.map((c) => ({
      key: c.key,
      name: c.key.split('/').at(-1)!,
      path: c.key.split('/'),
      url: `${unit.url.replace('index.html', '')}${encodeURIComponent(c.key)}/`,
      category: c.category,
      status: c.status ?? 'ok',
      items: c.items.map(
        (i, n): ListItem => ({ title: i.title, url: `${unit.url}#${encodeURIComponent(c.key)}-${n}`, date: i.date, dateSource: 'list', firstSeen: i.firstSeen }),
      ),
      pages: [],
      notes: [],
    })),
    articles: {},
    failures: [],
    stats: { requests: 0, pages: 0, bytes: 0, browserRenders: 0, durationMs: 0 },
  };
}

export function finding(rule: string, code: string, url: string, deduction = 1, column?: string): Finding {
  return { rule, code, indicator: rule, deduction, message: `${rule}/${code} ${column ?? url}`, url, ...(column && { column }), evidence: {} };
}

export function unitResult(unit: Unit, findings: Finding[], extra: Partial<UnitResult> = {}): UnitResult {
  const deducted = findings.reduce((s, f) => s + f.deduction, 0);
  return {
    id: unit.id,
    name: unit.name,
    type: unit.type,
    status: 'ok',
    score: 100 - deducted,
    weighted: Math.round((100 - deducted) * 0.3 * 100) / 100,
    findings,
    inconclusive: [],
    indicators: [],
    url: unit.url,
    ...extra,
  };
}

export function report(asOf: string, units: UnitResult[]): AuditReport {
  return { schemaVersion: 1, scheme: 'test', year: Number(asOf.slice(0, 4)) - 1, asOf, generatedAt: `${asOf}T02:00:00+08:00`, weight: 0.3, units };
}

/** An outcome as runAudit would return it, with report.json written to the run's directory. */
export function writeOutcome(opts: AuditRequest, units: UnitResult[], snapshots: UnitSnapshot[] = []): AuditOutcome {
  const r = report(opts.asOf, units);
  mkdirSync(opts.outDir, { recursive: true });
  writeFileSync(join(opts.outDir, 'report.json'), JSON.stringify(r));
  return { report: r, outDir: opts.outDir, snapshots, rechecked: [] };
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
