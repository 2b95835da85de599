/**
 * zwgk in its own process, for the benchmark: `crawl` (crawlUnits into a data
 * directory) or `rejudge` (runAudit from the store). Reports wall time, CPU
 * and peak RSS of this process over the measured call, plus what the crawl
 * saw, to the parent over IPC.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Pipeline from '../src/audit/run-audit.ts';
import type * as Browser from '../src/browser/chromium.ts';
import type * as CrawlRun from '../src/crawl/crawl-run.ts';
import type * as Inputs from '../src/config/inputs.ts';
import type * as Plan from '../src/judge/gather-plan.ts';
import type * as Store from '../src/store/store.ts';
import type { UnitSnapshot } from '../src/model/snapshot.ts';
import { peakRssBytes } from './proc.mjs';

/**
 * The checkout whose code is measured: this one, or another (ZWGK_BENCH_ROOT,
 * set by `--src`) to try a change to the crawler against the same portal.
 */
const ROOT = process.env.ZWGK_BENCH_ROOT ? pathToFileURL(`${process.env.ZWGK_BENCH_ROOT}/`) : new URL('../', import.meta.url);
const load = <T>(path: string) => import(new URL(path, ROOT).href) as Promise<T>;

export interface CrawlJob {
  mode: 'crawl';
  unitsFile: string;
  dataDir: string;
  concurrency: number;
  /** Minimum spacing between request starts on the host. */
  minIntervalMs: number;
  /**
   * false: lists only (no article fetched for rules or for missing dates),
   * the same crawl the reference crawler does.
   */
  articles: boolean;
}

export interface RejudgeJob {
  mode: 'rejudge';
  unitsFile: string;
  dataDir: string;
  asOf: string;
}

export type ChildJob = CrawlJob | RejudgeJob;

export interface ChildResult {
  wallMs: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /** What the crawler says it did (crawl mode). */
  crawl?: {
    units: number;
    columns: number;
    items: number;
    articles: number;
    requests: number;
    pages: number;
    browserRenders: number;
    failures: number;
    listPagesBySource: Record<string, number>;
    /** Items per column key (`unitId/<last path segment of the column URL's directory>`). */
    itemsByColumn: Record<string, number>;
  };
  /** Units judged (rejudge mode). */
  judged?: number;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]!) as ChildJob;
  const result = job.mode === 'crawl' ? await crawl(job) : await rejudge(job);
  // Exit explicitly: the IPC channel (and any keep-alive socket) would keep the process up.
  if (process.send) process.send(result, () => process.exit(0));
  else {
    console.log(JSON.stringify(result));
    process.exit(0);
  }
}

function measure<T>(fn: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuSeconds: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return fn().then((value) => {
    const cpu = process.cpuUsage(cpu0);
    return { value, wallMs: performance.now() - t0, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  });
}

async function crawl(job: CrawlJob): Promise<ChildResult> {
  const { crawlEach } = await load<typeof CrawlRun>('src/crawl/crawl-run.ts');
  const { closeBrowser } = await load<typeof Browser>('src/browser/chromium.ts');
  const { openStore } = await load<typeof Store>('src/store/store.ts');
  const { loadAuditInputs } = await load<typeof Inputs>('src/config/inputs.ts');
  const { planGather } = await load<typeof Plan>('src/judge/gather-plan.ts');
  const { selected: units, scheme } = loadAuditInputs({ unitsFile: job.unitsFile });
  const store = await openStore(job.dataDir);
  const listPagesBySource: Record<string, number> = {};
  const itemsByColumn: Record<string, number> = {};
  let columns = 0, items = 0, articles = 0, requests = 0, pages = 0, browserRenders = 0, failures = 0;
  // Counted as each unit ends, as the product streams: no snapshot is held here either.
  const count = (s: UnitSnapshot) => {
    articles += Object.keys(s.articles).length;
    requests += s.stats.requests;
    pages += s.stats.pages;
    browserRenders += s.stats.browserRenders;
    failures += s.failures.length;
    for (const col of s.columns) {
      columns++;
      items += col.items.length;
      itemsByColumn[`${s.unit.id}/${columnCode(col.url)}`] = col.items.length;
      for (const p of col.pages) listPagesBySource[p.source] = (listPagesBySource[p.source] ?? 0) + 1;
    }
  };
  const m = await measure(async () => {
    try {
      await crawlEach(
        units,
        {
          store,
          plan: planGather(scheme),
          concurrency: job.concurrency,
          network: { minIntervalMs: job.minIntervalMs },
          bounds: job.articles ? {} : { maxArticlesPerColumn: 0, maxDateFillsPerColumn: 0 },
        },
        count,
      );
    } finally {
      await closeBrowser();
    }
  });
  return {
    wallMs: m.wallMs,
    cpuSeconds: m.cpuSeconds,
    peakRssBytes: peakRssBytes(),
    crawl: { units: units.length, columns, items, articles, requests, pages, browserRenders, failures, listPagesBySource, itemsByColumn },
  };
}

/** The synthetic portal's column code from a list URL: `/xxgk/u001/c05/index.html` → c05, `/col/col10104/` → col10104. */
function columnCode(url: string): string {
  const parts = new URL(url).pathname.split('/').filter(Boolean);
  return parts[parts.length - 2] ?? '';
}

async function rejudge(job: RejudgeJob): Promise<ChildResult> {
  const { runAuditRequest } = await load<typeof Pipeline>('src/audit/run-audit.ts');
  const outDir = mkdtempSync(join(tmpdir(), 'zwgk-bench-report-'));
  try {
    const m = await measure(() =>
      runAuditRequest({ unitsFile: job.unitsFile, asOf: job.asOf, dataDir: job.dataDir, outDir, fromStore: true, screenshots: false, formats: ['json'] }),
    );
    return { wallMs: m.wallMs, cpuSeconds: m.cpuSeconds, peakRssBytes: peakRssBytes(), judged: m.value.report.units.length };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

await main();
