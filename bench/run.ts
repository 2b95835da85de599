/**
 * `npm run bench`: zwgk's crawler against a synthetic county portal on
 * 127.0.0.1, each figure next to a reference measured in the same run
 * (Crawlee's CheerioCrawler doing the same crawl, the latency bound, the
 * full crawl). Every crawler runs in its own child process so CPU and peak
 * RSS are its own. Writes bench/results/<date>.json and bench/results/latest.md
 * and prints the table.
 *
 *   npm run bench                      100 units × 25 columns × 3 pages; medians of 3 for the
 *                                      Crawlee comparison and re-judging, one run of the heavy crawls
 *                                      (--runs N, --heavy-runs N to change)
 *   npm run bench -- --quick           20 units × 10 columns × 3 pages, one run each
 *   npm run bench -- --only full0,nightly --runs 1 --units 50
 *   npm run bench -- --quick --profile  also CPU-profiles zwgk's crawls and prints where the time goes
 *   npm run bench -- --src ../other     measures the crawler of another checkout (try a change)
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatProfile, summarizeProfile } from './cpuprofile.ts';
import { SyntheticPortal, type PortalCounters, type PortalOptions } from './portal.ts';
import type { ChildJob, ChildResult } from './zwgk-child.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const AS_OF = '2021-01-20';
const SCENARIOS = ['full0', 'product', 'nightly', 'rejudge', 'latency', 'client', 'browser'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Settings {
  quick: boolean;
  units: number;
  columns: number;
  pages: number;
  items: number;
  /** Runs of the light measurements (full crawl vs Crawlee, re-judge): medians of these. */
  runs: number;
  /** Runs of the heavy ones (product crawl, nightly re-crawls, 50 ms crawl). */
  heavyRuns: number;
  concurrency: number;
  serverConcurrency: number;
  latencyMs: number;
  clientUnits: number;
  browserColumns: number;
  only: Set<Scenario>;
  /** Directory for .cpuprofile files of zwgk's children, when profiling. */
  profileDir: string | null;
  /** Root of the checkout whose crawler is measured (default: this one). */
  src: string | null;
}

interface Row {
  id: string;
  label: string;
  value: number | null;
  unit: string;
  reference: number | null;
  referenceLabel: string;
  ratio: number | null;
  target: string;
  /** null: no target, figure only. */
  met: boolean | null;
  note?: string;
}

interface CrawlMeasurement {
  crawler: 'zwgk' | 'crawlee';
  wallMs: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /** Documents the server answered (pages, list endpoints, articles), counted on the server. */
  served: number;
  /** Every request the server saw, robots.txt and 304s included. */
  requests: number;
  notModified: number;
  items: number;
  expectedItems: number;
  child: Omit<ChildResult, 'crawl'> & { crawl?: Omit<NonNullable<ChildResult['crawl']>, 'itemsByColumn'> } & Record<string, unknown>;
}

function settingsFromArgs(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      units: { type: 'string' },
      columns: { type: 'string' },
      pages: { type: 'string' },
      items: { type: 'string' },
      runs: { type: 'string' },
      'heavy-runs': { type: 'string' },
      concurrency: { type: 'string' },
      'server-concurrency': { type: 'string' },
      latency: { type: 'string' },
      'client-units': { type: 'string' },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      src: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const num = (v: string | undefined, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`not a whole number: ${v}`);
    return n;
  };
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...SCENARIOS];
  for (const s of only) if (!SCENARIOS.includes(s as Scenario)) throw new Error(`unknown scenario ${s} (known: ${SCENARIOS.join(', ')})`);
  return {
    quick,
    units: num(values.units, quick ? 20 : 100),
    columns: num(values.columns, quick ? 10 : 25),
    pages: num(values.pages, 3),
    items: num(values.items, 20),
    runs: Math.max(1, num(values.runs, quick ? 1 : 3)),
    heavyRuns: Math.max(1, num(values['heavy-runs'], 1)),
    concurrency: Math.max(1, num(values.concurrency, 8)),
    serverConcurrency: num(values['server-concurrency'], 0),
    latencyMs: num(values.latency, 50),
    clientUnits: num(values['client-units'], quick ? 5 : 20),
    browserColumns: 6,
    only: new Set(only as Scenario[]),
    profileDir: values.profile ? join(RESULTS, 'profiles') : null,
    src: values.src ? resolve(values.src) : null,
  };
}

// ------------------------------------------------------------------ children

interface ChildSpec {
  script: string;
  arg: unknown;
  tsx: boolean;
  timeoutMs: number;
  /** Write a .cpuprofile here, named after `profileName`. */
  profile?: { dir: string; name: string };
  /** Checkout whose code zwgk-child.ts loads. */
  src?: string | null;
}

