import type { CrawlMemory, StoredPage } from '../model/crawl-memory.ts';
import type { UnitSnapshot } from '../model/snapshot.ts';

/**
 * What a store offers the commands, the audit pipeline and the workers,
 * whatever keeps it: the file store under a data directory (src/store/store.ts,
 * the default for one machine) or PostgreSQL (src/store/postgres-store.ts,
 * `--store postgres://…`, shared by the machines of a distributed run).
 * Lists may come back as promises (a database answers asynchronously): callers await them.
 */

export interface CrawlRun {
  id: string;
  startedAt: string;
  finishedAt: string | null;
  units: string[];
  /** `aborted`: stopped by the user, or found `running` after its process died (killed, power cut). */
  status: 'running' | 'done' | 'failed' | 'aborted';
  /** The process that ran it, to tell a crashed run from one still going. */
  pid?: number;
}

export interface SnapshotRef {
  crawlId: string;
  /** Where it is kept: relative to the data directory (file store), or `postgres:<unit>/<crawl>`. */
  file: string;
  startedAt: string;
  finishedAt: string;
  status: UnitSnapshot['status'];
}

type Awaitable<T> = T | Promise<T>;

export interface SnapshotStore extends CrawlMemory {
  /** Set when the store had to be recovered at open: one Chinese line the command or service reports. */
  recovery: string | null;
  beginRun(unitIds: string[], now?: Date): Promise<CrawlRun>;
  finishRun(id: string, status: Exclude<CrawlRun['status'], 'running'>, now?: Date): Promise<void>;
  /** Newest last. */
  listRuns(): Awaitable<CrawlRun[]>;
  /** Oldest first. */
  listSnapshots(unitId: string): Awaitable<SnapshotRef[]>;
  loadSnapshot(unitId: string, crawlId: string): Promise<UnitSnapshot | null>;
  saveSnapshot(snap: UnitSnapshot): Promise<SnapshotRef>;
  loadPage(url: string): Promise<StoredPage | null>;
  forgetPage(url: string): Promise<void>;
  /** Writes what is held in memory. */
  flush(): Promise<void>;
}
