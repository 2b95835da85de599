import type { Unit, UnitSnapshot } from './snapshot.ts';

/**
 * What a crawl keeps from one run to the next, and the store provides:
 * conditional requests and raw pages, every item's first-seen instant, the
 * previous snapshot of a unit, and the record of the run. The crawl depends
 * on this, not on the store.
 */

/** A raw page as the fetcher hands it over and gets it back on 304. */
export interface StoredPage {
  status: number;
  finalUrl: string;
  contentType?: string;
  etag?: string;
  lastModified?: string;
  body: Buffer;
  /** When it was stored (set by the store). */
  fetchedAt?: string;
}

/** What the fetcher needs for conditional requests; the Store implements it. */
export interface PageCache {
  pageValidators(url: string): { etag?: string; lastModified?: string } | undefined;
  loadPage(url: string): Promise<StoredPage | null>;
  savePage(url: string, page: StoredPage): Promise<void>;
  /** Removes the stored raw page and its validators (it held personal data); the next read is a full one. */
  forgetPage?(url: string): Promise<void>;
}

/** The crawl's memory across runs; the store implements it. */
export interface CrawlMemory extends PageCache {
  beginRun(unitIds: string[]): Promise<{ id: string }>;
  finishRun(id: string, status: 'done' | 'failed' | 'aborted'): Promise<void>;
  /** The first instant any crawl saw `url` in the unit's columns; records `seenAt` the first time. */
  firstSeen(unitId: string, url: string, seenAt: string): string;
  /**
   * The newest readable snapshot (with `reachable`: the last night the portal answered), or null;
   * a damaged file is passed over for the one before it, told through `onUnreadable`.
   */
  latestSnapshot(unitId: Unit['id'], opts?: { reachable?: boolean; onUnreadable?: (line: string) => void }): Promise<UnitSnapshot | null>;
  saveSnapshot(snapshot: UnitSnapshot): Promise<unknown>;
  /** Before a unit's crawl: loads what `firstSeen` and `pageValidators` answer at once (a database store; the file store holds all in memory). */
  prepareUnit?(unitId: string): Promise<void>;
}
