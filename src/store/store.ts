import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open as openFile, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { constants, gunzip, gunzipSync, gzip } from 'node:zlib';
import { Low } from 'lowdb';
import { fsyncDir, writeFileAtomic } from '../lib/atomic-write.ts';
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
 *   <dataDir>/zwgk.journal                           what changed since zwgk.json was written, one JSON array a line
 *   <dataDir>/first-seen/<unitId>.json               every item's first-seen instant in that unit, by URL
 *   <dataDir>/snapshots/<unitId>/<crawlId>.json.gz   one UnitSnapshot per unit and crawl
 *   <dataDir>/pages/<sha1 of body>.html.gz           raw response bodies (bytes as served), content-addressed
 *
 * zwgk.json holds: crawl runs (id, startedAt, finishedAt, units, status); per
 * URL the validators (ETag / Last-Modified) and the stored raw page; per unit
 * the list of complete snapshots. First-seen instants, the bulk (every item
 * ever listed), live in one file per unit, read when the unit's crawl first
 * asks and let go once its snapshot is saved: memory holds the units being
 * crawled, not every unit of the run. (An index written before they moved
 * there hands its first-seen instants over at open.) A unit's file missing
 * or damaged while the unit has snapshots is rebuilt from them. Mutations are in memory and reach disk on `flush()` (called by
 * `saveSnapshot`, `beginRun` and `finishRun`): appended to zwgk.journal and
 * fsynced, so a unit's crawl costs what it changed, never a rewrite of an
 * index that grows with the run. The index is compacted (written whole, in
 * pieces, never as one string; the journal then removed) when a run finishes,
 * at open when a journal is left, when the journal outgrows the index, and
 * when a page is forgotten (the journal must not keep its address). Replaying
 * the journal is idempotent, so a crash between the two steps of a compaction
 * loses nothing; a torn last line (a crash mid-append) costs only the
 * changes of that last flush: their snapshot files stay unlisted and the
 * previous snapshots stay the latest, as for an unfinished unit.
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

/**
 * One change of the index, as a journal line: a run, a page record, a snapshot
 * listed. (First sightings are not journalled: a unit's file is written before
 * its snapshot is listed, and a unit cut short lists nothing.)
 */
type JournalOp = ['r', CrawlRun] | ['p', string, PageRecord] | ['s', string, SnapshotRef];

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
/** A journal shorter than this is never worth a compaction of its own. */
const MIN_COMPACT_BYTES = 8 * 1024 * 1024;
const gunzipAsync = promisify(gunzip);

const emptyData = (): StoreData => ({ version: 1, runs: [], firstSeen: {}, pages: {}, snapshots: {} });



export class Store implements SnapshotStore {
  readonly dataDir: string;
  readonly #db: Low<StoreData>;
  readonly #journal: string;
  /** Changes not yet appended to the journal. */
  #pending: JournalOp[] = [];
  /** A page was forgotten: the next flush compacts, so no file keeps its record. */
  #forgot = false;
  #journalBytes = 0;
  /** Size of zwgk.json as last compacted: the journal may grow to this before a compaction of its own. */
  #indexBytes = 0;
  /** Appends and compactions, one at a time. */
  #io: Promise<void> = Promise.resolve();
  /** First-seen instants of the units in hand (read, and not yet let go by their saved snapshot). */
  readonly #seen = new Map<string, Record<string, string>>();
  /** Units whose first-seen file is behind #seen. */
  readonly #seenDirty = new Set<string>();
  /** Set when the index had to be recovered at open: one Chinese line the command or service reports. */
  recovery: string | null = null;

  constructor(dataDir: string, db: Low<StoreData>) {
    this.dataDir = dataDir;
    this.#db = db;
    this.#journal = join(dataDir, 'zwgk.journal');
  }

