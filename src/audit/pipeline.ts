import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RuleContext, RuleResult } from '../../rules/types.ts';
import { crawlUnits } from '../crawl/crawl-run.ts';
import { captureEvidence } from '../evidence/screenshots.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import { writePdfReport } from '../report/pdf-report.ts';
import { writeXlsxReport } from '../report/xlsx-report.ts';
import { loadScheme, type Scheme } from '../scheme/scheme.ts';
import { readOverrides } from '../scoring/overrides.ts';
import type { AuditReport, UnitResult } from '../scoring/result.ts';
import { evaluateUnit, scoreUnits } from '../scoring/score.ts';
import { openStore } from '../store/store.ts';
import type { Unit, UnitSnapshot } from '../store/snapshot.ts';
import { nowIso } from '../time/shanghai.ts';
import { readUnitsCsv } from '../units/units-csv.ts';

export const DEFAULT_SCHEME = resolve(import.meta.dirname, '../../rules/schemes/yifeng-2020.yaml');

export interface AuditProgress {
  phase: 'crawl' | 'judge' | 'evidence' | 'report';
  unitsDone: number;
  unitsTotal: number;
  pages: number;
  errors: number;
  unitId?: string;
  message?: string;
}

export interface AuditOptions {
  unitsFile: string;
  only?: string[];
  asOf: string;
  year?: number;
  dataDir: string;
  outDir: string;
  concurrency?: number;
  fromStore?: boolean;
  schemeFile?: string;
  overridesFile?: string;
  screenshots?: boolean;
  formats?: ('json' | 'html' | 'xlsx' | 'pdf')[];
  /** Also write units/<id>.html, the per-unit report the office sends to each unit. */
  perUnitReports?: boolean;
  onProgress?: (p: AuditProgress) => void;
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

  let snapshots: UnitSnapshot[];
  if (opts.fromStore) {
    snapshots = [];
    for (const unit of selected) {
      const snap = await store.latestSnapshot(unit.id);
      if (!snap) throw new Error(`数据目录 ${opts.dataDir} 中没有单位 ${unit.id}（${unit.name}）的抓取快照，请先运行 zwgk crawl 或去掉 --from-store`);
      snapshots.push(snap);
    }
  } else {
    snapshots = await crawlUnits(selected, {
      store,
      scheme,
      concurrency: opts.concurrency,
      signal: opts.signal,
      onProgress: (p) => progress({ phase: 'crawl', ...p }),
    });
  }

  // Units outside --unit still count for the "not assessed → average" rule: judge their stored snapshots.
  const peers: UnitSnapshot[] = [];
  for (const unit of units) {
    if (selected.includes(unit)) continue;
    const snap = await store.latestSnapshot(unit.id);
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
  await writeReports(report, outDir, opts, scheme);
  progress({ phase: 'report', unitsDone: unitResults.length, unitsTotal: unitResults.length, pages: 0, errors: 0, message: outDir });
  return { report, outDir, snapshots };
}

function selectUnits(units: Unit[], only: string[] | undefined): Unit[] {
  if (!only || only.length === 0) return units;
  const byId = new Map(units.map((u) => [u.id, u]));
  return only.map((id) => {
    const unit = byId.get(id);
    if (!unit) throw new Error(`单位编号 ${id} 不在单位名单中（可用：${[...byId.keys()].join('、')}）`);
    return unit;
  });
}

async function writeReports(report: AuditReport, outDir: string, opts: AuditOptions, _scheme: Scheme): Promise<void> {
  const formats = new Set(opts.formats ?? ['json', 'html', 'xlsx']);
  // report.json is what other tools read: write it atomically.
  writeAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const htmlFile = join(outDir, 'report.html');
  if (formats.has('html') || formats.has('pdf')) writeAtomic(htmlFile, renderHtmlReport(report));
  if (formats.has('xlsx')) await writeXlsxReport(report, join(outDir, 'report.xlsx'));
  if (formats.has('pdf')) await writePdfReport(htmlFile, join(outDir, 'report.pdf'));
  if (opts.perUnitReports || (opts.only && opts.only.length > 0)) {
    mkdirSync(join(outDir, 'units'), { recursive: true });
    for (const unit of report.units) {
      writeAtomic(join(outDir, 'units', `${unit.id}.html`), renderHtmlReport(report, { unitId: unit.id }));
    }
  }
}

function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

export type { UnitResult };
