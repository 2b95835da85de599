import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import PQueue from 'p-queue';
import { Piscina } from 'piscina';
import { runParseTask, type ParseResult, type ParseTask } from './parse-task.ts';

/**
 * Where pages are parsed. The crawl hands every page to a PageParser:
 *
 * - `parsePool()` (the real crawl): worker threads. A page gets `budgetMs` of
 *   a worker's time from the moment a worker takes it; past that the worker is
 *   terminated (piscina ends the thread of an aborted task) and the page is a
 *   ParseTimeoutError, which the crawl records as an inconclusive `parse`
 *   failure. So a page that stalls a parser costs its budget, never the event
 *   loop: fetch timeouts, the unit's time bound and the dashboard keep running,
 *   and parsing overlaps fetching.
 * - `inlineParser()`: the same parsers in this thread, no budget (unit tests
 *   and anything that needs determinism more than a bound).
 */

export interface PageParser {
  parse<T extends ParseTask>(task: T, signal?: AbortSignal): Promise<ParseResult<T>>;
}

/** A page whose parse ran past its budget (the worker was ended). */
export class ParseTimeoutError extends Error {
  override name = 'ParseTimeoutError';
  constructor(readonly budgetMs: number) {
    super(`页面解析超过 ${budgetMs >= 1000 ? `${Math.round(budgetMs / 1000)} 秒` : `${budgetMs} 毫秒`}仍未完成，已中止`);
  }
}

/** The parse time a page gets by default (under the 15 s page bound, far above a real page's parse). */
export const DEFAULT_PARSE_BUDGET_MS = 10_000;

export function inlineParser(): PageParser {
  return { parse: async (task) => runParseTask(task) };
}

export interface ParsePoolOptions {
  /** Parse time per page once a worker has it. Default DEFAULT_PARSE_BUDGET_MS. */
  budgetMs?: number;
}

/**
 * The workers, one set per process, started on first use and kept (their
 * threads do not hold the process open): starting a worker loads the parsers,
 * which costs about what starting the program does, so runs share them.
 */
interface Workers {
  pool: Piscina;
  /** Tasks go to piscina only when a worker is free: the budget runs from when one takes it, not while it queues. */
  slots: PQueue;
  /** Every worker has loaded the parsers (before any budget runs: the first task would otherwise pay for it). */
  ready: Promise<unknown>;
}

let workers: Workers | null = null;

function sharedWorkers(): Workers {
  if (workers) return workers;
  // One core is left to the main thread (fetching, the crawl's own work, the dashboard); at most 4.
  const threads = Math.max(1, Math.min(4, availableParallelism() - 1));
  const pool = new Piscina({
    filename: new URL('./parse-worker.mjs', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    // A page that would need more ends its worker, not the process.
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
  const ready = Promise.all(Array.from({ length: threads }, () => pool.run({ kind: 'dates', html: '' } satisfies ParseTask)));
  return (workers = { pool, slots: new PQueue({ concurrency: threads }), ready });
}

export function parsePool(opts: ParsePoolOptions = {}): PageParser {
  const budgetMs = opts.budgetMs ?? DEFAULT_PARSE_BUDGET_MS;
  // Started now, so the workers load while the run opens its store and fetches its first pages.
  sharedWorkers();
  const run = async <T extends ParseTask>(w: Workers, task: T, signal?: AbortSignal): Promise<ParseResult<T>> => {
    await w.ready;
    signal?.throwIfAborted();
    const budget = AbortSignal.timeout(budgetMs);
    try {
      return (await w.pool.run(task, { signal: signal ? AbortSignal.any([budget, signal]) : budget })) as ParseResult<T>;
    } catch (err) {
      if (!budget.aborted || signal?.aborted) throw err;
      // The stalled worker was ended: this slot waits for its replacement to load, so the next page's budget is its own.
      await once(w.pool, 'workerCreate', { signal: AbortSignal.timeout(30_000) }).catch(() => {});
      throw new ParseTimeoutError(budgetMs);
    }
  };
  return {
    parse: <T extends ParseTask>(task: T, signal?: AbortSignal) => {
      const w = sharedWorkers();
      return w.slots.add(() => run(w, task, signal), signal ? { signal } : {}) as Promise<ParseResult<T>>;
    },
  };
}
