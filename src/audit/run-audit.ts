import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writePdfReport } from '../browser/pdf.ts';
import { loadAuditInputs, portalHosts, type AuditInputs, type InputFiles } from '../config/inputs.ts';
import { crawlEach, type CrawlProgress, type CrawlRunOptions, type crawlUnits } from '../crawl/crawl-run.ts';
import { ruleCatalog } from '../judge/catalog.ts';
import { planGather } from '../judge/gather-plan.ts';
import { judgeUnit } from '../judge/run-rules.ts';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { nowIso } from '../lib/time.ts';
import type { JudgedUnit } from '../model/judged.ts';
import type { AuditReport, UnitResult } from '../model/result.ts';
import type { Unit, UnitSnapshot } from '../model/snapshot.ts';
import { NetworkPolicy } from '../net/policy.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import { writeXlsxReport } from '../report/xlsx-report.ts';
import { scoreUnits } from '../scoring/score.ts';
import { dismissals, recheck } from '../review/apply.ts';
import { openReviewStore, type ReviewChange } from '../store/review-store.ts';
import { openStoreAt } from '../store/open-store.ts';
import { captureEvidence } from './evidence.ts';

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
  asOf: string;
  year?: number;
  dataDir: string;
  outDir: string;
  concurrency?: number;
  /** Least time between two request starts on one host (--min-interval); default 100 ms. */
  minIntervalMs?: number;
  /** Hosts (`host[:port]`) link checks may reach whatever their address (--allow-host, allowHosts:). */
  allowHosts?: string[];
  /** Where the service itself listens (zwgk serve): never a link-check target. */
  ownAddresses?: { host: string; port: number }[];
  /** Accept invalid certificates (operator's choice; default off). */
  ignoreHttpsErrors?: boolean;
  /** See every page now (on-demand audits): no reuse of the previous snapshot's unchanged lists. */
  fresh?: boolean;
  /** Crawler settings beyond the above (timeouts, tries, bounds), for the service and tests. */
  crawl?: Pick<CrawlRunOptions, 'fetch' | 'bounds' | 'browser' | 'unitConcurrency'>;
  fromStore?: boolean;
  /** Where snapshots live when not in `dataDir`: a `postgres://` address (--store). */
  store?: string;
  /** Another crawler with crawlUnits' contract: the queue's (src/queue/distributed-crawl.ts) under --queue. */
  crawlUnits?: typeof crawlUnits;
  screenshots?: boolean;
  formats?: ('json' | 'html' | 'xlsx' | 'pdf')[];
  /** Also write units/<id>.html, the per-unit report the office sends to each unit (always, for an audit of named units). */
  perUnitReports?: boolean;
  /**
   * Hand back the selected units' snapshots in the outcome (the service's history
   * reads their columns). Off: none is held past its judging, so memory stays flat.
   */
  keepSnapshots?: boolean;
  onProgress?: (p: AuditProgress) => void;
  /** One Chinese line per thing the office should know beyond the results (a stored snapshot that could not be read). */
  onWarning?: (line: string) => void;
  signal?: AbortSignal;
}

/** An audit described by its input files (what the service queues): loaded when it starts. */
export type AuditRequest = InputFiles & AuditOptions;

export interface AuditOutcome {
  report: AuditReport;
  outDir: string;
  /** The selected units' snapshots, in their order, with `keepSnapshots`; else empty. */
  snapshots: UnitSnapshot[];
  /** Review states the audit changed (复查通过 / 复查未通过 of findings reported fixed). */
  rechecked: ReviewChange[];
}

/** Evaluation year: the year before the as-of date's year unless given. */
export function evaluationYear(asOf: string, year?: number): number {
  return year ?? Number(asOf.slice(0, 4)) - 1;
}

/** Reads the request's input files, then runs the audit; an audit of named units also writes their own reports. */
export function runAuditRequest(request: AuditRequest): Promise<AuditOutcome> {
  return runAudit(loadAuditInputs(request), { ...request, perUnitReports: request.perUnitReports || Boolean(request.only?.length) });
}

/**
 * crawl (or load) → judge → score → evidence → reports, over inputs already
 * loaded and checked. The only place that strings the stages together; each
 * stage stays ignorant of the others.
 */
