import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import { constants, gunzip, gzip } from 'node:zlib';
import pg from 'pg';
import { newCrawlId, nowIso } from '../lib/time.ts';
import type { StoredPage } from '../model/crawl-memory.ts';
import type { UnitSnapshot } from '../model/snapshot.ts';
import { isSnapshot, processAlive } from './store.ts';
import type { CrawlRun, SnapshotRef, SnapshotStore } from './store-api.ts';

/**
 * The store in PostgreSQL (`--store postgres://…`), for a run spread over
 * machines (src/queue/*): every worker reads and writes the same run index,
 * snapshots, first-seen instants and raw pages. The file store stays the
 * default for one machine.
 *
 * Tables (migration 1; `schema_version` says which migrations ran):
 *   runs(id, started_at, finished_at, units jsonb, status, pid, host)
 *   snapshots(unit_id, crawl_id, started_at, finished_at, status, body bytea)   body = gzip of the snapshot JSON
 *   first_seen(unit_id, url, seen_at)
 *   pages(url, sha1, status, final_url, content_type, etag, last_modified, fetched_at)
 *   page_bodies(sha1, body bytea)                                               body = gzip of the bytes as served
 *
 * Where two writers meet — a stalled job retried on another machine while the
 * first still runs — a snapshot is written in one transaction with its units'
 * first-seen instants; the same unit and crawl id replace the row (a job is
 * idempotent), and a first-seen instant only ever moves earlier.
 *
 * `firstSeen` and `pageValidators` answer at once (the crawl asks per item):
 * `prepareUnit` loads a unit's first-seen instants and the validators stored
 * since the last load; new instants are written with the unit's snapshot.
 */

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const PAGE_GZIP = { level: constants.Z_BEST_SPEED };
/** Any number: the key of the advisory lock under which migrations run (two workers starting at once migrate once). */
const MIGRATION_LOCK = 0x7a77676b;

/** Each entry migrates from the version before it; never edit one that has shipped, add the next. */
const MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     id text PRIMARY KEY, started_at text NOT NULL, finished_at text, units jsonb NOT NULL,
     status text NOT NULL, pid integer, host text);
   CREATE TABLE snapshots (
     unit_id text NOT NULL, crawl_id text NOT NULL, started_at text NOT NULL, finished_at text NOT NULL,
     status text NOT NULL, body bytea NOT NULL, PRIMARY KEY (unit_id, crawl_id));
   CREATE TABLE first_seen (unit_id text NOT NULL, url text NOT NULL, seen_at text NOT NULL, PRIMARY KEY (unit_id, url));
   CREATE TABLE page_bodies (sha1 text PRIMARY KEY, body bytea NOT NULL);
   CREATE TABLE pages (
     url text PRIMARY KEY, sha1 text NOT NULL, status integer NOT NULL, final_url text NOT NULL,
     content_type text, etag text, last_modified text, fetched_at text NOT NULL, stored_at timestamptz NOT NULL DEFAULT now());
   CREATE INDEX pages_stored_at ON pages (stored_at);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** The address without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return '（地址无法解析）';
  }
}

/** One Chinese line for a connection or server error. */
export function postgresError(url: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException & { severity?: string };
  const why =
    e.code === 'ECONNREFUSED' ? '拒绝连接（数据库没有启动或端口不对）'
    : e.code === 'ENOTFOUND' ? '主机名无法解析'
    : e.code === '28P01' || e.code === '28000' ? '用户名或密码不对'
    : e.code === '3D000' ? '数据库不存在'
    : (e.message ?? String(err)).split('\n')[0];
  return new Error(`无法使用 PostgreSQL 数据库 ${redactUrl(url)}：${why}`);
}

export class PostgresStore implements SnapshotStore {
  recovery: string | null = null;
  readonly url: string;
  readonly #pool: pg.Pool;
  readonly #firstSeen = new Map<string, Map<string, string>>();
  /** Instants first recorded by this process, written with the unit's snapshot. */
  readonly #newFirstSeen = new Map<string, Map<string, string>>();
  readonly #validators = new Map<string, { etag?: string; lastModified?: string }>();
  /** The database's clock at the last validator load: the next loads what was stored since. */
  #validatorsAt: string | null = null;

