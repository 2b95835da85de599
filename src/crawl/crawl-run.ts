import { setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import type { GatherPlan } from '../model/gather-plan.ts';
import { SNAPSHOT_SCHEMA_VERSION, type Unit, type UnitSnapshot } from '../model/snapshot.ts';
import type { CrawlMemory } from '../model/crawl-memory.ts';
import { newCrawlId, nowIso } from '../lib/time.ts';
import { renderPage, type RenderedAnswer, type RenderedPage } from '../browser/render.ts';
import { AttachmentReader } from './attachment-reader.ts';
import { TemplateProfile, type AnswerExpect } from './answer-check.ts';
import { crawlUnit, errorLine, type CrawlUnitOptions, type UnitProgress } from './crawl-unit.ts';
import { Fetcher, type FetcherOptions } from './fetcher.ts';
import { NetworkPolicy, type NetworkSettings } from '../net/policy.ts';
import { parsePool, type PageParser } from './parse-pool.ts';

/**
 * A crawl run over several units: one Fetcher (so the per-host politeness
 * holds across units on the same portal), units crawled a few at a time,
 * each snapshot saved to the store as soon as its unit is done. Used by
 * `zwgk crawl`, the audit pipeline and the nightly service.
 *
 *   crawlEach(units, options, onSnapshot)  each unit's snapshot handed on (after it is saved) as soon as
 *                                          its crawl ends, and kept by nobody here: a run's memory stays flat
 *   crawlUnits(units, options) → UnitSnapshot[] (in the order of `units`; every snapshot held, for small runs and tests)
 *
 * The shared browser is left running (evidence screenshots may follow); the
 * command that started the process calls closeBrowser() at its end.
 */

export interface CrawlRunOptions {
  /** What to gather beyond the lists (from the rules the scheme selected). */
  plan: GatherPlan;
  /** Where snapshots, first-seen instants and page validators live; without it nothing is kept. */
  store?: CrawlMemory;
  /** Requests in flight per host (DESIGN: --concurrency, default 2). */
  concurrency?: number;
  /** Units crawled at once. Default 3. */
  unitConcurrency?: number;
  /** Render pages with Chromium when static parsing finds nothing. Default true. */
  browser?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: CrawlProgress) => void;
  /** One Chinese line per thing the office should know that is not a unit's result (a stored snapshot that could not be read). */
  onWarning?: (line: string) => void;
  /** Fetcher settings (timeouts, retries, size cap, robots, User-Agent contact). */
  fetch?: Omit<FetcherOptions, 'policy' | 'cache' | 'perHost'>;
  /** The run's network policy (the audit shares one with its screenshots); absent: one for these units, from `network`. */
  policy?: NetworkPolicy;
  /** Without `policy`: the settings of one for these units' hosts (pacing, allowed link hosts, certificates). */
  network?: NetworkSettings;
  /**
   * Per-unit bounds (pages per column, articles, time per unit, context year) and
   * `reuseDays`: how long the stored snapshot's readings stand in for pages
   * unchanged since (default 7; 0 for an on-demand audit that must see every page now).
   */
  bounds?: Omit<CrawlUnitOptions, 'plan' | 'crawlId' | 'signal' | 'onProgress'>;
  /** Browser render time bound per page. Default 30 000 ms. */
  renderTimeoutMs?: number;
  /** Parse time per page in the worker pool (src/crawl/parse-pool.ts). Default 10 000 ms. */
  parseBudgetMs?: number;
  /** Another parser instead of the worker pool (`inlineParser()` for tests that mock a parser). */
  parser?: PageParser;
  /** Join a run already begun elsewhere (a job of a distributed run, src/queue/worker.ts): no run of its own is begun or finished. */
  crawlId?: string;
}

export interface CrawlProgress {
  event: 'unit-start' | 'unit-progress' | 'unit-done';
  unitsDone: number;
  unitsTotal: number;
  /** Pages read so far in the run. */
  pages: number;
  /** Failures recorded so far in the run. */
  errors: number;
  unitId: string;
  /** The unit's own counters. */
  unit: UnitProgress;
  /** With `unit-done`: the unit's status. */
  status?: UnitSnapshot['status'];
}