export async function runAudit(inputs: AuditInputs, opts: AuditOptions): Promise<AuditOutcome> {
  const { units, selected, scheme, overrides } = inputs;
  // One policy for the crawl, the link checks and the screenshots (the PDF printer allows no host at all).
  const { allowHosts, ownAddresses, minIntervalMs, ignoreHttpsErrors } = opts;
  const policy = NetworkPolicy.forUnits(units, { allowHosts, ownAddresses, minIntervalMs, ignoreHttpsErrors });
  const year = evaluationYear(opts.asOf, opts.year);
  const store = await openStoreAt(opts.store ?? opts.dataDir);
  const progress = opts.onProgress ?? (() => {});

  const crawlSettings = opts.crawl ?? {};
  // A queue crawler (opts.crawlUnits) hands all its snapshots back at the end; the one-process crawl hands each over as it is saved.
  const crawl = async (which: Unit[], onSnapshot: (snap: UnitSnapshot, i: number) => void, fresh = opts.fresh) => {
    const options: CrawlRunOptions = {
      ...crawlSettings,
      policy,
      bounds: { ...crawlSettings.bounds, ...(fresh && { reuseDays: 0 }) },
      store,
      plan: planGather(scheme),
      concurrency: opts.concurrency,
      signal: opts.signal,
      onProgress: (p) => progress({ phase: 'crawl', ...p, crawl: p }),
      onWarning: opts.onWarning,
    };
    if (opts.crawlUnits) (await opts.crawlUnits(which, options)).forEach(onSnapshot);
    else await crawlEach(which, options, onSnapshot);
  };

  // Each snapshot is judged as soon as it is at hand and then let go: only the judged results stay (flat memory).
  const ctx = { asOf: opts.asOf, year, scheme, portalHosts: portalHosts(units) };
  const judgedSelected: JudgedUnit[] = new Array(selected.length);
  const kept: UnitSnapshot[] = [];
  // When each unit's crawl began: a reply to a finding is re-checked only by a crawl after it.
  const crawledAt = new Map<string, string>();
  const judgeSelected = (snapshot: UnitSnapshot, i: number) => {
    judgedSelected[i] = judgeUnit(snapshot, ctx);
    crawledAt.set(snapshot.unit.id, snapshot.startedAt);
    if (opts.keepSnapshots) kept[i] = snapshot;
  };
  const hasSnapshots = async (u: Unit) => (await store.listSnapshots(u.id)).length > 0;
  // Units outside --unit still count for the "not assessed → average" rule: judge their stored snapshots.
  const peers: Unit[] = [];
  for (const u of units) if (!selected.includes(u) && (await hasSnapshots(u))) peers.push(u);
  const judgeTotal = selected.length + peers.length;
  let judgedCount = 0;
  const judgeProgress = (unitId: string) => progress({ phase: 'judge', unitsDone: ++judgedCount, unitsTotal: judgeTotal, pages: 0, errors: 0, unitId });

  if (opts.fromStore) {
    let missing: Unit | undefined;
    for (const u of selected) if (!missing && !(await hasSnapshots(u))) missing = u;
    if (missing) throw new Error(`数据目录 ${opts.dataDir} 中没有单位 ${missing.id}（${missing.name}）的抓取快照，请先运行 zwgk crawl 或去掉 --from-store`);
    // A damaged snapshot file costs its unit the previous snapshot, else a fresh crawl of that unit; never the run.
    const unreadable: number[] = [];
    for (const [i, unit] of selected.entries()) {
      const snap = await store.latestSnapshot(unit.id, { onUnreadable: opts.onWarning });
      if (!snap) {
        unreadable.push(i);
        continue;
      }
      judgeSelected(snap, i);
      judgeProgress(unit.id);
    }
    if (unreadable.length > 0) await crawl(unreadable.map((i) => selected[i]!), (snap, j) => judgeSelected(snap, unreadable[j]!), true);
  } else {
    await crawl(selected, judgeSelected);
  }

  const judgedPeers: JudgedUnit[] = [];
  for (const unit of peers) {
    const snap = await store.latestSnapshot(unit.id, { onUnreadable: opts.onWarning });
    if (!snap) continue;
    judgedPeers.push(judgeUnit(snap, ctx));
    judgeProgress(unit.id);
  }
  const judged = [...judgedSelected, ...judgedPeers];
  const selectedIds = new Set(selected.map((u) => u.id));
  // 误报 findings leave the score like waivers; the overrides file's decisions stand beside them.
  const reviews = await openReviewStore(opts.dataDir);
  const unitResults: UnitResult[] = scoreUnits(judged, scheme, [...dismissals(reviews, units.map((u) => u.id)), ...overrides]).filter((u) => selectedIds.has(u.id));

  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  if (opts.screenshots !== false) {
    await captureEvidence(unitResults, outDir, {
      policy,
      signal: opts.signal,
      onProgress: (done: number, total: number) =>
        progress({ phase: 'evidence', unitsDone: done, unitsTotal: total, pages: 0, errors: 0 }),
    });
  }

  const report: AuditReport = {
    schemaVersion: 1,
    scheme: scheme.id,
    schemeTitle: scheme.title,
    ...(scheme.county !== undefined ? { county: scheme.county } : {}),
    ...(scheme.issuer !== undefined ? { issuer: scheme.issuer } : {}),
    year,
    asOf: opts.asOf,
    generatedAt: nowIso(),
    weight: scheme.weight,
    rules: ruleCatalog(scheme),
    units: unitResults,
  };
  const { changes: rechecked, audits } = recheck(reviews, report, crawledAt, report.generatedAt, outDir);
  await writeReports(report, outDir, opts);
  // A reviewer's change made while the audit ran stands over its re-check.
  await reviews.append(rechecked, audits, { onStale: 'skip' });
  progress({ phase: 'report', unitsDone: unitResults.length, unitsTotal: unitResults.length, pages: 0, errors: 0, message: outDir });
  return { report, outDir, snapshots: kept, rechecked };
}

async function writeReports(report: AuditReport, outDir: string, opts: AuditOptions): Promise<void> {
  const formats = new Set(opts.formats ?? ['json', 'html', 'xlsx']);
  // report.json is what other tools read: never half-written.
  await writeFileAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const htmlFile = join(outDir, 'report.html');
  if (formats.has('html') || formats.has('pdf')) await writeFileAtomic(htmlFile, renderHtmlReport(report));
  if (formats.has('xlsx')) await writeXlsxReport(report, join(outDir, 'report.xlsx'));
  if (formats.has('pdf')) await writePdfReport(htmlFile, join(outDir, 'report.pdf'));
  if (opts.perUnitReports) {
    // Unit ids are checked safe ([A-Za-z0-9_-]) when the units file is read.
    for (const unit of report.units) {
      await writeFileAtomic(join(outDir, 'units', `${unit.id}.html`), renderHtmlReport(report, { unitId: unit.id, evidenceBase: '../' }));
    }
  }
}

export type { UnitResult };
