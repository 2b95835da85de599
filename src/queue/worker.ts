import { Worker, type Job } from 'bullmq';
import { parse } from 'yaml';
import { DEFAULT_SCHEME, loadScheme, parseScheme, type Scheme } from '../config/scheme.ts';
import { crawlUnits } from '../crawl/crawl-run.ts';
import { planGather } from '../judge/gather-plan.ts';
import type { GatherPlan } from '../model/gather-plan.ts';
import { NetworkPolicy } from '../net/policy.ts';
import { redactUrl } from '../store/postgres-store.ts';
import type { SnapshotStore } from '../store/store-api.ts';
import { RedisHostGate } from './host-gate.ts';
import { DEFAULT_PREFIX, QUEUE_NAME, redisConnection, type JobResult, type UnitJob } from './jobs.ts';

/**
 * `zwgk worker`: takes unit jobs off the queue and crawls each as crawlUnits
 * does in one process (src/crawl/crawl-run.ts), joining the coordinator's run:
 * the same crawl id, the snapshot written to the shared store (the same unit
 * and crawl id replace the row, so a job run twice writes one snapshot), the
 * per-host politeness held across every worker through Redis
 * (src/queue/host-gate.ts).
 *
 * A worker that dies mid-job stops renewing the job's lock; after
 * `stallMs` another worker's stalled-job check puts the job back on the queue.
 */

export interface WorkerOptions {
  queue: string;
  prefix?: string;
  /** The shared store (PostgreSQL), opened by the caller. */
  store: SnapshotStore & { url: string };
  /** Units crawled at once by this worker. Default 2. */
  concurrency?: number;
  /** How long a job's lock holds without renewal: a dead worker's job goes to another after about this long. Default 30 s. */
  stallMs?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Lets the jobs in hand finish (within the crawl's own bounds), then stops. */
  close(): Promise<void>;
}

/** Progress is sent at most this often per job (every event would be a Redis write per page). */
const PROGRESS_MS = 500;

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const prefix = o.prefix ?? DEFAULT_PREFIX;
  const connection = redisConnection(o.queue);
  const stallMs = o.stallMs ?? 30_000;
  const gate = new RedisHostGate(o.queue, prefix, stallMs);
  const log = o.log ?? (() => {});
  const plans = new Map<string | null, GatherPlan>();
  const planOf = (text: string | null): GatherPlan => {
    let plan = plans.get(text);
    if (!plan) {
      const scheme: Scheme = text === null ? loadScheme(DEFAULT_SCHEME) : parseScheme(parse(text), '协调进程发来的考评方案');
      plans.set(text, (plan = planGather(scheme)));
    }
    return plan;
  };
  const ownStore = redactUrl(o.store.url);
  const abort = new AbortController();

  const crawlJob = async (job: Job<UnitJob, JobResult>): Promise<JobResult> => {
    const d = job.data;
    if (d.store !== ownStore) throw new Error(`任务的数据库（${d.store}）与本工作进程的 --store（${ownStore}）不同`);
    const policy = new NetworkPolicy({ ...d.policy, pacer: gate });
    let sentAt = 0;
    const [snap] = await crawlUnits([d.unit], {
      ...d.settings,
      fetch: { ...d.settings.fetch, slots: gate },
      plan: planOf(d.schemeText),
      store: o.store,
      policy,
      concurrency: d.concurrency,
      unitConcurrency: 1,
      crawlId: d.crawlId,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.event !== 'unit-progress' || Date.now() - sentAt < PROGRESS_MS) return;
        sentAt = Date.now();
        void job.updateProgress({ ...p.unit }).catch(() => {});
      },
      onWarning: (line) => log(`单位 ${d.unit.id}：${line}`),
    });
    if (!snap) throw new Error('抓取已中止，未保存快照');
    log(`单位 ${d.unit.id}（批次 ${d.crawlId}）抓取完成：${snap.status}`);
    return { status: snap.status };
  };

  const worker = new Worker<UnitJob, JobResult>(QUEUE_NAME, crawlJob, {
    connection,
    prefix,
    concurrency: Math.max(1, o.concurrency ?? 2),
    lockDuration: stallMs,
    stalledInterval: stallMs,
    // A unit whose crawl kills its worker twice is given up (reported unreachable with the reason), not retried forever.
    maxStalledCount: 2,
  });
  worker.on('error', (err) => log(`队列连接出错：${err.message.split('\n')[0]}`));
  worker.on('failed', (job, err) => log(`单位 ${job?.data.unit.id ?? '?'} 的抓取任务失败：${err.message.split('\n')[0]}`));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      abort.abort();
      await gate.close();
    },
  };
}