/** A run's progress from its units' own: totals over the units seen, a unit counted done on its 'unit-done'. */
export function progressTally(unitsTotal: number, onProgress?: (p: CrawlProgress) => void) {
  const perUnit = new Map<string, UnitProgress>();
  let unitsDone = 0;
  const emit = (event: CrawlProgress['event'], unit: UnitProgress, status?: UnitSnapshot['status']) => {
    perUnit.set(unit.unitId, unit);
    if (event === 'unit-done') unitsDone++;
    let pages = 0;
    let errors = 0;
    for (const p of perUnit.values()) {
      pages += p.pages;
      errors += p.errors;
    }
    onProgress?.({ event, unitsDone, unitsTotal, pages, errors, unitId: unit.unitId, unit, ...(status ? { status } : {}) });
  };
  return { emit, progressOf: (unitId: string) => perUnit.get(unitId) };
}

export class CrawlAbortedError extends Error {
  override name = 'CrawlAbortedError';
  constructor() {
    super('抓取已中止，未完成的单位没有保存快照（此前的快照保留）');
  }
}

export async function crawlUnits(units: Unit[], options: CrawlRunOptions): Promise<UnitSnapshot[]> {
  const results: UnitSnapshot[] = new Array(units.length);
  await crawlEach(units, options, (snap, i) => {
    results[i] = snap;
  });
  return results;
}

/**
 * Crawls `units`, handing each snapshot to `onSnapshot` (with the unit's index
 * in `units`) once the store has it; awaited before the unit counts as done.
 */
export async function crawlEach(units: Unit[], options: CrawlRunOptions, onSnapshot: (snap: UnitSnapshot, index: number) => void | Promise<void>): Promise<void> {
  const store = options.store;
  const policy = options.policy ?? NetworkPolicy.forUnits(units, options.network);
  const fetcher = new Fetcher({ ...options.fetch, policy, perHost: options.concurrency ?? 2, cache: store });
  const render = options.browser === false ? undefined : makeRenderer(fetcher, policy, options.renderTimeoutMs);
  // Pages are parsed off the event loop, each within a time budget: a page that stalls a parser cannot stall the run.
  const parser = options.parser ?? parsePool(options.parseBudgetMs !== undefined ? { budgetMs: options.parseBudgetMs } : {});
  // One attachment-reading worker for the run (started on the first attachment, if any).
  const attachments = new AttachmentReader();
  // What a host's pages look like, learnt from the units' pages on it (an error page in no known wording stands out).
  const templates = new Map<string, TemplateProfile>();
  const templateOf = (host: string) => {
    let t = templates.get(host);
    if (!t) templates.set(host, (t = new TemplateProfile()));
    return t;
  };
  const run = options.crawlId ? undefined : await store?.beginRun(units.map((u) => u.id));
  const crawlId = options.crawlId ?? run?.id ?? newCrawlId();

  const { emit, progressOf } = progressTally(units.length, options.onProgress);

  // Each unit and each queued render listens to the caller's signal.
  if (options.signal) setMaxListeners(0, options.signal);
  const queue = new PQueue({ concurrency: Math.max(1, options.unitConcurrency ?? 3) });
  try {
    await Promise.all(
      units.map((unit, i) =>
        queue.add(async () => {
          if (options.signal?.aborted) return;
          emit('unit-start', { unitId: unit.id, columns: 0, columnsDone: 0, pages: 0, items: 0, errors: 0 });
          // The last night the portal answered: what it read may stand in for pages unchanged since (bounds.reuseDays).
          // Its file damaged: the one before it, else every page is read afresh.
          await store?.prepareUnit?.(unit.id);
          const previous = store && options.bounds?.reuseDays !== 0 ? await store.latestSnapshot(unit.id, { reachable: true, onUnreadable: options.onWarning }) : null;
          const startedAt = nowIso();
          const snap = await crawlUnit(
            unit,
            { ...options.bounds, plan: options.plan, crawlId, signal: options.signal, onProgress: (p) => emit('unit-progress', p) },
            { fetcher, firstSeen: store, render, previous, parser, attachments, hostTemplate: templateOf(new URL(unit.url).host) },
          ).then(detach, (err: unknown) => crashedUnit(unit, crawlId, startedAt, err));
          // An aborted unit is incomplete: keep the previous snapshot instead.
          if (options.signal?.aborted) return;
          if (store) await store.saveSnapshot(snap);
          await onSnapshot(snap, i);
          emit('unit-done', progressOf(unit.id)!, snap.status);
        }),
      ),
    );
    if (options.signal?.aborted) throw new CrawlAbortedError();
    if (run) await store!.finishRun(run.id, 'done');
  } catch (err) {
    if (run) await store!.finishRun(run.id, options.signal?.aborted ? 'aborted' : 'failed').catch(() => {});
    throw err;
  } finally {
    await Promise.all([fetcher.close(), attachments.close()]);
  }
}