  private constructor(url: string, pool: pg.Pool) {
    this.url = url;
    this.#pool = pool;
  }

  /** Connects, migrates to the current schema, and marks this machine's runs whose process died as aborted. */
  static async open(url: string): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
    // An idle client's error (server restart) must not end the process; the next query reports it.
    pool.on('error', () => {});
    const store = new PostgresStore(url, pool);
    try {
      await store.#migrate();
      await store.#recover();
      await store.#loadValidators();
    } catch (err) {
      await pool.end().catch(() => {});
      throw postgresError(url, err);
    }
    return store;
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  async #migrate(): Promise<void> {
    await this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query('CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await c.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_version');
      const at = rows[0]?.v ?? 0;
      if (at > MIGRATIONS.length) throw new Error(`数据库结构版本 ${at} 比本程序（${MIGRATIONS.length}）新，请升级 zwgk`);
      for (let v = at + 1; v <= MIGRATIONS.length; v++) {
        await c.query(MIGRATIONS[v - 1]!);
        await c.query('INSERT INTO schema_version (version) VALUES ($1)', [v]);
      }
    });
  }

  /** Runs left `running` by a dead process of this machine become `aborted` (other machines' processes cannot be asked). */
  async #recover(): Promise<void> {
    const { rows } = await this.#pool.query<{ id: string; pid: number }>("SELECT id, pid FROM runs WHERE status = 'running' AND host = $1 AND pid IS NOT NULL", [hostname()]);
    const dead = rows.filter((r) => !processAlive(r.pid)).map((r) => r.id);
    if (dead.length > 0) await this.#pool.query("UPDATE runs SET status = 'aborted' WHERE id = ANY($1)", [dead]);
  }

  async #loadValidators(): Promise<void> {
    // From a minute before the last load: a page stored by a transaction that committed after that load is still seen.
    const since = this.#validatorsAt;
    const { rows } = await this.#pool.query<{ url: string; etag: string | null; last_modified: string | null; now: string }>(
      `SELECT url, etag, last_modified, (SELECT now()::text) AS now FROM pages WHERE $1::timestamptz IS NULL OR stored_at >= $1::timestamptz - interval '1 minute'`,
      [since],
    );
    for (const r of rows) this.#validators.set(r.url, { etag: r.etag ?? undefined, lastModified: r.last_modified ?? undefined });
    this.#validatorsAt = rows[0]?.now ?? (await this.#pool.query<{ now: string }>('SELECT now()::text AS now')).rows[0]!.now;
  }

  async prepareUnit(unitId: string): Promise<void> {
    const { rows } = await this.#pool.query<{ url: string; seen_at: string }>('SELECT url, seen_at FROM first_seen WHERE unit_id = $1', [unitId]);
    const byUrl = new Map(rows.map((r) => [r.url, r.seen_at]));
    for (const [url, at] of this.#newFirstSeen.get(unitId) ?? []) if (!byUrl.has(url)) byUrl.set(url, at);
    this.#firstSeen.set(unitId, byUrl);
    await this.#loadValidators();
  }

  async beginRun(unitIds: string[], now: Date = new Date()): Promise<CrawlRun> {
    const run: CrawlRun = { id: newCrawlId(now), startedAt: nowIso(now), finishedAt: null, units: [...unitIds], status: 'running', pid: process.pid };
    await this.#pool.query('INSERT INTO runs (id, started_at, finished_at, units, status, pid, host) VALUES ($1, $2, NULL, $3, $4, $5, $6)', [
      run.id,
      run.startedAt,
      JSON.stringify(run.units),
      run.status,
      run.pid,
      hostname(),
    ]);
    return run;
  }

  async finishRun(id: string, status: Exclude<CrawlRun['status'], 'running'>, now: Date = new Date()): Promise<void> {
    const { rowCount } = await this.#pool.query('UPDATE runs SET status = $2, finished_at = $3 WHERE id = $1', [id, status, nowIso(now)]);
    if (rowCount === 0) throw new Error(`数据库中没有抓取批次 ${id}`);
  }

  async listRuns(): Promise<CrawlRun[]> {
    const { rows } = await this.#pool.query<{ id: string; started_at: string; finished_at: string | null; units: string[]; status: CrawlRun['status']; pid: number | null }>(
      'SELECT id, started_at, finished_at, units, status, pid FROM runs ORDER BY started_at, id',
    );
    return rows.map((r) => ({ id: r.id, startedAt: r.started_at, finishedAt: r.finished_at, units: r.units, status: r.status, ...(r.pid !== null && { pid: r.pid }) }));
  }

  firstSeen(unitId: string, url: string, seenAt: string): string {
    let byUrl = this.#firstSeen.get(unitId);
    if (!byUrl) this.#firstSeen.set(unitId, (byUrl = new Map()));
    const known = byUrl.get(url);
    if (known !== undefined) return known;
    byUrl.set(url, seenAt);
    let fresh = this.#newFirstSeen.get(unitId);
    if (!fresh) this.#newFirstSeen.set(unitId, (fresh = new Map()));
    fresh.set(url, seenAt);
    return seenAt;
  }

  async saveSnapshot(snap: UnitSnapshot): Promise<SnapshotRef> {
    const unitId = snap.unit.id;
    const body = await gzipAsync(JSON.stringify(snap));
    const fresh = this.#newFirstSeen.get(unitId);
    await this.#tx(async (c) => {
      if (fresh && fresh.size > 0) {
        await c.query(
          `INSERT INTO first_seen (unit_id, url, seen_at) SELECT $1, u, s FROM unnest($2::text[], $3::text[]) AS t(u, s)
           ON CONFLICT (unit_id, url) DO UPDATE SET seen_at = LEAST(first_seen.seen_at, EXCLUDED.seen_at)`,
          [unitId, [...fresh.keys()], [...fresh.values()]],
        );
      }
      await c.query(
        `INSERT INTO snapshots (unit_id, crawl_id, started_at, finished_at, status, body) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (unit_id, crawl_id) DO UPDATE SET started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, status = EXCLUDED.status, body = EXCLUDED.body`,
        [unitId, snap.crawlId, snap.startedAt, snap.finishedAt, snap.status, body],
      );
    });
    this.#newFirstSeen.delete(unitId);
    return refOf(unitId, { crawl_id: snap.crawlId, started_at: snap.startedAt, finished_at: snap.finishedAt, status: snap.status });
  }

  async listSnapshots(unitId: string): Promise<SnapshotRef[]> {
    const { rows } = await this.#pool.query<RefRow>('SELECT crawl_id, started_at, finished_at, status FROM snapshots WHERE unit_id = $1 ORDER BY crawl_id', [unitId]);
    return rows.map((r) => refOf(unitId, r));
  }

  async latestSnapshot(unitId: string, opts: { reachable?: boolean; onUnreadable?: (line: string) => void } = {}): Promise<UnitSnapshot | null> {
    const { rows } = await this.#pool.query<{ crawl_id: string; body: Buffer }>(
      `SELECT crawl_id, body FROM snapshots WHERE unit_id = $1 AND ($2::boolean IS NOT TRUE OR status <> 'unreachable') ORDER BY crawl_id DESC LIMIT 5`,
      [unitId, opts.reachable ?? false],
    );
    const unreadable: string[] = [];
    for (const r of rows) {
      const snap = await decodeSnapshot(r.body);
      if (snap) {
        if (unreadable.length > 0) opts.onUnreadable?.(`单位 ${unitId} 的快照 ${unreadable.join('、')}无法读取，改用批次 ${r.crawl_id} 的快照`);
        return snap;
      }
      unreadable.push(r.crawl_id);
    }
    if (unreadable.length > 0) opts.onUnreadable?.(`单位 ${unitId} 的快照 ${unreadable.join('、')}无法读取，且没有更早的可用快照`);
    return null;
  }

  async loadSnapshot(unitId: string, crawlId: string): Promise<UnitSnapshot | null> {
    const { rows } = await this.#pool.query<{ body: Buffer }>('SELECT body FROM snapshots WHERE unit_id = $1 AND crawl_id = $2', [unitId, crawlId]);
    return rows[0] ? decodeSnapshot(rows[0].body) : null;
  }

  pageValidators(url: string): { etag?: string; lastModified?: string } | undefined {
    const v = this.#validators.get(url);
    return v && (v.etag || v.lastModified) ? v : undefined;
  }

  async loadPage(url: string): Promise<StoredPage | null> {
    const { rows } = await this.#pool.query<PageRow & { body: Buffer }>(
      'SELECT p.status, p.final_url, p.content_type, p.etag, p.last_modified, p.fetched_at, b.body FROM pages p JOIN page_bodies b ON b.sha1 = p.sha1 WHERE p.url = $1',
      [url],
    );
    const r = rows[0];
    if (!r) return null;
    const body = await gunzipAsync(r.body).catch(() => null);
    if (!body) return null; // damaged: the caller fetches afresh
    return { status: r.status, finalUrl: r.final_url, contentType: r.content_type ?? undefined, etag: r.etag ?? undefined, lastModified: r.last_modified ?? undefined, body, fetchedAt: r.fetched_at };
  }

  async savePage(url: string, page: StoredPage): Promise<void> {
    const sha1 = createHash('sha1').update(page.body).digest('hex');
    const body = await gzipAsync(page.body, PAGE_GZIP);
    await this.#tx(async (c) => {
      await c.query('INSERT INTO page_bodies (sha1, body) VALUES ($1, $2) ON CONFLICT DO NOTHING', [sha1, body]);
      await c.query(
        `INSERT INTO pages (url, sha1, status, final_url, content_type, etag, last_modified, fetched_at, stored_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
         ON CONFLICT (url) DO UPDATE SET sha1 = EXCLUDED.sha1, status = EXCLUDED.status, final_url = EXCLUDED.final_url, content_type = EXCLUDED.content_type,
           etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified, fetched_at = EXCLUDED.fetched_at, stored_at = now()`,
        [url, sha1, page.status, page.finalUrl, page.contentType ?? null, page.etag ?? null, page.lastModified ?? null, nowIso()],
      );
    });
    this.#validators.set(url, { etag: page.etag, lastModified: page.lastModified });
  }

  /** The record goes, and the body unless another address has the same bytes (it held personal numbers in full). */
  async forgetPage(url: string): Promise<void> {
    this.#validators.delete(url);
    await this.#tx(async (c) => {
      const { rows } = await c.query<{ sha1: string }>('DELETE FROM pages WHERE url = $1 RETURNING sha1', [url]);
      const sha1 = rows[0]?.sha1;
      if (sha1) await c.query('DELETE FROM page_bodies b WHERE b.sha1 = $1 AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.sha1 = $1)', [sha1]);
    });
  }

  /** Every write is done when its call returns; first-seen instants go with their unit's snapshot. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

interface RefRow {
  crawl_id: string;
  started_at: string;
  finished_at: string;
  status: UnitSnapshot['status'];
}

interface PageRow {
  status: number;
  final_url: string;
  content_type: string | null;
  etag: string | null;
  last_modified: string | null;
  fetched_at: string;
}

function refOf(unitId: string, r: RefRow): SnapshotRef {
  return { crawlId: r.crawl_id, file: `postgres:${unitId}/${r.crawl_id}`, startedAt: r.started_at, finishedAt: r.finished_at, status: r.status };
}

async function decodeSnapshot(body: Buffer): Promise<UnitSnapshot | null> {
  try {
    const snap: unknown = JSON.parse((await gunzipAsync(body)).toString('utf8'));
    return isSnapshot(snap) ? snap : null;
  } catch {
    return null;
  }
}
