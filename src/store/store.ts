import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { constants, gunzip, gzip } from 'node:zlib';
import { Low } from 'lowdb';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { DurableJsonFile, isPlainObject } from '../lib/json-file.ts';
import { fmtInstant, newCrawlId, nowIso } from '../lib/time.ts';
import type { StoredPage } from '../model/crawl-memory.ts';
import type { UnitSnapshot } from '../model/snapshot.ts';
import type { CrawlRun, SnapshotRef, SnapshotStore } from './store-api.ts';

export type { CrawlRun, SnapshotRef } from './store-api.ts';

/**
 * The store: what crawls leave behind, under one data directory.
 *
 *   <dataDir>/zwgk.json                              lowdb index (compact JSON), zwgk.json.bak the version before
 *   <dataDir>/snapshots/<unitId>/<crawlId>.json.gz   one UnitSnapshot per unit and crawl
 *   <dataDir>/pages/<sha1 of body>.html.gz           raw response bodies (bytes as served), content-addressed
 *
 * zwgk.json holds: crawl runs (id, startedAt, finishedAt, units, status); every
 * item's first-seen instant keyed by unit and URL; per URL the validators
 * (ETag / Last-Modified) and the stored raw page; per unit the list of complete
 * snapshots. Mutations are in memory and reach disk on `flush()` (called by
 * `saveSnapshot` and `finishRun`), so a crawl writes the index once per unit,
 * not once per item (and, after a snapshot, at most every few seconds).
 *
 * Atomicity: snapshot, page and index files are written to a temporary name,
 * flushed and renamed (src/lib/atomic-write.ts); a snapshot is listed in the
 * index only after its file is complete, so `latestSnapshot` returns the
 * previous good one until then. A snapshot file that cannot be read (truncated,
 * deleted) is passed over for the one before it, and said so. A damaged index
 * is recovered from zwgk.json.bak, else rebuilt from the snapshot files on
 * disk; `store.recovery` says so in one line (src/lib/json-file.ts).
 *
 * API:
 *   openStore(dataDir) → Store      one shared instance per directory in a process
 *   await store.beginRun(unitIds) → CrawlRun    store.finishRun(id, status)      store.listRuns()
 *   store.firstSeen(unitId, url, seenAt) → ISO  (the stored instant, or records seenAt)
 *   store.saveSnapshot(snap)                    store.latestSnapshot(unitId, { reachable?, onUnreadable? })
 *   store.listSnapshots(unitId) → SnapshotRef[] (oldest first)   store.loadSnapshot(unitId, crawlId)
 *   store.pageValidators(url) / store.loadPage(url) / store.savePage(url, page) / store.forgetPage(url)   (the fetcher's PageCache)
 *   store.pagePath(url) → absolute path of the stored raw page (for evidence)
 *   store.flush()
 *
 * One process owns a data directory at a time (src/store/data-lock.ts, taken
 * by the commands): two processes writing the same zwgk.json would overwrite
 * each other's index. Opening a store clears up after a crashed process (runs
 * left `running`, half-written temporary files).
 */

export interface PageRecord {
  /** Relative to the data directory: pages/<sha1>.html.gz. */
  file: string;
  status: number;
  finalUrl: string;
  contentType?: string;
  etag?: string;
  lastModified?: string;
  fetchedAt: string;
}

interface StoreData {
  version: 1;
  runs: CrawlRun[];
  firstSeen: Record<string, Record<string, string>>;
  pages: Record<string, PageRecord>;
  snapshots: Record<string, SnapshotRef[]>;
}

// zlib's thread pool, not the event loop: a crawl stores pages while it parses others.
const gzipAsync = promisify(gzip);
/** Raw pages are stored on every fetch: the fastest level costs a fraction of the default's CPU for slightly bigger files. */
const PAGE_GZIP = { level: constants.Z_BEST_SPEED };
/**
 * The index holds every item's first-seen instant, so it grows with the run:
 * rewriting it after every unit would make a run's cost grow with the square
 * of its units. After a snapshot it is written at most this often (and always
 * when the run finishes). A crash may leave the last few seconds' snapshot
 * files unlisted: the previous snapshots stay the latest, as for an unfinished unit.
 */