/** Runs one child process and returns what it sent over IPC; the child's stderr tail explains a failure. */
function runChild<T>(spec: ChildSpec): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(join(ROOT, 'bench', spec.script), [JSON.stringify(spec.arg)], {
      cwd: ROOT,
      execArgv: [
        ...(spec.tsx ? ['--import', 'tsx'] : []),
        // One directory per child: tsx's loader runs in a worker thread, which writes a profile of its own.
        ...(spec.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(spec.profile.dir, spec.profile.name)}`] : []),
      ],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...process.env,
        CRAWLEE_STORAGE_DIR: join(os.tmpdir(), `crawlee-bench-${process.pid}`),
        ...(spec.src ? { ZWGK_BENCH_ROOT: spec.src } : {}),
      },
    });
    let stderr = '';
    let result: T | undefined;
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.stdout!.on('data', () => {});
    child.on('message', (m) => {
      result = m as T;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result !== undefined) resolvePromise(result);
      else {
        const why = signal ? `killed by ${signal}${signal === 'SIGKILL' ? ' (timeout)' : ''}` : `exit code ${code}`;
        // The thrown error's own line says more than the stack under it.
        const lines = stderr.trim().split('\n');
        const cause = lines.find((l) => /\b\w*Error\b/.test(l)) ?? lines[lines.length - 1] ?? '';
        reject(new Error(`${spec.script}: ${why}${cause ? `: ${cause.trim()}` : ''}`));
      }
    });
  });
}

/** A child's time: 15 minutes, or 0.36 s per column for large portals (a 500-unit product crawl on a busy machine needs more). */
const timeout = (s: Settings) => Math.max(15 * 60_000, s.units * s.columns * 360);

type ZwgkMeasurement = CrawlMeasurement & { itemsByColumn: Record<string, number>; counters: PortalCounters };

let profileCount = 0;
const profiles: { label: string; dir: string }[] = [];

/** What a child measured and what the server counted meanwhile. */
function measurement(crawler: CrawlMeasurement['crawler'], r: { wallMs: number; cpuSeconds: number; peakRssBytes: number }, counters: PortalCounters, portal: SyntheticPortal, items: number): Omit<CrawlMeasurement, 'child'> {
  return {
    crawler,
    wallMs: r.wallMs,
    cpuSeconds: r.cpuSeconds,
    peakRssBytes: r.peakRssBytes,
    served: documents(counters),
    requests: counters.total,
    notModified: counters.notModified,
    items,
    expectedItems: portal.expectedItems(),
  };
}

/** `articles: false` = lists only, the reference crawler's job; true = the product's crawl (lists + the articles rules need). */
async function crawlWithZwgk(portal: SyntheticPortal, unitsFile: string, dataDir: string, s: Settings, articles: boolean, profileLabel = 'crawl'): Promise<ZwgkMeasurement> {
  portal.resetCounters();
  const job: ChildJob = { mode: 'crawl', unitsFile, dataDir, concurrency: s.concurrency, minIntervalMs: 0, articles };
  const profile = s.profileDir ? { dir: s.profileDir, name: `${profileLabel}-${++profileCount}` } : undefined;
  const r = await runChild<ChildResult>({ script: 'zwgk-child.ts', arg: job, tsx: true, timeoutMs: timeout(s), profile, src: s.src });
  if (profile) profiles.push({ label: profileLabel, dir: join(profile.dir, profile.name) });
  const counters = portal.resetCounters();
  const { itemsByColumn, ...crawl } = r.crawl!;
  return { ...measurement('zwgk', r, counters, portal, crawl.items), child: { ...r, crawl }, itemsByColumn, counters };
}

async function crawlWithCrawlee(portal: SyntheticPortal, s: Settings): Promise<CrawlMeasurement> {
  portal.resetCounters();
  const r = await runChild<{ wallMs: number; cpuSeconds: number; peakRssBytes: number; pages: number; items: number; failed: number }>({
    script: 'crawlee-child.mjs',
    arg: { units: portal.units.map((u) => ({ url: u.url })), concurrency: s.concurrency },
    tsx: false,
    timeoutMs: timeout(s),
  });
  return { ...measurement('crawlee', r, portal.resetCounters(), portal, r.items), child: r };
}

function documents(c: PortalCounters): number {
  return c.total - c.byKind.robots - c.byKind.asset - c.notModified;
}

// ------------------------------------------------------------------ helpers

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const MB = 1024 * 1024;
const pagesPerSec = (m: CrawlMeasurement) => m.served / (m.wallMs / 1000);
const cpuPer1000 = (m: CrawlMeasurement) => (m.cpuSeconds / m.served) * 1000;

function row(r: Omit<Row, 'ratio'> & { ratio?: number | null }): Row {
  const ratio = r.ratio !== undefined ? r.ratio : r.value !== null && r.reference ? r.value / r.reference : null;
  return { ...r, ratio };
}

function errorRow(id: string, label: string, err: unknown): Row {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n');
  return { id, label, value: null, unit: '', reference: null, referenceLabel: '', ratio: null, target: '', met: false, note: `error: ${msg.slice(0, 3).join(' | ')}` };
}

function fresh(work: string, name: string): string {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

// ------------------------------------------------------------------ scenarios

interface Context {
  s: Settings;
  work: string;
  rows: Row[];
  raw: Record<string, unknown>;
  /** zwgk's product crawl at 0 ms (median figures), the reference for later rows. */
  zwgkFull?: { wallMs: number; pagesPerSec: number; requestsPerColumn: number };
  /** A data directory holding a complete product crawl of the main portal. */
  baseStore?: string;
  listOnlyPagesPerSec?: number;
}

function portalOptions(s: Settings, extra: Partial<PortalOptions> = {}): PortalOptions {
  return { units: s.units, columns: s.columns, pagesPerColumn: s.pages, itemsPerPage: s.items, latencyMs: 0, serverConcurrency: s.serverConcurrency, ...extra };
}

const med = (ms: CrawlMeasurement[], f: (m: CrawlMeasurement) => number) => (ms.length ? median(ms.map(f)) : null);
const atMost = (v: number | null, limit: number | null) => v !== null && limit !== null && v <= limit;
const itemsNote = (ms: CrawlMeasurement[]) => (ms.length ? `${median(ms.map((m) => m.items))}/${ms[0]!.expectedItems} items` : 'no run');

/** The same crawl by both: lists only (index → columns → 下一页), alternating runs. */
async function scenarioFull0(ctx: Context, portal: SyntheticPortal, unitsFile: string): Promise<void> {
  const { s } = ctx;
  const zw: ZwgkMeasurement[] = [];
  const cr: CrawlMeasurement[] = [];
  const errors: unknown[] = [];
  for (let i = 0; i < s.runs; i++) {
    // Alternate, so drift over the run (thermal, page cache) hits both alike.
    try {
      log(`full crawl 0 ms, run ${i + 1}/${s.runs}: Crawlee`);
      cr.push(await crawlWithCrawlee(portal, s));
    } catch (err) {
      errors.push(err);
    }
    try {
      log(`full crawl 0 ms, run ${i + 1}/${s.runs}: zwgk (lists only)`);
      zw.push(await crawlWithZwgk(portal, unitsFile, fresh(ctx.work, `full0-${i}`), s, false, 'lists-only'));
    } catch (err) {
      errors.push(err);
    }
  }
  ctx.raw.full0 = { zwgk: zw.map(strip), crawlee: cr.map(strip), errors: errors.map(String) };
  if (errors.length) ctx.rows.push(errorRow('full0', 'full crawl at 0 ms', errors[0]));
  const zwPps = med(zw, pagesPerSec);
  const crPps = med(cr, pagesPerSec);
  const zwRss = med(zw, (m) => m.peakRssBytes / MB);
  const crRss = med(cr, (m) => m.peakRssBytes / MB);
  if (zwPps !== null) ctx.listOnlyPagesPerSec = zwPps;
  const incomplete = zw.some((m) => m.items < m.expectedItems);
  const perCpu = (ms: CrawlMeasurement[]) => (ms.length ? median(ms.map((m) => m.served / m.cpuSeconds)).toFixed(0) : '-');
  const note =
    `same crawl (lists only): zwgk ${itemsNote(zw)}, ${med(zw, (m) => m.served) ?? '-'} documents, ${perCpu(zw)} pages per CPU second; ` +
    `Crawlee ${itemsNote(cr)}, ${med(cr, (m) => m.served) ?? '-'} documents, ${perCpu(cr)} pages per CPU second`;
  ctx.rows.push(
    row({
      id: 'full0.pagesPerSec', label: 'full crawl (lists only), 0 ms: pages/s', value: zwPps, unit: 'pages/s',
      reference: crPps, referenceLabel: 'Crawlee', target: '≥ 3 × Crawlee',
      met: zwPps !== null && crPps !== null && zwPps >= 3 * crPps && !incomplete,
      note: incomplete ? `${note} — zwgk missed items` : note,
    }),
    row({
      id: 'full0.cpu', label: 'full crawl (lists only), 0 ms: CPU seconds', value: med(zw, (m) => m.cpuSeconds), unit: 's',
      reference: med(cr, (m) => m.cpuSeconds), referenceLabel: 'Crawlee', target: '—', met: null,
    }),
    row({
      id: 'full0.cpuPer1000', label: 'full crawl (lists only), 0 ms: CPU seconds per 1 000 pages', value: med(zw, cpuPer1000), unit: 's',
      reference: med(cr, cpuPer1000), referenceLabel: 'Crawlee', target: '—', met: null,
    }),
    row({
      id: 'full0.rss', label: 'full crawl (lists only), 0 ms: peak RSS', value: zwRss, unit: 'MB',
      reference: crRss, referenceLabel: 'Crawlee', target: '≤ 0.4 × Crawlee', met: atMost(zwRss, crRss === null ? null : 0.4 * crRss),
    }),
  );
}

/** What the nightly run really does: lists plus the articles rules need, into a fresh store (kept for the next scenarios). */
async function scenarioProduct(ctx: Context, portal: SyntheticPortal, unitsFile: string): Promise<void> {
  const { s } = ctx;
  const runs: ZwgkMeasurement[] = [];
  for (let i = 0; i < s.heavyRuns; i++) {
    log(`product crawl 0 ms (lists + articles), run ${i + 1}/${s.heavyRuns}`);
    const dir = fresh(ctx.work, `product-${i}`);
    runs.push(await crawlWithZwgk(portal, unitsFile, dir, s, true, 'product'));
    ctx.baseStore = dir;
  }
  ctx.raw.product = runs.map(strip);
  const rss = median(runs.map((m) => m.peakRssBytes / MB));
  const flat = await productAtSizes(ctx, portal, rss);
  const columns = s.units * s.columns;
  const pps = median(runs.map(pagesPerSec));
  ctx.zwgkFull = { wallMs: median(runs.map((m) => m.wallMs)), pagesPerSec: pps, requestsPerColumn: median(runs.map((m) => m.requests / columns)) };
  const articles = median(runs.map((m) => m.child.crawl?.articles ?? 0));
  ctx.rows.push(
    row({
      id: 'product.pagesPerSec', label: 'product crawl (lists + articles rules need), 0 ms: pages/s', value: pps, unit: 'pages/s',
      reference: ctx.listOnlyPagesPerSec ?? null, referenceLabel: 'lists only', target: '—', met: null,
      note: `${median(runs.map((m) => m.served))} documents (${articles} articles), ${itemsNote(runs)}, ${(ctx.zwgkFull.wallMs / 1000).toFixed(1)} s, CPU ${median(runs.map((m) => m.cpuSeconds)).toFixed(1)} s, ${ctx.zwgkFull.requestsPerColumn.toFixed(2)} requests/column`,
    }),
    row({
      id: 'product.rss', label: `peak RSS, ${s.units}-unit product crawl`, value: rss, unit: 'MB',
      reference: 200, referenceLabel: 'budget', target: '≤ 200 MB', met: rss <= 200,
    }),
    ...flat,
  );
}

/**
 * Flatness: the product crawl's peak RSS at 20 and 100 units (those below
 * --units; the first units of the same portal) beside the full size's.
 */
async function productAtSizes(ctx: Context, portal: SyntheticPortal, fullRss: number): Promise<Row[]> {
  const { s } = ctx;
  const sizes = [20, 100].filter((n) => n < s.units);
  if (sizes.length === 0) return [];
  const bySize: Record<number, number> = { [s.units]: fullRss };
  for (const n of sizes) {
    log(`product crawl 0 ms, first ${n} units (memory flatness)`);
    const unitsFile = join(ctx.work, `units-${n}.csv`);
    writeFileSync(unitsFile, portal.unitsCsv(n));
    const m = await crawlWithZwgk(portal, unitsFile, fresh(ctx.work, `product-size-${n}`), s, true, `product-${n}`);
    bySize[n] = m.peakRssBytes / MB;
  }
  ctx.raw.productRssBySize = bySize;
  const smallest = bySize[sizes[0]!]!;
  const growth = fullRss / smallest;
  return [
    row({
      id: 'product.rssFlat', label: `peak RSS of the product crawl, ${[...sizes, s.units].map((n) => `${n}`).join(' / ')} units`, value: fullRss, unit: 'MB',
      reference: smallest, referenceLabel: `${sizes[0]} units`, ratio: growth, target: `≤ 1.1 × from ${sizes[0]} to ${s.units} units`, met: growth <= 1.1,
      note: Object.entries(bySize).map(([n, mb]) => `${n} units ${mb.toFixed(0)} MB`).join(', '),
    }),
  ];
}

async function scenarioNightly(ctx: Context, portal: SyntheticPortal, unitsFile: string): Promise<void> {
  const { s } = ctx;
  if (!ctx.baseStore) {
    log('nightly: first a full crawl to have something stored');
    ctx.baseStore = fresh(ctx.work, 'base');
    await crawlWithZwgk(portal, unitsFile, ctx.baseStore, s, true);
  }
  const columns = s.units * s.columns;
  const expected = portal.itemCounts();
  const missing = (byColumn: Record<string, number>) => Object.entries(expected).filter(([k, n]) => (byColumn[k] ?? 0) < n).length;

  const unchanged: (CrawlMeasurement & { missingColumns: number })[] = [];
  for (let i = 0; i < s.heavyRuns; i++) {
    log(`nightly re-crawl, unchanged portal, run ${i + 1}/${s.heavyRuns}`);
    const m = await crawlWithZwgk(portal, unitsFile, ctx.baseStore, s, true, 'nightly-unchanged');
    unchanged.push({ ...m, missingColumns: missing(m.itemsByColumn) });
  }
  const changed: (CrawlMeasurement & { missingColumns: number; changedColumns: number; changedSeen: number })[] = [];
  for (let i = 0; i < s.heavyRuns; i++) {
    const keys = portal.addItems(0.05, i + 1);
    const now = portal.itemCounts();
    log(`nightly re-crawl, ${keys.length} columns (5 %) gained an item, run ${i + 1}/${s.heavyRuns}`);
    const m = await crawlWithZwgk(portal, unitsFile, ctx.baseStore, s, true, 'nightly-changed');
    const seen = keys.filter((k) => (m.itemsByColumn[k] ?? 0) >= now[k]!).length;
    changed.push({ ...m, missingColumns: Object.entries(now).filter(([k, n]) => (m.itemsByColumn[k] ?? 0) < n).length, changedColumns: keys.length, changedSeen: seen });
  }
  ctx.raw.nightly = { unchanged: unchanged.map(strip), changed: changed.map(strip) };
  const full = ctx.zwgkFull;
  const rpc = (ms: CrawlMeasurement[]) => median(ms.map((m) => m.requests / columns));
  const u = rpc(unchanged);
  const c = rpc(changed);
  const uMissing = Math.max(...unchanged.map((m) => m.missingColumns));
  const cMissing = Math.max(...changed.map((m) => m.missingColumns));
  const cSeen = `${Math.min(...changed.map((m) => m.changedSeen))}/${changed[0]!.changedColumns} changed columns complete`;
  ctx.rows.push(
    row({
      id: 'nightly.unchanged.requestsPerColumn', label: 'nightly re-crawl, unchanged: requests/column', value: u, unit: 'req/col',
      reference: full?.requestsPerColumn ?? null, referenceLabel: 'full crawl', target: '≤ 1.1', met: u <= 1.1 && uMissing === 0,
      note: `${median(unchanged.map((m) => m.notModified))} answered 304; snapshots missing items in ${uMissing} columns`,
    }),
    row({
      id: 'nightly.unchanged.wall', label: 'nightly re-crawl, unchanged: wall time', value: median(unchanged.map((m) => m.wallMs)) / 1000, unit: 's',
      reference: full ? full.wallMs / 1000 : null, referenceLabel: 'full crawl', target: '—', met: null,
    }),
    row({
      id: 'nightly.changed.requestsPerColumn', label: 'nightly re-crawl, 5 % changed: requests/column', value: c, unit: 'req/col',
      reference: full?.requestsPerColumn ?? null, referenceLabel: 'full crawl', target: '≤ 1.2', met: c <= 1.2 && cMissing === 0,
      note: `${cSeen}; snapshots missing items in ${cMissing} columns`,
    }),
    row({
      id: 'nightly.changed.wall', label: 'nightly re-crawl, 5 % changed: wall time', value: median(changed.map((m) => m.wallMs)) / 1000, unit: 's',
      reference: full ? full.wallMs / 1000 : null, referenceLabel: 'full crawl', target: '—', met: null,
    }),
  );
}

async function scenarioRejudge(ctx: Context, portal: SyntheticPortal, unitsFile: string): Promise<void> {
  const { s } = ctx;
  if (!ctx.baseStore) {
    ctx.baseStore = fresh(ctx.work, 'base');
    await crawlWithZwgk(portal, unitsFile, ctx.baseStore, s, true);
  }
  const runs: ChildResult[] = [];
  for (let i = 0; i < s.runs; i++) {
    log(`re-judge ${s.units} units from the store, run ${i + 1}/${s.runs}`);
    const job: ChildJob = { mode: 'rejudge', unitsFile, dataDir: ctx.baseStore, asOf: AS_OF };
    runs.push(await runChild<ChildResult>({ script: 'zwgk-child.ts', arg: job, tsx: true, timeoutMs: timeout(s), src: s.src }));
  }
  log('re-judge through the CLI (end to end, html+xlsx too)');
  const cli = await timeCli(s.src ?? ROOT, ['audit', '--units', unitsFile, '--as-of', AS_OF, '--data', ctx.baseStore, '--from-store', '--no-screenshots', '--out', fresh(ctx.work, 'cli-report')]);
  ctx.raw.rejudge = { runs, cli };
  const secs = median(runs.map((r) => r.wallMs)) / 1000;
  const rejudgeLimit = s.units / 100;
  ctx.rows.push(
    row({
      id: 'rejudge', label: `re-judge ${runs[0]!.judged} units from the store (runAudit, json)`, value: secs, unit: 's',
      reference: ctx.zwgkFull ? ctx.zwgkFull.wallMs / 1000 : null, referenceLabel: 'full crawl',
      target: `≤ ${rejudgeLimit} s (1 s per 100 units)`, met: secs <= rejudgeLimit,
      note: `CPU ${median(runs.map((r) => r.cpuSeconds)).toFixed(2)} s, peak RSS ${(median(runs.map((r) => r.peakRssBytes)) / MB).toFixed(0)} MB`,
    }),
    row({
      id: 'rejudge.cli', label: '`zwgk audit --from-store --no-screenshots` end to end (json+html+xlsx)', value: cli.ok ? cli.wallMs / 1000 : null, unit: 's',
      reference: secs, referenceLabel: 'runAudit', target: '—', met: null, note: cli.ok ? undefined : `exit ${cli.code}: ${cli.stderr}`,
    }),
  );
}

function timeCli(root: string, args: string[]): Promise<{ ok: boolean; code: number | null; wallMs: number; stderr: string }> {
  return new Promise((resolvePromise) => {
    const t0 = performance.now();
    const child = fork(join(root, 'bin', 'zwgk.js'), args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on('exit', (code) => {
      resolvePromise({ ok: code === 0, code, wallMs: performance.now() - t0, stderr: stderr.trim().split('\n').slice(-3).join(' | ') });
    });
  });
}

async function scenarioLatency(ctx: Context, portal: SyntheticPortal, unitsFile: string): Promise<void> {
  const { s } = ctx;
  portal.setLatency(s.latencyMs);
  const runs: (CrawlMeasurement & { boundMs: number })[] = [];
  try {
    for (let i = 0; i < s.heavyRuns; i++) {
      log(`full crawl at ${s.latencyMs} ms latency, concurrency ${s.concurrency}, run ${i + 1}/${s.heavyRuns}`);
      const m = await crawlWithZwgk(portal, unitsFile, fresh(ctx.work, `latency-${i}`), s, false, 'latency');
      // The same crawl as the 0 ms comparison (lists only). Every request waits the latency,
      // robots.txt included: that is the floor at this concurrency.
      runs.push({ ...m, boundMs: (m.requests * s.latencyMs) / s.concurrency });
    }
  } finally {
    portal.setLatency(0);
  }
  ctx.raw.latency = runs.map(strip);
  const wall = median(runs.map((m) => m.wallMs)) / 1000;
  const bound = median(runs.map((m) => m.boundMs)) / 1000;
  ctx.rows.push(
    row({
      id: 'latency.wall', label: `full crawl (lists only), ${s.latencyMs} ms latency, concurrency ${s.concurrency}: wall time`, value: wall, unit: 's',
      reference: bound, referenceLabel: 'requests × latency ÷ concurrency', target: '≤ 1.05 × bound', met: wall <= 1.05 * bound,
      note: `${median(runs.map((m) => m.requests))} requests; ${median(runs.map((m) => m.items))}/${runs[0]!.expectedItems} items`,
    }),
  );
}

async function scenarioClient(ctx: Context): Promise<void> {
  const { s } = ctx;
  const portal = new SyntheticPortal(portalOptions(s, { units: s.clientUnits, styleOf: () => 'jiyue' }));
  await portal.listen();
  try {
    const unitsFile = join(ctx.work, 'units-client.csv');
    writeFileSync(unitsFile, portal.unitsCsv());
    portal.warm();
    log(`client-rendered portal: ${s.clientUnits} Jiangxi-style units`);
    const m = await crawlWithZwgk(portal, unitsFile, fresh(ctx.work, 'client'), s, true, 'client');
    const total = portal.expectedListPages();
    let endpoint = 0, browser = 0;
    for (const c of m.counters.byColumn.values()) {
      endpoint += [...c.endpointPages].filter((p) => !c.browserPages.has(p)).length;
      browser += c.browserPages.size;
    }
    ctx.raw.client = { ...strip(m), listPages: total, endpointPages: endpoint, browserPages: browser };
    const share = total ? endpoint / total : 0;
    ctx.rows.push(
      row({
        id: 'client.share', label: 'client-rendered (loadPageData) list pages read without a browser', value: share * 100, unit: '%',
        reference: total, referenceLabel: 'list pages on the portal', ratio: share, target: '≥ 95 %', met: share >= 0.95 && m.items >= m.expectedItems * 0.95,
        note: `${endpoint} via the endpoint, ${browser} in a browser, of ${total}; ${m.items}/${m.expectedItems} items`,
      }),
      row({
        id: 'client.pagesPerSec', label: 'client-rendered portal crawl: pages/s', value: pagesPerSec(m), unit: 'pages/s',
        reference: ctx.zwgkFull?.pagesPerSec ?? null, referenceLabel: 'static full crawl', target: '—', met: null,
      }),
    );
  } finally {
    await portal.close();
  }
}

async function scenarioBrowser(ctx: Context): Promise<void> {
  const { s } = ctx;
  const portal = new SyntheticPortal(portalOptions(s, { units: 1, columns: Math.min(s.browserColumns, s.columns), pagesPerColumn: 1, styleOf: () => 'opaque' }));
  await portal.listen();
  try {
    const unitsFile = join(ctx.work, 'units-browser.csv');
    writeFileSync(unitsFile, portal.unitsCsv());
    log(`browser path: ${portal.expectedListPages()} list pages only a browser can read`);
    const m = await crawlWithZwgk(portal, unitsFile, fresh(ctx.work, 'browser'), s, true, 'browser');
    let rendered = 0;
    for (const c of m.counters.byColumn.values()) rendered += c.browserPages.size;
    ctx.raw.browser = { ...strip(m), browserPages: rendered };
    const pps = rendered / (m.wallMs / 1000);
    ctx.rows.push(
      row({
        id: 'browser.pagesPerSec', label: 'list pages that need a browser: pages/s (browser start included)', value: pps, unit: 'pages/s',
        reference: ctx.zwgkFull?.pagesPerSec ?? null, referenceLabel: 'static full crawl', target: '—', met: rendered > 0 ? null : false,
        note: `${rendered}/${portal.expectedListPages()} pages rendered, ${m.items}/${m.expectedItems} items, ${(m.wallMs / 1000).toFixed(1)} s, browserRenders ${m.child.crawl?.browserRenders ?? '?'}`,
      }),
    );
  } finally {
    await portal.close();
  }
}

function strip<T extends object>(m: T): Omit<T, 'itemsByColumn' | 'counters'> {
  const { itemsByColumn: _a, counters: _b, ...rest } = m as T & { itemsByColumn?: unknown; counters?: unknown };
  return rest;
}

// ------------------------------------------------------------------ output

function fmt(v: number | null, unit: string): string {
  if (v === null) return '—';
  const digits = unit === 'req/col' ? 3 : unit === 's' ? (v < 10 ? 2 : 1) : v < 10 ? 2 : 0;
  return `${v.toFixed(digits)} ${unit}`;
}

function markdown(rows: Row[], header: string[]): string {
  const lines = [
    ...header,
    '',
    '| measurement | zwgk | reference (same run) | ratio | target | result |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const refUnit = r.id === 'client.share' ? 'pages' : r.unit;
    const ref = r.reference === null ? '—' : `${r.referenceLabel} ${fmt(r.reference, refUnit)}`;
    const ratio = r.ratio === null ? '—' : `${r.ratio.toFixed(2)} ×`;
    const met = r.met === null ? 'figure' : r.met ? '**met**' : '**not met**';
    lines.push(`| ${r.label} | ${fmt(r.value, r.unit)} | ${ref} | ${ratio} | ${r.target} | ${met} |`);
  }
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    lines.push('', 'Notes:');
    for (const r of notes) lines.push(`- ${r.label}: ${r.note}`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const s = settingsFromArgs(process.argv.slice(2));
  const started = new Date();
  const work = mkdtempSync(join(os.tmpdir(), 'zwgk-bench-'));
  const ctx: Context = { s, work, rows: [], raw: {} };
  const portal = new SyntheticPortal(portalOptions(s));
  await portal.listen();
  const unitsFile = join(work, 'units.csv');
  writeFileSync(unitsFile, portal.unitsCsv());
  log(`portal ${portal.url}: ${s.units} units × ${s.columns} columns × ${s.pages} pages × ${s.items} items; warming page cache`);
  portal.warm();
  const pageBytes = portal.sampleListPageBytes();
  const listPages = portal.expectedListPages();
  const loadAtStart = os.loadavg()[0]!;

  const steps: [Scenario, string, () => Promise<void>][] = [
    ['full0', 'full crawl at 0 ms', () => scenarioFull0(ctx, portal, unitsFile)],
    ['product', 'product crawl at 0 ms', () => scenarioProduct(ctx, portal, unitsFile)],
    ['nightly', 'nightly re-crawl', () => scenarioNightly(ctx, portal, unitsFile)],
    ['rejudge', 're-judge from the store', () => scenarioRejudge(ctx, portal, unitsFile)],
    ['latency', `full crawl at ${s.latencyMs} ms`, () => scenarioLatency(ctx, portal, unitsFile)],
    ['client', 'client-rendered lists', () => scenarioClient(ctx)],
    ['browser', 'browser path', () => scenarioBrowser(ctx)],
  ];
  try {
    for (const [id, label, fn] of steps) {
      if (!s.only.has(id)) continue;
      try {
        await fn();
      } catch (err) {
        log(`${label} failed: ${(err as Error).message}`);
        ctx.rows.push(errorRow(id, label, err));
      }
    }
  } finally {
    await portal.close();
    rmSync(work, { recursive: true, force: true });
  }

  const wallSeconds = (Date.now() - started.getTime()) / 1000;
  const load = { start: loadAtStart, end: os.loadavg()[0]! };
  const date = shanghaiDate(started);
  const machine = {
    nproc: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
  const header = [
    `## zwgk-audit benchmark — ${date}${s.quick ? ' (quick)' : ''}`,
    '',
    `Machine: ${machine.nproc} CPUs (${machine.cpu}), ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GB RAM, Node ${machine.node}, ${machine.platform}; ` +
      `load average ${load.start.toFixed(1)} at the start, ${load.end.toFixed(1)} at the end${load.start > machine.nproc / 2 ? ' (**busy machine: wall-clock figures are pessimistic**)' : ''}.`,
    `Portal: 127.0.0.1, ${s.units} units × ${s.columns} columns, ${s.pages} list pages × ${s.items} items per column ` +
      `(except 机构职能, 领导信息, 信息公开指南, 信息公开制度 and 年度报告: a handful of items, one page), ${listPages} list pages of ${(pageBytes / 1024).toFixed(1)} KB; ` +
      `crawl concurrency ${s.concurrency} for both crawlers, server concurrency ${s.serverConcurrency || 'unlimited'}; ` +
      `medians of ${s.runs} run(s) for the Crawlee comparison and re-judging, ${s.heavyRuns} run(s) of the other crawls; bench took ${wallSeconds.toFixed(0)} s.`,
  ];
  if (s.src) header.push('', `**Crawler measured: ${s.src}** (not this checkout).`);
  if (s.profileDir) header.push('', '**Profiled run: the CPU profiler slows zwgk down, so its timings are inflated; use a run without --profile for figures.**');
  const md = markdown(ctx.rows, header);
  mkdirSync(RESULTS, { recursive: true });
  // Only a default full run is "the" result (<date>.json, latest.md); others get their own names.
  const custom = s.only.size < SCENARIOS.length || s.src !== null || process.argv.slice(2).some((a) => /^--(units|columns|pages|items|runs|heavy-runs|concurrency|server-concurrency|latency|client-units)\b/.test(a));
  const suffix = `${s.quick ? '-quick' : ''}${custom ? '-custom' : ''}${s.profileDir ? '-profiled' : ''}`;
  const jsonFile = join(RESULTS, `${date}${suffix}.json`);
  const settings = { ...s, only: [...s.only] };
  writeFileSync(jsonFile, `${JSON.stringify({ date, startedAt: started.toISOString(), wallSeconds, machine, load, settings, listPageBytes: pageBytes, rows: ctx.rows, raw: ctx.raw }, null, 2)}\n`);
  const mdFile = join(RESULTS, `latest${suffix}.md`);
  const profileMd = s.profileDir ? profileReport() : '';
  writeFileSync(mdFile, `${md}${profileMd ? `\n${profileMd}` : ''}`);
  process.stdout.write(`\n${md}${profileMd ? `\n${profileMd}` : ''}\nSaved ${relative(jsonFile)} and ${relative(mdFile)}\n`);
}

/** One profile per kind of crawl (the first run of each). */
function profileReport(): string {
  const done = new Set<string>();
  const parts: string[] = [];
  for (const { label, dir } of profiles) {
    if (done.has(label)) continue;
    done.add(label);
    try {
      // The main thread is the busiest of the process's profiles.
      const busiest = readdirSync(dir)
        .map((f) => summarizeProfile(join(dir, f), ROOT))
        .sort((a, b) => b.busyMs - a.busyMs)[0];
      if (!busiest) throw new Error('no profile written');
      parts.push(formatProfile(label, busiest));
    } catch (err) {
      parts.push(`### CPU profile: ${label}\n\n(unreadable: ${(err as Error).message})\n`);
    }
  }
  return parts.join('\n');
}

function relative(file: string): string {
  return file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file;
}

function shanghaiDate(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

await main();
