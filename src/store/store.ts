import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { constants, gunzip, gzip } from 'node:zlib';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { newCrawlId, nowIso } from '../lib/time.ts';
import type { CrawlMemory, StoredPage } from '../model/crawl-memory.ts';
import type { UnitSnapshot } from '../model/snapshot.ts';

/**
 * The store: what crawls leave behind, under one data directory.
 *
 *   <dataDir>/zwgk.json                              lowdb index (compact JSON, written atomically by steno)
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
 * Atomicity: snapshot and page files are written to a temporary name and
 * renamed; a snapshot is listed in the index only after its file is complete,
 * so `latestSnapshot` returns the previous good one until then.
 *
 * API:
 *   openStore(dataDir) → Store      one shared instance per directory in a process
 *   await store.beginRun(unitIds) → CrawlRun    store.finishRun(id, status)      store.listRuns()
 *   store.firstSeen(unitId, url, seenAt) → ISO  (the stored instant, or records seenAt)
 *   store.saveSnapshot(snap)                    store.latestSnapshot(unitId, { reachable? })
 *   store.listSnapshots(unitId) → SnapshotRef[] (oldest first)   store.loadSnapshot(unitId, crawlId)
 *   store.pageValidators(url) / store.loadPage(url) / store.savePage(url, page) / store.forgetPage(url)   (the fetcher's PageCache)
 *   store.pagePath(url) → absolute path of the stored raw page (for evidence)
 *   store.flush()
 *
 * One process should own a data directory at a time: two processes writing the
 * same zwgk.json would overwrite each other's index. Opening a store clears up
 * after a crashed process (runs left `running`, half-written temporary files).
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
  /** Relative to the data directory. */
  file: string;
  startedAt: string;
  finishedAt: string;
  status: UnitSnapshot['status'];
}

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



export class Store implements CrawlMemory {
  readonly dataDir: string;
  readonly #db: Low<StoreData>;
  #flushedAt = 0;

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
    const dirs = [join(this.dataDir, 'pages'), ...(await subdirs(join(this.dataDir, 'snapshots')))];
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
   * The newest complete snapshot of a unit, or null. With `reachable`, skips
   * snapshots whose index page could not be fetched (a night the portal was down).
   */
  async latestSnapshot(unitId: string, opts: { reachable?: boolean } = {}): Promise<UnitSnapshot | null> {
    const refs = this.listSnapshots(unitId).filter((r) => !opts.reachable || r.status !== 'unreachable');
    const ref = refs[refs.length - 1];
    return ref ? this.#readSnapshot(ref) : null;
  }

  async loadSnapshot(unitId: string, crawlId: string): Promise<UnitSnapshot | null> {
    const ref = this.#data.snapshots[unitId]?.find((r) => r.crawlId === crawlId);
    return ref ? this.#readSnapshot(ref) : null;
  }

  async #readSnapshot(ref: SnapshotRef): Promise<UnitSnapshot> {
    const file = join(this.dataDir, ref.file);
    try {
      return JSON.parse((await gunzipAsync(await readFile(file))).toString('utf8')) as UnitSnapshot;
    } catch (err) {
      throw new Error(`快照文件 ${file} 无法读取：${(err as Error).message.split('\n')[0]}`);
    }
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
    if (!existsSync(abs)) await writeFileAtomic(abs, await gzipAsync(page.body, PAGE_GZIP));
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
  const file = join(dir, 'zwgk.json');
  const db = new Low<StoreData>(new DataFile<StoreData>(file, { parse: JSON.parse, stringify: (d) => JSON.stringify(d) }), emptyData());
  try {
    await db.read();
  } catch (err) {
    throw new Error(`数据文件 ${file} 已损坏，无法读取（${(err as Error).message.split('\n')[0]}）`);
  }
  db.data = { ...emptyData(), ...db.data };
  const store = new Store(dir, db);
  await store.recover();
  return store;
}

function processAlive(pid: number): boolean {
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