  get #data(): StoreData {
    return this.#db.data;
  }

  /** Records the run at once, so that a crash leaves a trace that the next open clears up. */
  async beginRun(unitIds: string[], now: Date = new Date()): Promise<CrawlRun> {
    const run: CrawlRun = { id: newCrawlId(now), startedAt: nowIso(now), finishedAt: null, units: [...unitIds], status: 'running', pid: process.pid };
    this.#data.runs.push(run);
    this.#pending.push(['r', run]);
    await this.flush();
    return run;
  }

  /**
   * After a crash: runs left `running` by a dead process become `aborted`,
   * and the temporary files such a process left half-written are removed.
   */
  async recover(): Promise<void> {
    const dead = new Set<number>();
    let changed = false;
    for (const run of this.#data.runs) {
      if (run.status !== 'running' || (run.pid !== undefined && processAlive(run.pid))) continue;
      run.status = 'aborted';
      changed = true;
      if (run.pid !== undefined) dead.add(run.pid);
    }
    if (!changed) return;
    const dirs = [this.dataDir, join(this.dataDir, 'pages'), ...(await subdirs(join(this.dataDir, 'snapshots')))];
    for (const dir of dirs) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const m = /\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
        if (m && dead.has(Number(m[1]))) await rm(join(dir, name), { force: true });
      }
    }
    await this.#compact();
  }

  async finishRun(id: string, status: Exclude<CrawlRun['status'], 'running'>, now: Date = new Date()): Promise<void> {
    const run = this.#data.runs.find((r) => r.id === id);
    if (!run) throw new Error(`数据目录中没有抓取批次 ${id}`);
    run.status = status;
    run.finishedAt = nowIso(now);
    await this.#compact();
  }

  /** Newest last. */
  listRuns(): CrawlRun[] {
    return [...this.#data.runs];
  }

  /** The first instant any crawl saw `url` in `unitId`'s columns; records `seenAt` the first time. */
  firstSeen(unitId: string, url: string, seenAt: string): string {
    const byUrl = this.#unitSeen(unitId);
    const known = byUrl[url];
    if (known !== undefined) return known;
    this.#seenDirty.add(unitId);
    return (byUrl[url] = seenAt);
  }

  #seenFile(unitId: string): string {
    return join(this.dataDir, 'first-seen', `${unitId}.json`);
  }

  /**
   * The unit's first-seen instants, read on first use (synchronously: a few
   * hundred KB once per unit and run). Missing or damaged while the unit has
   * snapshots: taken back from them.
   */
  #unitSeen(unitId: string): Record<string, string> {
    let byUrl = this.#seen.get(unitId);
    if (byUrl) return byUrl;
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.#seenFile(unitId), 'utf8'));
      if (!isPlainObject(parsed)) throw new Error('not an object');
      byUrl = parsed as Record<string, string>;
    } catch {
      byUrl = {};
      for (const ref of this.listSnapshots(unitId)) {
        try {
          const snap: unknown = JSON.parse(gunzipSync(readFileSync(join(this.dataDir, ref.file))).toString('utf8'));
          if (isSnapshot(snap)) takeFirstSeen(byUrl, snap);
        } catch {
          // an unreadable snapshot has nothing to give
        }
      }
      if (Object.keys(byUrl).length > 0) this.#seenDirty.add(unitId);
    }
    this.#seen.set(unitId, byUrl);
    return byUrl;
  }

  /** Writes the first-seen files behind memory (only `unitId`'s, given); in the #io order, so no two write one file. */
  async #writeSeen(unitId?: string): Promise<void> {
    const due = [...this.#seenDirty].filter((id) => unitId === undefined || id === unitId);
    for (const id of due) {
      const byUrl = this.#seen.get(id);
      this.#seenDirty.delete(id);
      if (byUrl) await writeFileAtomic(this.#seenFile(id), JSON.stringify(byUrl));
    }
  }

  async saveSnapshot(snap: UnitSnapshot): Promise<SnapshotRef> {
    const file = join('snapshots', snap.unit.id, `${snap.crawlId}.json.gz`);
    await writeFileAtomic(join(this.dataDir, file), await gzipAsync(JSON.stringify(snap)));
    const ref: SnapshotRef = { crawlId: snap.crawlId, file, startedAt: snap.startedAt, finishedAt: snap.finishedAt, status: snap.status };
    listSnapshot(this.#data, snap.unit.id, ref);
    this.#pending.push(['s', snap.unit.id, ref]);
    // The unit's crawl is over: its first-seen instants go to their file (before the snapshot is listed) and leave memory.
    await this.#serial(async () => {
      await this.#writeSeen(snap.unit.id);
      this.#seen.delete(snap.unit.id);
    });
    await this.flush();
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
        takeFirstSeen(this.#unitSeen(unitId), snap);
        this.#seenDirty.add(unitId);
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
    await this.#compact();
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
    const rec: PageRecord = { file, status, finalUrl, contentType, etag, lastModified, fetchedAt: nowIso() };
    this.#data.pages[url] = rec;
    this.#pending.push(['p', url, rec]);
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
    this.#forgot = true;
    if (!Object.values(this.#data.pages).some((r) => r.file === rec.file)) await rm(join(this.dataDir, rec.file), { force: true });
  }

  /** Appends what changed to the journal (fsynced), or compacts when that is due. */
  flush(): Promise<void> {
    return this.#serial(async () => {
      if (this.#forgot || this.#journalBytes > Math.max(MIN_COMPACT_BYTES, this.#indexBytes)) return this.#compactNow();
      const ops = this.#pending;
      if (ops.length === 0) return;
      this.#pending = [];
      const text = `${ops.map((op) => JSON.stringify(op)).join('\n')}\n`;
      const created = this.#journalBytes === 0;
      const fh = await openFile(this.#journal, 'a');
      try {
        await fh.write(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (created) await fsyncDir(this.dataDir);
      this.#journalBytes += Buffer.byteLength(text);
    });
  }

  #compact(): Promise<void> {
    return this.#serial(() => this.#compactNow());
  }

  /** The whole index to zwgk.json (atomic, the version before kept as .bak), then the journal goes. */
  async #compactNow(): Promise<void> {
    this.#pending = [];
    this.#forgot = false;
    // The journal's first sightings are in their units' files before the journal goes.
    await this.#writeSeen();
    await this.#db.write();
    await rm(this.#journal, { force: true });
    this.#journalBytes = 0;
    this.#indexBytes = await stat(join(this.dataDir, 'zwgk.json')).then((st) => st.size, () => 0);
  }

  #serial(fn: () => Promise<void>): Promise<void> {
    const next = this.#io.then(fn);
    this.#io = next.catch(() => {});
    return next;
  }

  /** At open: the changes a previous process appended after its last compaction, applied in order, then compacted. */
  /**
   * At open: first-seen instants an older index held move to their units'
   * files; the changes a previous process appended after its last compaction
   * are applied in order; then the index is compacted (when either happened).
   */
  async settle(): Promise<void> {
    this.#indexBytes = await stat(join(this.dataDir, 'zwgk.json')).then((st) => st.size, () => 0);
    let changed = false;
    for (const [unitId, old] of Object.entries(this.#data.firstSeen)) {
      const byUrl = this.#unitSeen(unitId);
      for (const [url, at] of Object.entries(old)) if (!byUrl[url] || at < byUrl[url]) byUrl[url] = at;
      this.#seenDirty.add(unitId);
      changed = true;
    }
    this.#data.firstSeen = {};
    const text = await readFile(this.#journal, 'utf8').catch(() => null);
    for (const line of text?.split('\n') ?? []) {
      let op: unknown;
      try {
        op = JSON.parse(line);
      } catch {
        continue; // the torn tail of an append cut short, or an empty line
      }
      applyOp(this.#data, op);
      changed = true;
    }
    if (changed) await this.#compact();
    this.#seen.clear();
  }
}

function listSnapshot(data: StoreData, unitId: string, ref: SnapshotRef): void {
  const list = (data.snapshots[unitId] ??= []);
  const i = list.findIndex((r) => r.crawlId === ref.crawlId);
  if (i >= 0) list[i] = ref;
  else list.push(ref);
}

/** Keeps the earliest first-seen instant of every item a snapshot lists. */
function takeFirstSeen(byUrl: Record<string, string>, snap: UnitSnapshot): void {
  for (const column of snap.columns) {
    for (const item of column.items) {
      const seen = byUrl[item.url];
      if (item.firstSeen && (!seen || item.firstSeen < seen)) byUrl[item.url] = item.firstSeen;
    }
  }
}

/** Applies one journal line; applying it twice changes nothing more (a line is replayed again after a crash mid-compaction). */
function applyOp(data: StoreData, op: unknown): void {
  if (!Array.isArray(op)) return;
  const [kind, a, b] = op as unknown[];
  if (kind === 'r' && isPlainObject(a) && typeof a.id === 'string') {
    const run = a as unknown as CrawlRun;
    const i = data.runs.findIndex((r) => r.id === run.id);
    if (i >= 0) data.runs[i] = run;
    else data.runs.push(run);
  } else if (kind === 'p' && typeof a === 'string' && isPlainObject(b) && typeof b.file === 'string') {
    data.pages[a] = b as unknown as PageRecord;
  } else if (kind === 's' && typeof a === 'string' && isPlainObject(b) && typeof b.crawlId === 'string' && typeof b.file === 'string') {
    listSnapshot(data, a, b as unknown as SnapshotRef);
  }
}

/** zwgk.json in pieces: a few thousand entries each, so a large index is never one string in memory. First-seen instants are in their own files. */
function* indexText(d: StoreData): Generator<string> {
  yield `{"version":${d.version},"runs":${JSON.stringify(d.runs)},"snapshots":${JSON.stringify(d.snapshots)},"firstSeen":{},"pages":`;
  yield* objectText(d.pages);
  yield '}';
}

function* objectText(o: Record<string, unknown>, per = 2000): Generator<string> {
  let piece = '{';
  let n = 0;
  for (const key in o) {
    piece += `${n > 0 ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(o[key])}`;
    if (++n % per === 0) {
      yield piece;
      piece = '';
    }
  }
  yield `${piece}}`;
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
  const adapter = new DurableJsonFile<StoreData>(join(dir, 'zwgk.json'), { label: '数据目录索引', valid: isStoreData, stringify: indexText });
  const db = new Low<StoreData>(adapter, emptyData());
  await db.read();
  db.data = { ...emptyData(), ...db.data };
  const store = new Store(dir, db);
  await store.settle();
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