/**
 * A deep copy with fresh strings. Parsed titles, dates and headings are often
 * V8 slices of the page's HTML: kept as they are, every snapshot would hold
 * all the HTML its crawl read, and a run's memory would grow with its units.
 */
function detach(snap: UnitSnapshot): UnitSnapshot {
  const copy = JSON.parse(JSON.stringify(snap)) as UnitSnapshot;
  // Articles arrive in the order their fetches finish. Put in the order of the lists (then the rest by address), so the
  // same portal gives the same snapshot and report however the fetches interleave (rules take the first page that says it).
  const order = new Map<string, number>();
  for (const column of copy.columns) for (const item of column.items) if (!order.has(item.url)) order.set(item.url, order.size);
  const rank = (url: string) => order.get(url) ?? order.size;
  copy.articles = Object.fromEntries(Object.entries(copy.articles).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)));
  return copy;
}

/** A unit whose crawl failed in the program itself: judged as unreachable (no deductions), with the reason. */
export function crashedUnit(unit: Unit, crawlId: string, startedAt: string, err: unknown): UnitSnapshot {
  const finishedAt = nowIso();
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    unit,
    crawlId,
    startedAt,
    finishedAt,
    status: 'unreachable',
    columns: [],
    articles: {},
    failures: [{ url: unit.url, kind: 'parse', reason: `抓取程序出错（${errorLine(err)}），本单位未能完成抓取，需人工核查`, attempts: 0 }],
    stats: { requests: 0, pages: 0, bytes: 0, browserRenders: 0, durationMs: Date.parse(finishedAt) - Date.parse(startedAt) },
  };
}

/** Browser rendering under the same rules as fetching: the policy, robots.txt, the host's politeness slot. */
function makeRenderer(fetcher: Fetcher, policy: NetworkPolicy, timeoutMs?: number): (url: string, signal?: AbortSignal) => Promise<RenderedPage> {
  return async (url, signal) => {
    if (!fetcher.isAllowedHost(url)) throw new Error(`站点不在单位名单所列网站之内，未渲染：${url}`);
    const target = new URL(url);
    if (!(await fetcher.robotsAllow(target))) throw new Error('网站 robots.txt 不允许抓取此地址，未渲染');
    const checkAnswer = (a: RenderedAnswer) => fetcher.answerProblem(a.url, a.body, a.contentType, expectOf(a))?.reason ?? null;
    return fetcher.onHostSlot(target.host, () => renderPage(url, { policy, userAgent: fetcher.userAgent, timeoutMs, signal, checkAnswer }), signal);
  };
}

/** What each of the browser's answers must be: pages and frames pages, scripts scripts, a script's requests data or a piece of HTML. */
function expectOf(a: RenderedAnswer): AnswerExpect {
  if (a.resourceType === 'document') return 'page';
  if (a.resourceType === 'script') return 'script';
  return /html/i.test(a.contentType ?? '') ? 'fragment' : 'data';
}
