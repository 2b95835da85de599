import type { CrawlRunOptions } from '../crawl/crawl-run.ts';
import type { UnitProgress } from '../crawl/crawl-unit.ts';
import type { Unit, UnitSnapshot } from '../model/snapshot.ts';
import type { PolicySpec } from '../net/policy.ts';

/**
 * What the coordinator (`zwgk serve --queue`, `zwgk audit --queue`) and the
 * workers (`zwgk worker`) agree on: the BullMQ queue, one job per unit of a
 * crawl run, and what a job carries. Everything in a job is plain data: a
 * worker on another machine rebuilds the network policy, the gather plan and
 * the crawl settings from it.
 */

export const QUEUE_NAME = 'zwgk-crawl';
/** Redis key prefix (`--queue-name`): two deployments on one Redis keep apart. */
export const DEFAULT_PREFIX = 'zwgk';

export interface UnitJob {
  crawlId: string;
  unit: Unit;
  /** The run's network policy as data (hosts of the whole units file, allowed hosts, pacing). */
  policy: PolicySpec;
  /** Requests at once per host, across every worker (--concurrency). */
  concurrency: number;
  /** The scheme file's text (YAML), from which the worker makes the same gather plan; null: the default scheme. */
  schemeText: string | null;
  /** The store the coordinator reads the snapshots from, without its password: a worker with another refuses the job. */
  store: string;
  settings: Pick<CrawlRunOptions, 'browser' | 'renderTimeoutMs' | 'parseBudgetMs' | 'bounds'> & { fetch?: Omit<NonNullable<CrawlRunOptions['fetch']>, 'slots'> };
}

/** What a worker reports while it crawls (job.updateProgress) and when done (the job's return value). */
export type JobProgress = UnitProgress;
export interface JobResult {
  status: UnitSnapshot['status'];
}

/** BullMQ job ids may not contain ':'; crawl ids and unit ids never do. */
export function jobId(crawlId: string, unitId: string): string {
  return `${crawlId}.${unitId}`;
}

/** The Redis connection settings BullMQ takes, from a redis:// address (one Chinese line when malformed). */
export function redisConnection(url: string): { host: string; port: number; db?: number; username?: string; password?: string; tls?: object } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--queue 地址 ${url} 无效，应为 redis://主机:端口`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`--queue 地址 ${url} 无效，应为 redis://主机:端口`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: Number(u.port) || 6379,
    ...(db !== undefined && Number.isInteger(db) && { db }),
    ...(u.username && { username: decodeURIComponent(u.username) }),
    ...(u.password && { password: decodeURIComponent(u.password) }),
    ...(u.protocol === 'rediss:' && { tls: {} }),
  };
}
