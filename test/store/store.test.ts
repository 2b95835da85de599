import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_SCHEMA_VERSION, type UnitSnapshot } from '../../src/model/snapshot.ts';
import { newCrawlId } from '../../src/lib/time.ts';
import { openStore } from '../../src/store/store.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zwgk-store-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function snap(unitId: string, crawlId: string, status: UnitSnapshot['status'] = 'ok'): UnitSnapshot {
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    unit: { id: unitId, name: '县教育体育局', type: 'department', url: 'http://p.example/xxgk/jtj/index.html' },
    crawlId,
    startedAt: '2021-01-20T02:00:00.000+08:00',
    finishedAt: '2021-01-20T02:01:00.000+08:00',
    status,
    columns: [],
    articles: {},
    failures: [],
    stats: { requests: 0, pages: 0, bytes: 0, browserRenders: 0, durationMs: 0 },
  };
}

describe('store', () => {
  it('crawl ids sort by time and are safe file names', () => {
    const a = newCrawlId(new Date('2021-01-19T18:00:00Z'));
    const b = newCrawlId(new Date('2021-01-19T18:00:01Z'));
    expect(a).toMatch(/^20210120T020000-[0-9a-f]{4}$/);
    expect(a < b).toBe(true);
  });

  it('one instance per directory; data survives a reopen in a new process (fresh read of the file)', async () => {
    const d = join(dir, 'same');
    const s1 = await openStore(d);
    expect(await openStore(d)).toBe(s1);
    const run = await s1.beginRun(['jtj']);
    s1.firstSeen('jtj', 'http://p.example/a.html', '2021-01-01T00:00:00.000+08:00');
    await s1.saveSnapshot(snap('jtj', run.id));
    await s1.finishRun(run.id, 'done');
    const onDisk = JSON.parse(readFileSync(join(d, 'zwgk.json'), 'utf8'));
    expect(onDisk.runs[0]).toMatchObject({ id: run.id, status: 'done', units: ['jtj'] });
    // First-seen instants live in one file per unit, written when the unit's snapshot is saved.
    expect(JSON.parse(readFileSync(join(d, 'first-seen', 'jtj.json'), 'utf8'))['http://p.example/a.html']).toBe('2021-01-01T00:00:00.000+08:00');
    expect(onDisk.snapshots.jtj[0].file).toBe(join('snapshots', 'jtj', `${run.id}.json.gz`));
  });

  it('an index written before first-seen instants had their own files hands them over at open', async () => {
    const d = join(dir, 'legacy');
    mkdirSync(d, { recursive: true });
    const firstSeen = { jtj: { 'http://p.example/a.html': 'T0' } };
    writeFileSync(join(d, 'zwgk.json'), JSON.stringify({ version: 1, runs: [], firstSeen, pages: {}, snapshots: {} }));
    const s = await openStore(d);
    expect(s.firstSeen('jtj', 'http://p.example/a.html', 'T9')).toBe('T0');
    expect(JSON.parse(readFileSync(join(d, 'first-seen', 'jtj.json'), 'utf8'))).toEqual(firstSeen.jtj);
    expect(JSON.parse(readFileSync(join(d, 'zwgk.json'), 'utf8')).firstSeen).toEqual({});
  });

  it('first-seen keeps the earliest instant', async () => {
    const s = await openStore(join(dir, 'fs'));
    expect(s.firstSeen('u', 'x', 'T1')).toBe('T1');
    expect(s.firstSeen('u', 'x', 'T2')).toBe('T1');
    expect(s.firstSeen('v', 'x', 'T2')).toBe('T2');
  });

  it('snapshots are gzip JSON; latest is the newest complete one, optionally skipping unreachable nights', async () => {
    const d = join(dir, 'snaps');
    const s = await openStore(d);
    await s.saveSnapshot(snap('jtj', '20210118T020000-aaaa'));
    await s.saveSnapshot(snap('jtj', '20210119T020000-bbbb', 'unreachable'));
    const file = join(d, 'snapshots', 'jtj', '20210118T020000-aaaa.json.gz');
    expect(JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')).crawlId).toBe('20210118T020000-aaaa');
    expect((await s.latestSnapshot('jtj'))?.crawlId).toBe('20210119T020000-bbbb');
    expect((await s.latestSnapshot('jtj', { reachable: true }))?.crawlId).toBe('20210118T020000-aaaa');
    expect(await s.latestSnapshot('nobody')).toBeNull();
    expect(s.listSnapshots('jtj').map((r) => r.crawlId)).toEqual(['20210118T020000-aaaa', '20210119T020000-bbbb']);
    expect((await s.loadSnapshot('jtj', '20210118T020000-aaaa'))?.status).toBe('ok');
    // No temporary files are left behind.
    expect(readdirSync(join(d, 'snapshots', 'jtj')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a snapshot whose write fails is not listed: the previous one stays the latest', async () => {
    const d = join(dir, 'atomic');
    const s = await openStore(d);
    await s.saveSnapshot(snap('jtj', '20210118T020000-aaaa'));
    // A directory where the new file would go makes the rename fail half-way.
    const blocked = join(d, 'snapshots', 'jtj', '20210119T020000-bbbb.json.gz');
    rmSync(blocked, { force: true });
    mkdirSync(join(blocked, 'x'), { recursive: true });
    await expect(s.saveSnapshot(snap('jtj', '20210119T020000-bbbb'))).rejects.toThrow();
    expect((await s.latestSnapshot('jtj'))?.crawlId).toBe('20210118T020000-aaaa');
    expect(readdirSync(join(d, 'snapshots', 'jtj')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('raw pages are stored gzip by content hash with their validators', async () => {
    const d = join(dir, 'pages');
    const s = await openStore(d);
    const body = Buffer.from('<html>页面</html>', 'utf8');
    await s.savePage('http://p.example/a.html', { status: 200, finalUrl: 'http://p.example/a.html', etag: '"v1"', body });
    await s.savePage('http://p.example/b.html', { status: 200, finalUrl: 'http://p.example/b.html', lastModified: 'Tue, 19 Jan 2021 00:00:00 GMT', body });
    expect(readdirSync(join(d, 'pages'))).toHaveLength(1); // same bytes, one file
    expect(s.pageValidators('http://p.example/a.html')).toEqual({ etag: '"v1"', lastModified: undefined });
    expect(s.pageValidators('http://p.example/b.html')).toEqual({ etag: undefined, lastModified: 'Tue, 19 Jan 2021 00:00:00 GMT' });
    expect(s.pageValidators('http://p.example/none.html')).toBeUndefined();
    expect((await s.loadPage('http://p.example/a.html'))?.body.toString('utf8')).toBe('<html>页面</html>');
    expect(existsSync(s.pagePath('http://p.example/a.html')!)).toBe(true);
    // A pruned page file means "not stored", so the fetcher asks afresh.
    rmSync(s.pagePath('http://p.example/a.html')!);
    expect(await s.loadPage('http://p.example/a.html')).toBeNull();
  });

  it('a forgotten page (it held personal data) loses its record, validators and file; a file another address shares stays', async () => {
    const d = join(dir, 'forget');
    const s = await openStore(d);
    const shared = Buffer.from('<html>同一页面</html>', 'utf8');
    const own = Buffer.from('<html>身份证号 …</html>', 'utf8');
    await s.savePage('http://p.example/a.html', { status: 200, finalUrl: 'http://p.example/a.html', etag: '"a"', body: shared });
    await s.savePage('http://p.example/b.html', { status: 200, finalUrl: 'http://p.example/b.html', etag: '"b"', body: shared });
    await s.savePage('http://p.example/c.html', { status: 200, finalUrl: 'http://p.example/c.html', etag: '"c"', body: own });
    const ownFile = s.pagePath('http://p.example/c.html')!;
    await s.flush();
    expect(readFileSync(join(d, 'zwgk.journal'), 'utf8')).toContain('p.example/c.html');
    await s.forgetPage('http://p.example/c.html');
    await s.forgetPage('http://p.example/a.html');
    expect([s.pagePath('http://p.example/c.html'), s.pageValidators('http://p.example/c.html'), await s.loadPage('http://p.example/c.html')]).toEqual([null, undefined, null]);
    expect(existsSync(ownFile)).toBe(false);
    expect(s.pageValidators('http://p.example/a.html')).toBeUndefined();
    expect((await s.loadPage('http://p.example/b.html'))?.body.toString('utf8')).toBe('<html>同一页面</html>');
    await s.flush();
    expect(readFileSync(join(d, 'zwgk.json'), 'utf8')).not.toContain('p.example/c.html');
    // The journal that held its record went with the compaction the forgetting asked for.
    expect(existsSync(join(d, 'zwgk.journal'))).toBe(false);
  });

  it('the journal: what a process appended before it died is there at the next open, a torn last line passed over, then compacted', async () => {
    const d = join(dir, 'journal');
    const s = await openStore(d);
    const run = await s.beginRun(['jtj']);
    s.firstSeen('jtj', 'http://p.example/a.html', '2021-01-01T00:00:00.000+08:00');
    await s.savePage('http://p.example/a.html', { status: 200, finalUrl: 'http://p.example/a.html', etag: '"a"', body: Buffer.from('<html>a</html>') });
    await s.saveSnapshot(snap('jtj', run.id));
    // No finishRun: the index itself does not list the snapshot yet, the journal does.
    expect(existsSync(join(d, 'zwgk.json'))).toBe(false);
    writeFileSync(join(d, 'zwgk.journal'), `${readFileSync(join(d, 'zwgk.journal'), 'utf8')}["p","http://p.example/torn`);
    // A copy of the folder is a fresh open (the store is one instance per folder in a process).
    const d2 = join(dir, 'journal-reopened');
    cpSync(d, d2, { recursive: true });
    const s2 = await openStore(d2);
    expect(s2.listSnapshots('jtj').map((r) => r.crawlId)).toEqual([run.id]);
    expect(s2.firstSeen('jtj', 'http://p.example/a.html', 'later')).toBe('2021-01-01T00:00:00.000+08:00');
    expect(s2.pageValidators('http://p.example/a.html')).toEqual({ etag: '"a"', lastModified: undefined });
    expect(s2.pageValidators('http://p.example/torn')).toBeUndefined();
    expect(existsSync(join(d2, 'zwgk.journal'))).toBe(false);
    expect(JSON.parse(readFileSync(join(d2, 'zwgk.json'), 'utf8')).snapshots.jtj[0].crawlId).toBe(run.id);
  });

  it('after a crash: a dead process’s running run becomes aborted and its temporary files go; live ones stay', async () => {
    const d = join(dir, 'crashed');
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    mkdirSync(join(d, 'snapshots', 'jtj'), { recursive: true });
    mkdirSync(join(d, 'pages'), { recursive: true });
    const runs = [
      { id: 'r-dead', startedAt: 'x', finishedAt: null, units: ['jtj'], status: 'running', pid: deadPid },
      { id: 'r-live', startedAt: 'x', finishedAt: null, units: ['jtj'], status: 'running', pid: process.pid },
      { id: 'r-done', startedAt: 'x', finishedAt: 'y', units: ['jtj'], status: 'done', pid: deadPid },
    ];
    writeFileSync(join(d, 'zwgk.json'), JSON.stringify({ version: 1, runs, firstSeen: {}, pages: {}, snapshots: {} }));
    const deadTmp = join(d, 'snapshots', 'jtj', `r-dead.json.gz.${deadPid}.0badf00d.tmp`);
    const deadPage = join(d, 'pages', `abc.html.gz.${deadPid}.0badf00d.tmp`);
    const liveTmp = join(d, 'pages', `def.html.gz.${process.pid}.0badf00d.tmp`);
    for (const f of [deadTmp, deadPage, liveTmp]) writeFileSync(f, 'half');
    const s = await openStore(d);
    expect(s.listRuns().map((r) => [r.id, r.status])).toEqual([
      ['r-dead', 'aborted'],
      ['r-live', 'running'],
      ['r-done', 'done'],
    ]);
    expect([existsSync(deadTmp), existsSync(deadPage), existsSync(liveTmp)]).toEqual([false, false, true]);
    expect(JSON.parse(readFileSync(join(d, 'zwgk.json'), 'utf8')).runs[0].status).toBe('aborted');
  });
});
