import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RuleContext, RuleResult } from '../../rules/types.ts';
import { crawlUnits, type CrawlProgress, type CrawlRunOptions } from '../crawl/crawl-run.ts';
import { captureEvidence } from './evidence.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { writePdfReport } from '../browser/pdf.ts';
import { writeXlsxReport } from '../report/xlsx-report.ts';
import { DEFAULT_SCHEME, loadScheme } from '../config/scheme.ts';
import { readOverrides } from '../config/overrides.ts';
import type { AuditReport, UnitResult } from '../model/result.ts';
import { evaluateUnit, scoreUnits } from '../scoring/score.ts';
import { openStore } from '../store/store.ts';
import type { Unit, UnitSnapshot } from '../model/snapshot.ts';
import { nowIso } from '../lib/time.ts';
import { readUnitsCsv, selectUnits } from '../config/units.ts';

export { DEFAULT_SCHEME } from '../config/scheme.ts';

export interface AuditProgress {
  phase: 'crawl' | 'judge' | 'evidence' | 'report';
  unitsDone: number;
  unitsTotal: number;
  pages: number;
  errors: number;
  unitId?: string;
  message?: string;
  /** The crawler's own event, during the crawl phase. */
  crawl?: CrawlProgress;
}

export interface AuditOptions {
  unitsFile: string;
  only?: string[];
  asOf: string;
  year?: number;
  dataDir: string;
  outDir: string;
  concurrency?: number;
  /** Minimum spacing between requests to one host (politeness); the fetcher's default when absent. */
  minIntervalMs?: number;
  /** See every page now (on-demand audits): no reuse of the previous snapshot's unchanged lists. */
  fresh?: boolean;
  /** Crawler settings beyond the above (timeouts, tries, bounds), for the service and tests. */
  crawl?: Pick<CrawlRunOptions, 'fetch' | 'bounds' | 'browser' | 'unitConcurrency'>;
  fromStore?: boolean;
  schemeFile?: string;
  overridesFile?: string;
  screenshots?: boolean;
  formats?: ('json' | 'html' | 'xlsx' | 'pdf')[];
  /** Also write units/<id>.html, the per-unit report the office sends to each unit. */
  perUnitReports?: boolean;
  onProgress?: (p: AuditProgress) => void;
  /** One Chinese line per thing the office should know beyond the results (a stored snapshot that could not be read). */
  onWarning?: (line: string) => void;
  signal?: AbortSignal;
}

export interface AuditOutcome {
  report: AuditReport;
  outDir: string;
  snapshots: UnitSnapshot[];
}

/** Evaluation year: the year before the as-of date's year unless given. */
export function evaluationYear(asOf: string, year?: number): number {
  return year ?? Number(asOf.slice(0, 4)) - 1;
}

/**
 * crawl (or load) → rules → scoring → evidence → reports. The only place that
 * strings the stages together; each stage stays ignorant of the others.
 */