const SNAPSHOT_FLUSH_MS = 5_000;
const gunzipAsync = promisify(gunzip);

const emptyData = (): StoreData => ({ version: 1, runs: [], firstSeen: {}, pages: {}, snapshots: {} });



export class Store implements SnapshotStore {
  readonly dataDir: string;
  readonly #db: Low<StoreData>;
  #flushedAt = 0;
  /** Set when the index had to be recovered at open: one Chinese line the command or service reports. */
  recovery: string | null = null;

  constructor(dataDir: string, db: Low<StoreData>) {
    this.dataDir = dataDir;
    this.#db = db;
  }

  get #data(): StoreData {
    return this.#db.data;
  }

  /** Records the run at once, so that a crash leaves a trace that the next open clears up. */
  async beginRun(unitIds: string[], now: Date = new Date()): Promise<CrawlRun> {
    const run: CrawlRun = { id: newCrawlId(now), startedAt: nowIso(now), finishedAt: null, units: [...unitIds], status: 'running', pid: process.pid };
    this.#data.runs.push(run);
    await this.flush();
    return run;
  }

  /**
   * After a crash: runs left `running` by a dead process become `aborted`,
   * and the temporary files such a process left half-written are removed.
   */
  async recover(): Promise<void> {
    const dead = new Set<number>();
    for (const run of this.#data.runs) {
      if (run.status !== 'running' || (run.pid !== undefined && processAlive(run.pid))) continue;
      run.status = 'aborted';
      if (run.pid !== undefined) dead.add(run.pid);
    }
    if (dead.size === 0) return;
    const dirs = [this.dataDir, join(this.dataDir, 'pages'), ...(await subdirs(join(this.dataDir, 'snapshots')))];
    for (const dir of dirs) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const m = /\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
        if (m && dead.has(Number(m[1]))) await rm(join(dir, name), { force: true });
      }
    }
    await this.flush();
  }

  async finishRun(id: string, status: Exclude<CrawlRun['status'], 'running'>, now: Date = new Date()): Promise<void> {
    const run = this.#data.runs.find((r) => r.id === id);
    if (!run) throw new Error(`数据目录中没有抓取批次 ${id}`);
    run.status = status;
    run.finishedAt = nowIso(now);
    await this.flush();
  }

  /** Newest last. */
  listRuns(): CrawlRun[] {
    return [...this.#data.runs];
  }

  /** The first instant any crawl saw `url` in `unitId`'s columns; records `seenAt` the first time. */
  firstSeen(unitId: string, url: string, seenAt: string): string {
    const byUrl = (this.#data.firstSeen[unitId] ??= {});
    return (byUrl[url] ??= seenAt);
  }

  async saveSnapshot(snap: UnitSnapshot): Promise<SnapshotRef> {
    const file = join('snapshots', snap.unit.id, `${snap.crawlId}.json.gz`);
    await writeFileAtomic(join(this.dataDir, file), await gzipAsync(JSON.stringify(snap)));
    const ref: SnapshotRef = { crawlId: snap.crawlId, file, startedAt: snap.startedAt, finishedAt: snap.finishedAt, status: snap.status };
    const list = (this.#data.snapshots[snap.unit.id] ??= []);
    const i = list.findIndex((r) => r.crawlId === snap.crawlId);
    if (i >= 0) list[i] = ref;
    else list.push(ref);
    if (Date.now() - this.#flushedAt >= SNAPSHOT_FLUSH_MS) await this.flush();
    return ref;
  }

  /** Oldest first. */
  listSnapshots(unitId: string): SnapshotRef[] {
    return [...(this.#data.snapshots[unitId] ?? [])];
  }

  /**
   * The newest complete snapshot of a unit that can be read, or null. With
   * `reachable`, skips snapshots whose index page could not be fetched (a night
   * the portal was down). A listed snapshot whose file is damaged or gone is
   * passed over for the one before it; `onUnreadable` gets one Chinese line
   * saying which and what was used instead.
   */
  async latestSnapshot(unitId: string, opts: { reachable?: boolean; onUnreadable?: (line: string) => void } = {}): Promise<UnitSnapshot | null> {
    const refs = this.listSnapshots(unitId).filter((r) => !opts.reachable || r.status !== 'unreachable');
    const unreadable: string[] = [];
    for (let i = refs.length - 1; i >= 0; i--) {
      const ref = refs[i]!;
      const snap = await this.#readSnapshot(ref).catch((err: Error) => {
        unreadable.push(`${ref.file}（${err.message}）`);
        return null;
      });
      if (!snap) continue;
      if (unreadable.length > 0) opts.onUnreadable?.(`单位 ${unitId} 的快照文件 ${unreadable.join('、')}无法读取，改用 ${fmtInstant(ref.finishedAt)} 抓取的快照`);
      return snap;
    }
    if (unreadable.length > 0) opts.onUnreadable?.(`单位 ${unitId} 的快照文件 ${unreadable.join('、')}无法读取，且没有更早的可用快照`);
    return null;
  }

  async loadSnapshot(unitId: string, crawlId: string): Promise<UnitSnapshot | null> {
    const ref = this.#data.snapshots[unitId]?.find((r) => r.crawlId === crawlId);
    return ref ? this.#readSnapshot(ref) : null;
  }

  async #readSnapshot(ref: Pick<SnapshotRef, 'file'>): Promise<UnitSnapshot> {
    const file = join(this.dataDir, ref.file);
    let snap: unknown;
    try {
      snap = JSON.parse((await gunzipAsync(await readFile(file))).toString('utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? '文件不存在' : code?.startsWith('Z_') || !code ? '内容不完整或已损坏' : `无法读取：${code}`);
    }
    if (!isSnapshot(snap)) throw new Error('内容格式不对');
    return snap;
  }

  /**
   * After the index was lost: lists the snapshot files on disk it does not
   * list, and takes back the earliest first-seen instant of every item they
   * hold (so old items are not taken for newly published ones).
   */
  async #rescan(): Promise<{ listed: number; unreadable: number }> {
    let listed = 0;
    let unreadable = 0;
    for (const unitDir of await subdirs(join(this.dataDir, 'snapshots'))) {
      const unitId = basename(unitDir);
      const known = new Set(this.listSnapshots(unitId).map((r) => r.crawlId));
      for (const name of (await readdir(unitDir)).filter((n) => n.endsWith('.json.gz')).sort()) {
        const crawlId = name.slice(0, -'.json.gz'.length);
        if (known.has(crawlId)) continue;
        const file = join('snapshots', unitId, name);
        const snap = await this.#readSnapshot({ file }).catch(() => null);
        if (!snap || snap.unit.id !== unitId || snap.crawlId !== crawlId) {
          unreadable++;
          continue;
        }
        const byUrl = (this.#data.firstSeen[unitId] ??= {});
        for (const column of snap.columns) {
          for (const item of column.items) {
            const seen = byUrl[item.url];
            if (item.firstSeen && (!seen || item.firstSeen < seen)) byUrl[item.url] = item.firstSeen;
          }
        }
        (this.#data.snapshots[unitId] ??= []).push({ crawlId, file, startedAt: snap.startedAt, finishedAt: snap.finishedAt, status: snap.status });
        listed++;
      }
      this.#data.snapshots[unitId]?.sort((a, b) => (a.crawlId < b.crawlId ? -1 : a.crawlId > b.crawlId ? 1 : 0));
    }
    return { listed, unreadable };
  }

  /** After the index had to be recovered at open: the snapshots it misses are listed again and the result written out at once. */
  async recoverIndex(line: string): Promise<void> {
    const { listed, unreadable } = await this.#rescan();
    const rescanned = listed > 0 ? `；从磁盘重新登记了 ${listed} 个快照` : '';
    const skipped = unreadable > 0 ? `（${unreadable} 个快照文件无法读取，已跳过）` : '';
    this.recovery = `${line}${rescanned}${skipped}`;
    await this.flush();
  }

  pageValidators(url: string): { etag?: string; lastModified?: string } | undefined {
    const rec = this.#data.pages[url];
    if (!rec || (!rec.etag && !rec.lastModified)) return undefined;
    return { etag: rec.etag, lastModified: rec.lastModified };
  }

  pagePath(url: string): string | null {
    const rec = this.#data.pages[url];
    return rec ? join(this.dataDir, rec.file) : null;
  }

  async loadPage(url: string): Promise<StoredPage | null> {
    const rec = this.#data.pages[url];
    if (!rec) return null;
    let body: Buffer;
    try {
      body = await gunzipAsync(await readFile(join(this.dataDir, rec.file)));
    } catch {
      return null; // file pruned or damaged: the caller fetches afresh
    }
    const { status, finalUrl, contentType, etag, lastModified, fetchedAt } = rec;
    return { status, finalUrl, contentType, etag, lastModified, body, fetchedAt };
  }

  async savePage(url: string, page: StoredPage): Promise<void> {
    const sha1 = createHash('sha1').update(page.body).digest('hex');
    const file = join('pages', `${sha1}.html.gz`);
    const abs = join(this.dataDir, file);
    // A cache: loadPage treats a damaged file as not stored, so a flush to disk per page (thousands a night) is not needed.
    if (!existsSync(abs)) await writeFileAtomic(abs, await gzipAsync(page.body, PAGE_GZIP), { fsync: false });
    const { status, finalUrl, contentType, etag, lastModified } = page;
    this.#data.pages[url] = { file, status, finalUrl, contentType, etag, lastModified, fetchedAt: nowIso() };
  }

  /**
   * Forgets a raw page: its record, and its file unless another address has
   * the same body. The crawl calls this for a page in which it found personal
   * numbers: the snapshot keeps them masked, and the raw copy must not keep
   * them in full (the next crawl reads the page afresh, without validators).
   */
  async forgetPage(url: string): Promise<void> {
    const rec = this.#data.pages[url];
    if (!rec) return;
    delete this.#data.pages[url];
    if (!Object.values(this.#data.pages).some((r) => r.file === rec.file)) await rm(join(this.dataDir, rec.file), { force: true });
  }

  async flush(): Promise<void> {
    this.#flushedAt = Date.now();
    await this.#db.write();
  }
}

const open = new Map<string, Promise<Store>>();

/** Opens (creating when absent) the store in `dataDir`; the same directory gives the same instance. */
export function openStore(dataDir: string): Promise<Store> {
  const dir = resolve(dataDir);
  let store = open.get(dir);
  if (!store) {
    store = load(dir);
    open.set(dir, store);
    store.catch(() => open.delete(dir));
  }
  return store;
}

async function load(dir: string): Promise<Store> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new Error(`数据目录 ${dir} 无法创建：${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const adapter = new DurableJsonFile<StoreData>(join(dir, 'zwgk.json'), { label: '数据目录索引', valid: isStoreData });
  const db = new Low<StoreData>(adapter, emptyData());
  await db.read();
  db.data = { ...emptyData(), ...db.data };
  const store = new Store(dir, db);
  if (adapter.recovery) await store.recoverIndex(adapter.recovery.line);
  await store.recover();
  return store;
}

function isStoreData(v: unknown): v is StoreData {
  if (!isPlainObject(v)) return false;
  return Array.isArray(v.runs) && isPlainObject(v.firstSeen) && isPlainObject(v.pages) && isPlainObject(v.snapshots);
}

export function isSnapshot(v: unknown): v is UnitSnapshot {
  return isPlainObject(v) && isPlainObject(v.unit) && typeof v.unit.id === 'string' && Array.isArray(v.columns) && isPlainObject(v.articles) && Array.isArray(v.failures);
}

export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
}
