import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_SCHEMA_VERSION, type UnitSnapshot } from '../../src/model/snapshot.ts';
import { PostgresStore, SCHEMA_VERSION } from '../../src/store/postgres-store.ts';
import { column, item } from '../helpers/snapshot-factory.ts';
import { NO_POSTGRES, scratchDatabase } from '../helpers/services.ts';

function snap(unitId: string, crawlId: string, urls: string[] = [], status: UnitSnapshot['status'] = 'ok'): UnitSnapshot {
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    unit: { id: unitId, name: '县教育体育局', type: 'department', url: 'http://p.example/xxgk/jtj/index.html' },
    crawlId,
    startedAt: '2021-01-20T02:00:00.000+08:00',
    finishedAt: '2021-01-20T02:01:00.000+08:00',
    status,
    columns: [column('通知公告', urls.map((u, i) => item(`通知${i}`, '2021-01-05', { url: u })))],
    articles: {},
    failures: [],
    stats: { requests: 0, pages: 0, bytes: 0, browserRenders: 0, durationMs: 0 },
  };
}

describe.skipIf(NO_POSTGRES)(`PostgreSQL store${NO_POSTGRES}`, () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  const stores: PostgresStore[] = [];
  const open = async () => {
    const s = await PostgresStore.open(db.url);
    stores.push(s);
    return s;
  };
  beforeAll(async () => {
    db = await scratchDatabase();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await db?.drop();
  });

  it('migrates an empty database once, even when several processes open it at the same moment', async () => {
    await Promise.all([open(), open(), open()]);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const versions = (await c.query<{ version: number }>('SELECT version FROM schema_version ORDER BY version')).rows.map((r) => r.version);
    const tables = (await c.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t);
    await c.end();
    expect(versions).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    expect(tables).toEqual(['first_seen', 'page_bodies', 'pages', 'runs', 'schema_version', 'snapshots']);
  });

  it('round trip: runs, snapshots, first-seen instants and raw pages, read back by another connection', async () => {
    const a = await open();
    const run = await a.beginRun(['jtj', 'mzj']);
    await a.prepareUnit('jtj');
    expect(a.firstSeen('jtj', 'http://p.example/a.html', '2021-01-20T02:00:00.000+08:00')).toBe('2021-01-20T02:00:00.000+08:00');
    const s1 = snap('jtj', run.id, ['http://p.example/a.html']);
    await a.saveSnapshot(s1);
    await a.savePage('http://p.example/xxgk/jtj/index.html', { status: 200, finalUrl: 'http://p.example/xxgk/jtj/index.html', etag: '"e1"', body: Buffer.from('<html>首页</html>') });
    await a.finishRun(run.id, 'done');

    const b = await open();
    await b.prepareUnit('jtj');
    // A later crawl keeps the first instant.
    expect(b.firstSeen('jtj', 'http://p.example/a.html', '2021-01-27T02:00:00.000+08:00')).toBe('2021-01-20T02:00:00.000+08:00');
    expect(await b.latestSnapshot('jtj')).toEqual(s1);
    expect(await b.loadSnapshot('jtj', run.id)).toEqual(s1);
    expect((await b.listSnapshots('jtj')).map((r) => r.crawlId)).toEqual([run.id]);
    expect((await b.listRuns()).find((r) => r.id === run.id)).toMatchObject({ status: 'done', units: ['jtj', 'mzj'] });
    expect(b.pageValidators('http://p.example/xxgk/jtj/index.html')).toEqual({ etag: '"e1"', lastModified: undefined });
    expect((await b.loadPage('http://p.example/xxgk/jtj/index.html'))?.body.toString()).toBe('<html>首页</html>');
    await b.forgetPage('http://p.example/xxgk/jtj/index.html');
    expect(await a.loadPage('http://p.example/xxgk/jtj/index.html')).toBeNull();
    expect(b.pageValidators('http://p.example/xxgk/jtj/index.html')).toBeUndefined();
  });

  it('two writers of the same unit and crawl: one snapshot row, the earliest first-seen instant', async () => {
    const [a, b] = [await open(), await open()];
    const crawlId = '20210120T020000-beef';
    await Promise.all([a.prepareUnit('fgw'), b.prepareUnit('fgw')]);
    a.firstSeen('fgw', 'http://p.example/x.html', '2021-01-20T02:05:00.000+08:00');
    b.firstSeen('fgw', 'http://p.example/x.html', '2021-01-20T02:03:00.000+08:00');
    await Promise.all([a.saveSnapshot(snap('fgw', crawlId, ['http://p.example/x.html'])), b.saveSnapshot(snap('fgw', crawlId, ['http://p.example/x.html']))]);
    expect(await a.listSnapshots('fgw')).toHaveLength(1);
    const c = await open();
    await c.prepareUnit('fgw');
    expect(c.firstSeen('fgw', 'http://p.example/x.html', '2021-02-01T00:00:00.000+08:00')).toBe('2021-01-20T02:03:00.000+08:00');
  });

  it('a damaged snapshot row is passed over for the one before it, and said so', async () => {
    const a = await open();
    const good = snap('sfj', '20210113T020000-0001');
    await a.saveSnapshot(good);
    await a.saveSnapshot(snap('sfj', '20210120T020000-0002'));
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query("UPDATE snapshots SET body = '\\x1f8b00'::bytea WHERE unit_id = 'sfj' AND crawl_id = '20210120T020000-0002'");
    await c.end();
    const lines: string[] = [];
    expect(await a.latestSnapshot('sfj', { onUnreadable: (l) => lines.push(l) })).toEqual(good);
    expect(lines).toEqual(['单位 sfj 的快照 20210120T020000-0002无法读取，改用批次 20210113T020000-0001 的快照']);
  });

  it('a database that cannot be reached is one Chinese line without the password', async () => {
    await expect(PostgresStore.open('postgres://zwgk:secret@127.0.0.1:1/x')).rejects.toThrow(/^无法使用 PostgreSQL 数据库 postgres:\/\/zwgk:\*\*\*@127\.0\.0\.1:1\/x：拒绝连接/);
  });
});
