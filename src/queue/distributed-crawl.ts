import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { CrawlAbortedError, crashedUnit, progressTally, type CrawlRunOptions } from '../crawl/crawl-run.ts';
import type { UnitProgress } from '../crawl/crawl-unit.ts';
import type { Unit, UnitSnapshot } from '../model/snapshot.ts';
import { NetworkPolicy } from '../net/policy.ts';
import { isPostgresUrl, redactUrl } from '../store/postgres-store.ts';
import type { SnapshotStore } from '../store/store-api.ts';
import { DEFAULT_PREFIX, jobId, QUEUE_NAME, redisConnection, type JobProgress, type JobResult, type UnitJob } from './jobs.ts';

/**
 * A crawler with crawlUnits' contract (src/crawl/crawl-run.ts) whose units are
 * crawled by `zwgk worker` processes on any number of machines: one BullMQ job
 * per unit, the snapshots written by the workers into the shared PostgreSQL
 * store, read back here in the order of the units. The run is begun and
 * finished in the store as by crawlUnits; progress comes from the workers'
 * job progress, so the dashboard shows it as in one-process mode.
 *
 * A job whose worker dies is taken back by BullMQ's stalled-job check and
 * given to another worker; a job that fails for good (the store unreachable
 * from the worker, say) costs its unit, which is reported unreachable with
 * the reason, never the run.
 */

export interface QueueCrawlerOptions {
  /** redis://host:port[/db] */
  queue: string;
  /** Redis key prefix (--queue-name). */
  prefix?: string;
  /** The scheme file the audit uses (default: the bundled scheme): its text goes with each job. */
  schemeFile?: string;
  /** Attempts per job before its unit is given up (a stalled job counts as one). Default 3. */
  attempts?: number;
}

export type Crawler = (units: Unit[], options: CrawlRunOptions) => Promise<UnitSnapshot[]>;

export function queueCrawler(o: QueueCrawlerOptions): Crawler {
  return (units, options) => crawlOnQueue(units, options, o);
}

async function crawlOnQueue(units: Unit[], options: CrawlRunOptions, o: QueueCrawlerOptions): Promise<UnitSnapshot[]> {
  const store = options.store as SnapshotStore | undefined;
  const storeUrl = (store as { url?: string } | undefined)?.url;
  if (!store || !storeUrl || !isPostgresUrl(storeUrl)) throw new Error('--queue 需要各台机器共用的数据库：请同时指定 --store postgres://…');
  const connection = redisConnection(o.queue);
  const prefix = o.prefix ?? DEFAULT_PREFIX;
  const policy = options.policy ?? NetworkPolicy.forUnits(units, options.network);
  const schemeText = o.schemeFile ? readFileSync(o.schemeFile, 'utf8') : null;
  const queue = new Queue<UnitJob, JobResult>(QUEUE_NAME, { connection, prefix });
  const events = new QueueEvents(QUEUE_NAME, { connection, prefix });
  // Connection trouble surfaces in the calls below; unhandled 'error' events would end the process.
  queue.on('error', () => {});
  // Each job's waitUntilFinished listens for the queue closing: one listener per unit.
  queue.setMaxListeners(0);
  events.on('error', () => {});
  const run = await store.beginRun(units.map((u) => u.id));
  const ids = new Map(units.map((u) => [jobId(run.id, u.id), u]));
  const { emit, progressOf } = progressTally(units.length, options.onProgress);
  const blank = (unitId: string): UnitProgress => ({ unitId, columns: 0, columnsDone: 0, pages: 0, items: 0, errors: 0 });
  events.on('active', ({ jobId: id }) => {
    const unit = ids.get(id);
    if (unit && !progressOf(unit.id)) emit('unit-start', blank(unit.id));
  });
  events.on('progress', ({ jobId: id, data }) => {
    const unit = ids.get(id);
    if (unit && typeof data === 'object') emit('unit-progress', { ...(data as JobProgress), unitId: unit.id });
  });

  // Every job's wait listens to the caller's signal.
  if (options.signal) setMaxListeners(0, options.signal);
  const onAbort = () => void Promise.all([...ids.keys()].map((id) => queue.remove(id).catch(() => 0)));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const data = (unit: Unit): UnitJob => ({
      crawlId: run.id,
      unit,
      policy: policy.spec(),
      concurrency: options.concurrency ?? 2,
      schemeText,
      store: redactUrl(storeUrl),
      settings: { browser: options.browser, renderTimeoutMs: options.renderTimeoutMs, parseBudgetMs: options.parseBudgetMs, bounds: options.bounds, fetch: options.fetch },
    });
    const jobs = await queue.addBulk(
      units.map((unit) => ({
        name: unit.id,
        data: data(unit),
        opts: {
          jobId: jobId(run.id, unit.id),
          attempts: o.attempts ?? 3,
          backoff: { type: 'exponential', delay: 5_000 },
          // Kept a while for the operator to look at; the snapshots are in the store.
          removeOnComplete: { age: 7 * 86_400 },
          removeOnFail: { age: 30 * 86_400 },
        },
      })),
    );
    const outcomes = await Promise.all(jobs.map((job, i) => finished(job, events, units[i]!, options.signal)));
    if (options.signal?.aborted) throw new CrawlAbortedError();
    const snapshots: UnitSnapshot[] = [];
    for (const [i, unit] of units.entries()) {
      const outcome = outcomes[i]!;
      let snap = outcome.ok ? await store.loadSnapshot(unit.id, run.id) : null;
      if (!snap) {
        const why = outcome.ok ? '工作进程报告完成，但数据库中没有它的快照' : `分布式抓取任务多次失败：${outcome.reason}`;
        snap = crashedUnit(unit, run.id, run.startedAt, new Error(why));
        await store.saveSnapshot(snap);
      }
      snapshots.push(snap);
      emit('unit-done', progressOf(unit.id) ?? blank(unit.id), snap.status);
    }
    await store.finishRun(run.id, 'done');
    return snapshots;
  } catch (err) {
    await store.finishRun(run.id, options.signal?.aborted ? 'aborted' : 'failed').catch(() => {});
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all([queue.close(), events.close()]);
  }
}

type Outcome = { ok: true } | { ok: false; reason: string };

/** Resolves when the job completed or failed for good (or the run was aborted). */
async function finished(job: Job<UnitJob, JobResult>, events: QueueEvents, unit: Unit, signal?: AbortSignal): Promise<Outcome> {
  const aborted = new Promise<Outcome>((resolve) => {
    if (signal?.aborted) resolve({ ok: false, reason: '已中止' });
    signal?.addEventListener('abort', () => resolve({ ok: false, reason: '已中止' }), { once: true });
  });
  const done = job.waitUntilFinished(events).then(
    (): Outcome => ({ ok: true }),
    (err: Error): Outcome => ({ ok: false, reason: `${err.message.split('\n')[0]}（单位 ${unit.id}）` }),
  );
  return Promise.race([done, aborted]);
}