export async function runAudit(opts: AuditOptions): Promise<AuditOutcome> {
  const units = readUnitsCsv(opts.unitsFile);
  const selected = selectUnits(units, opts.only);
  const scheme = loadScheme(opts.schemeFile ?? DEFAULT_SCHEME);
  const overrides = opts.overridesFile ? readOverrides(opts.overridesFile) : [];
  const year = evaluationYear(opts.asOf, opts.year);
  const store = await openStore(opts.dataDir);
  const progress = opts.onProgress ?? (() => {});

  const crawlSettings = opts.crawl ?? {};
  const crawl = (which: Unit[], fresh = opts.fresh) =>
    crawlUnits(which, {
      ...crawlSettings,
      fetch: { ...crawlSettings.fetch, ...(opts.minIntervalMs !== undefined && { minIntervalMs: opts.minIntervalMs }) },
      bounds: { ...crawlSettings.bounds, ...(fresh && { reuseDays: 0 }) },
      store,
      scheme,
      concurrency: opts.concurrency,
      signal: opts.signal,
      onProgress: (p) => progress({ phase: 'crawl', ...p, crawl: p }),
      onWarning: opts.onWarning,
    });

  let snapshots: UnitSnapshot[];
  if (opts.fromStore) {
    // A damaged snapshot file costs its unit the previous snapshot, else a fresh crawl of that unit; never the run.
    const stored: (UnitSnapshot | null)[] = [];
    for (const unit of selected) {
      const snap = await store.latestSnapshot(unit.id, { onUnreadable: opts.onWarning });
      if (!snap && store.listSnapshots(unit.id).length === 0) {
        throw new Error(`数据目录 ${opts.dataDir} 中没有单位 ${unit.id}（${unit.name}）的抓取快照，请先运行 zwgk crawl 或去掉 --from-store`);
      }
      stored.push(snap);
    }
    const unreadable = selected.filter((_, i) => !stored[i]);
    const crawled = unreadable.length > 0 ? await crawl(unreadable, true) : [];
    snapshots = stored.map((snap) => snap ?? crawled.shift()!);
  } else {
    snapshots = await crawl(selected);
  }

  // Units outside --unit still count for the "not assessed → average" rule: judge their stored snapshots.
  const peers: UnitSnapshot[] = [];
  for (const unit of units) {
    if (selected.includes(unit)) continue;
    const snap = await store.latestSnapshot(unit.id, { onUnreadable: opts.onWarning });
    if (snap) peers.push(snap);
  }

  const portalHosts = [...new Set(units.map((u) => new URL(u.url).host))];
  const judged = [...snapshots, ...peers].map((snapshot, i) => {
    const ctx: RuleContext = { asOf: opts.asOf, year, scheme, portalHosts };
    const results: Map<string, RuleResult> = evaluateUnit(snapshot, ctx);
    progress({ phase: 'judge', unitsDone: i + 1, unitsTotal: snapshots.length + peers.length, pages: 0, errors: 0, unitId: snapshot.unit.id });
    return { snapshot, results };
  });
  const scored = scoreUnits(judged, scheme, overrides);
  const selectedIds = new Set(selected.map((u) => u.id));
  const unitResults = scored.filter((u) => selectedIds.has(u.id));

  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  if (opts.screenshots !== false) {
    await captureEvidence(unitResults, outDir, {
      signal: opts.signal,
      onProgress: (done: number, total: number) =>
        progress({ phase: 'evidence', unitsDone: done, unitsTotal: total, pages: 0, errors: 0 }),
    });
  }

  const report: AuditReport = {
    schemaVersion: 1,
    scheme: scheme.id,
    schemeTitle: scheme.title,
    year,
    asOf: opts.asOf,
    generatedAt: nowIso(),
    weight: scheme.weight,
    units: unitResults,
  };
  await writeReports(report, outDir, opts);
  progress({ phase: 'report', unitsDone: unitResults.length, unitsTotal: unitResults.length, pages: 0, errors: 0, message: outDir });
  return { report, outDir, snapshots };
}

async function writeReports(report: AuditReport, outDir: string, opts: AuditOptions): Promise<void> {
  const formats = new Set(opts.formats ?? ['json', 'html', 'xlsx']);
  // report.json is what other tools read: never half-written.
  await writeFileAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const htmlFile = join(outDir, 'report.html');
  if (formats.has('html') || formats.has('pdf')) await writeFileAtomic(htmlFile, renderHtmlReport(report));
  if (formats.has('xlsx')) await writeXlsxReport(report, join(outDir, 'report.xlsx'));
  if (formats.has('pdf')) await writePdfReport(htmlFile, join(outDir, 'report.pdf'));
  if (opts.perUnitReports || (opts.only && opts.only.length > 0)) {
    // Unit ids are checked safe ([A-Za-z0-9_-]) when the units file is read.
    for (const unit of report.units) {
      await writeFileAtomic(join(outDir, 'units', `${unit.id}.html`), renderHtmlReport(report, { unitId: unit.id, evidenceBase: '../' }));
    }
  }
}

export type { UnitResult };
