import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runAuditRequest } from '../../src/audit/run-audit.ts';
import { startServe } from '../../src/cli/serve-command.ts';
import { loadScheme, DEFAULT_SCHEME } from '../../src/config/scheme.ts';
import { readOverrides } from '../../src/config/overrides.ts';
import { readUnitsCsv } from '../../src/config/units.ts';
import { crawlUnits, type CrawlRunOptions } from '../../src/crawl/crawl-run.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import { HistoryStore } from '../../src/history/history-store.ts';
import type { Finding, UnitResult } from '../../src/model/result.ts';
import { startDashboardServer } from '../../src/serve/http.ts';
import { AuditService } from '../../src/serve/service.ts';
import { DataDirBusyError, LOCK_FILE, lockDataDir } from '../../src/store/data-lock.ts';
import { openStore } from '../../src/store/store.ts';
import { runCli, spawnCli } from '../helpers/faults-cli.ts';
import { finding, SAMPLE_SCHEME, serviceSettings, UNITS, unitResult, unitsCsv, writeOutcome } from '../helpers/serve-fakes.ts';
import { startFixturePortal, type FixturePortal } from '../../fixtures/server.ts';

/**
 * What a county office's data folder survives: a second process on it, a
 * truncated snapshot, two reviewers at once, a zero-length or damaged index
 * or history after a power cut. The sample portal on 127.0.0.1 is crawled
 * twice into a seed folder; each case works on a copy of it.
 */
const AS_OF = '2021-01-20';
const IDS = ['jtj', 'wjw', 'sfj'];
const CRAWL: Pick<CrawlRunOptions, 'browser' | 'network' | 'concurrency'> = { browser: false, network: { minIntervalMs: 0 }, concurrency: 4 };
const TOKEN = 'survival-token-0123';

let portal: FixturePortal;
let root: string;
let seed: string;
let unitsFile: string;
let baseline: Map<string, UnitResult>;
let copies = 0;

/** A fresh copy of the seed data folder (the store is cached per folder in a process, so each copy is new to it). */
function copySeed(): string {
  const dir = join(root, `data-${++copies}`);
  cpSync(seed, dir, { recursive: true });
  return dir;
}

function snapshotFiles(dataDir: string, unitId: string): string[] {
  const dir = join(dataDir, 'snapshots', unitId);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort()
    .map((f) => join(dir, f));
}

/** Cuts a file to half its bytes: what a power cut does to a file written without a flush. */
function truncateHalf(file: string): void {
  truncateSync(file, Math.floor(statSync(file).size / 2));
}

const findingKeys = (u: UnitResult | undefined) => (u?.findings ?? []).map((f) => `${f.rule}/${f.code} ${f.url}`).sort();

async function audit(dataDir: string, extra: { only?: string[] } = {}) {
  const warnings: string[] = [];
  const outcome = await runAuditRequest({
    unitsFile,
    asOf: AS_OF,
    dataDir,
    outDir: join(root, `out-${++copies}`),
    fromStore: true,
    screenshots: false,
    formats: ['json'],
    crawl: CRAWL,
    onWarning: (line) => warnings.push(line),
    ...extra,
  });
  return { warnings, units: new Map(outcome.report.units.map((u) => [u.id, u])) };
}

beforeAll(async () => {
  portal = await startFixturePortal();
  root = mkdtempSync(join(tmpdir(), 'zwgk-survival-'));
  unitsFile = join(root, 'units.csv');
  const lines = portal.unitsCsv().trim().split('\n');
  writeFileSync(unitsFile, `${[lines[0], ...lines.filter((l) => IDS.includes(l.split(',')[0]!))].join('\n')}\n`);
  seed = join(root, 'seed');
  const store = await openStore(seed);
  const scheme = loadScheme(DEFAULT_SCHEME);
  // Two nights: every unit has a snapshot to fall back on, and the index a .bak.
  for (let night = 0; night < 2; night++) await crawlUnits(readUnitsCsv(unitsFile), { ...CRAWL, plan: planGather(scheme), store });
  baseline = (await audit(seed)).units;
}, 120_000);

afterAll(async () => {
  await portal?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('one writer per data folder', () => {
  it('a zwgk audit on the folder zwgk serve holds refuses with one line naming it; after the service stops it runs', async () => {
    const dataDir = copySeed();
    const logged: string[] = [];
    const handle = await startServe(
      { units: unitsFile, data: dataDir, host: '127.0.0.1', port: 0 },
      { env: { ZWGK_TOKEN: TOKEN }, runner: async (opts) => writeOutcome(opts, []), log: (l) => logged.push(l) },
    );
    const args = ['audit', '--units', unitsFile, '--data', dataDir, '--from-store', '--no-screenshots', '--out', join(root, `cli-${++copies}`)];
    let refused;
    try {
      expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, command: 'zwgk serve', host: hostname() });
      refused = await runCli(args, { timeoutMs: 60_000 });
    } finally {
      await handle.stop();
    }
    expect(refused.code).toBe(2);
    const lines = refused.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^错误：数据目录 ${dataDir} 正被 zwgk serve（进程号 ${process.pid}，主机 ${hostname()}，\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d 起）使用；服务运行期间请在仪表盘上操作`));
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);

    const after = await runCli(args, { timeoutMs: 60_000 });
    expect(after.code, after.stderr).toBe(0);
  }, 120_000);

  it('with --wait, a second process waits for the holder and then goes ahead', async () => {
    const dataDir = copySeed();
    const lock = await lockDataDir(dataDir, { command: 'zwgk crawl' });
    const child = spawnCli(['audit', '--units', unitsFile, '--data', dataDir, '--from-store', '--no-screenshots', '--wait', '1', '--out', join(root, `cli-${++copies}`)]);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await vi.waitFor(() => expect(stderr).toContain('等待其结束'), { timeout: 30_000, interval: 50 });
      expect(child.exitCode).toBeNull();
    } finally {
      await lock.release();
    }
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(new RegExp(`注意：数据目录 ${dataDir} 正被 zwgk crawl（进程号 ${process.pid}，`));
  }, 90_000);

  it("a dead process's lock is taken over and said so; a live one's stands", async () => {
    const dataDir = copySeed();
    const file = join(dataDir, LOCK_FILE);
    const owner = (pid: number, extra: object = {}) => JSON.stringify({ pid, command: 'zwgk audit', host: hostname(), startedAt: '2021-01-20T02:00:00.000+08:00', ...extra });

    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(file, owner(deadPid));
    const said: string[] = [];
    const lock = await lockDataDir(dataDir, { command: 'zwgk crawl', onTakeover: (l) => said.push(l) });
    expect(said).toEqual([`数据目录 ${dataDir} 的锁文件属于已不存在的进程 zwgk audit（进程号 ${deadPid}，主机 ${hostname()}，2021-01-20 02:00 起），已接管`]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, command: 'zwgk crawl' });
    await lock.release();
    expect(existsSync(file)).toBe(false);

    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(file, owner(sleeper.pid!));
      await expect(lockDataDir(dataDir, { command: 'zwgk crawl' })).rejects.toThrow(DataDirBusyError);
      await expect(lockDataDir(dataDir, { command: 'zwgk crawl' })).rejects.toThrow(`正被 zwgk audit（进程号 ${sleeper.pid}`);
      expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(sleeper.pid);
      // The same live pid, but recorded in an earlier boot of the machine: a lock left by a power cut.
      const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      writeFileSync(file, owner(sleeper.pid!, { bootId: `not-${bootId}` }));
      const rebooted = await lockDataDir(dataDir, { command: 'zwgk serve', onTakeover: (l) => said.push(l) });
      expect(said.at(-1)).toContain(`进程号 ${sleeper.pid}`);
      await rebooted.release();
    } finally {
      sleeper.kill();
    }
  });

  it('a bounded wait ends with the same one line, saying how long it waited', async () => {
    const dataDir = copySeed();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: sleeper.pid, command: 'zwgk audit', host: hostname(), startedAt: '2021-01-20T02:00:00.000+08:00' }));
      const waits: string[] = [];
      const t0 = Date.now();
      await expect(lockDataDir(dataDir, { command: 'zwgk crawl', waitMs: 600, onWait: (l) => waits.push(l) })).rejects.toThrow(/等待 1 秒后仍未释放；请等它结束/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
      expect(waits).toHaveLength(1);
    } finally {
      sleeper.kill();
    }
  });

  it("in one process the lock is shared (zwgk serve's own audits) and goes with the last user", async () => {
    const dataDir = copySeed();
    const said: string[] = [];
    const [a, b] = await Promise.all([
      lockDataDir(dataDir, { command: 'zwgk serve', onTakeover: (l) => said.push(l) }),
      lockDataDir(dataDir, { command: 'zwgk audit', onTakeover: (l) => said.push(l) }),
    ]);
    expect(said).toEqual([]);
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).command).toBe('zwgk serve');
    await a.release();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);
    await b.release();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });
});

describe('a truncated or missing snapshot costs that unit only', () => {
  it('--from-store: the unit falls back to its previous snapshot, or a fresh crawl; the others are unaffected; the run completes', async () => {
    const dataDir = copySeed();
    const [olderJtj, newestJtj] = snapshotFiles(dataDir, 'jtj');
    truncateHalf(newestJtj!);
    for (const f of snapshotFiles(dataDir, 'wjw')) rmSync(f);
    const before = portal.requests.length;

    const { warnings, units } = await audit(dataDir);

    expect([...units.keys()].sort()).toEqual([...IDS].sort());
    const older = (await openStore(dataDir)).listSnapshots('jtj')[0]!;
    expect(olderJtj).toContain(older.crawlId);
    expect(units.get('jtj')!.crawledAt).toBe(older.finishedAt);
    expect(warnings).toContainEqual(expect.stringMatching(/^单位 jtj 的快照文件 snapshots\/jtj\/\S+\.json\.gz（内容不完整或已损坏）无法读取，改用 \d{4}-\d\d-\d\d \d\d:\d\d 抓取的快照$/));
    expect(warnings).toContainEqual(expect.stringMatching(/^单位 wjw 的快照文件 .*（文件不存在）.*无法读取，且没有更早的可用快照$/));
    // wjw was crawled afresh, and only wjw.
    const crawled = portal.requests.slice(before).map((r) => new URL(r.url).pathname);
    expect(crawled).toContain('/xxgk/wjw/index.shtml');
    expect(crawled.some((p) => p.startsWith('/xxgk/jtj/') || p.startsWith('/col/col3100/'))).toBe(false);
    for (const id of IDS) expect(findingKeys(units.get(id)), id).toEqual(findingKeys(baseline.get(id)));
    expect(units.get('sfj')).toEqual({ ...baseline.get('sfj'), rank: units.get('sfj')!.rank });
  }, 60_000);

  it('a peer whose every snapshot is unreadable is left out of the averages, said so; the audit of the others completes', async () => {
    const dataDir = copySeed();
    for (const f of snapshotFiles(dataDir, 'wjw')) writeFileSync(f, '');
    const { warnings, units } = await audit(dataDir, { only: ['sfj'] });
    expect([...units.keys()]).toEqual(['sfj']);
    expect(warnings).toEqual([expect.stringMatching(/^单位 wjw 的快照文件 .*无法读取，且没有更早的可用快照$/)]);
  }, 60_000);

  it('the nightly incremental crawl: a damaged previous snapshot means that unit is read afresh; every unit gets a complete new snapshot', async () => {
    const dataDir = copySeed();
    const store = await openStore(dataDir);
    writeFileSync(snapshotFiles(dataDir, 'jtj').at(-1)!, ''); // zero-length: a power cut before the data reached the disk
    for (const f of snapshotFiles(dataDir, 'wjw')) truncateHalf(f);
    const warnings: string[] = [];
    const snaps = await crawlUnits(readUnitsCsv(unitsFile), { ...CRAWL, plan: planGather(loadScheme(DEFAULT_SCHEME)), store, onWarning: (l) => warnings.push(l) });
    expect(snaps.map((s) => [s.unit.id, s.status])).toEqual(IDS.map((id) => [id, 'ok']));
    expect(warnings.sort()).toEqual([
      expect.stringMatching(/^单位 jtj 的快照文件 \S+（内容不完整或已损坏）无法读取，改用 .* 抓取的快照$/),
      expect.stringMatching(/^单位 wjw 的快照文件 .*无法读取，且没有更早的可用快照$/),
    ]);
    for (const s of snaps) expect((await store.latestSnapshot(s.unit.id))!.crawlId).toBe(s.crawlId);
    const judged = await audit(dataDir);
    for (const id of IDS) expect(findingKeys(judged.units.get(id)), id).toEqual(findingKeys(baseline.get(id)));
  }, 60_000);
});

describe('the office is told', () => {
  it("an audit's warnings are kept with its run: in the history, the run's API answer and the dashboard", async () => {
    const dir = mkdtempSync(join(root, 'warn-'));
    writeFileSync(join(dir, 'units.csv'), unitsCsv());
    const history = await HistoryStore.open(join(dir, 'data'));
    const line = '单位 wjw 的快照文件 snapshots/wjw/x.json.gz（内容不完整或已损坏）无法读取，且没有更早的可用快照';
    const logged: string[] = [];
    const svc = new AuditService(serviceSettings(dir), {
      history,
      scheme: SAMPLE_SCHEME,
      log: (l) => logged.push(l),
      runner: async (opts) => {
        opts.onWarning!(line);
        return writeOutcome(opts, UNITS.map((u) => unitResult(u, [])));
      },
    });
    const server = await startDashboardServer({ service: svc, history, policy: { token: TOKEN, publicRead: false }, host: '127.0.0.1', port: 0, pdfWriter: async () => {} });
    try {
      const { runId } = svc.startFull('manual')!;
      await svc.idle();
      expect(history.data.runs.find((r) => r.id === runId)!.warnings).toEqual([line]);
      expect(logged).toContain(`审计 ${runId}：${line}`);
      const headers = { Authorization: `Bearer ${TOKEN}` };
      expect(((await (await fetch(`${server.url}/api/runs/${runId}`, { headers })).json()) as { warnings: string[] }).warnings).toEqual([line]);
      expect(await (await fetch(`${server.url}/`, { headers })).text()).toContain(`注意：${line}`);
    } finally {
      await svc.shutdown(0);
      await server.close();
    }
  });
});

describe('a damaged report.json costs that run, not the unit', () => {
  it("the dashboard shows the unit's newest result whose report can be read, and says so once in the log", async () => {
    const dir = mkdtempSync(join(root, 'report-'));
    writeFileSync(join(dir, 'units.csv'), unitsCsv());
    const history = await HistoryStore.open(join(dir, 'data'));
    let night = 0;
    const runner = async (opts: Parameters<typeof writeOutcome>[0]) => {
      const findings = ++night === 1 ? [finding('column-update', 'stale', 'http://127.0.0.1:9/xxgk/jtj/tzgg/')] : [];
      return writeOutcome(opts, UNITS.map((u) => unitResult(u, u.id === 'jtj' ? findings : [])));
    };
    const first = new AuditService(serviceSettings(dir), { history, scheme: SAMPLE_SCHEME, runner });
    const older = first.startFull('manual')!.runId;
    await first.idle();
    const newer = first.startUnit('jtj').runId;
    await first.idle();
    expect(first.latest('jtj')!.runId).toBe(newer);
    await first.shutdown(0);
    truncateHalf(join(history.data.runs.find((r) => r.id === newer)!.outDir, 'report.json'));

    // A restarted service: nothing cached.
    const logged: string[] = [];
    const svc = new AuditService(serviceSettings(dir), { history, scheme: SAMPLE_SCHEME, runner, log: (l) => logged.push(l) });
    const server = await startDashboardServer({ service: svc, history, policy: { token: TOKEN, publicRead: false }, host: '127.0.0.1', port: 0, pdfWriter: async () => {} });
    try {
      const latest = svc.latest('jtj')!;
      expect(latest.runId).toBe(older);
      expect(latest.result.findings).toHaveLength(1);
      expect(latest.auditedAt).toBe(history.data.runs.find((r) => r.id === older)!.finishedAt);
      expect(svc.latest('wjw')!.runId).toBe(older);
      const headers = { Authorization: `Bearer ${TOKEN}` };
      for (const path of ['/', '/units/jtj', '/api/units/jtj']) expect((await fetch(server.url + path, { headers })).status, path).toBe(200);
      expect(logged.filter((l) => l.startsWith('报告文件 '))).toEqual([expect.stringMatching(/report\.json 无法读取（内容不完整或已损坏），仪表盘改用此前可读的结果$/)]);
    } finally {
      await svc.shutdown(0);
      await server.close();
    }
  });
});

describe('reviewer decisions are serialised', () => {
  const stale = finding('column-update', 'stale', 'http://127.0.0.1:9/xxgk/jtj/tzgg/', 1, '通知公告');
  const empty = finding('column-update', 'empty', 'http://127.0.0.1:9/xxgk/jtj/gzdt/', 1, '工作动态');

  async function service() {
    const dir = mkdtempSync(join(root, 'review-'));
    writeFileSync(join(dir, 'units.csv'), unitsCsv());
    const overridesFile = join(dir, 'overrides.csv');
    const history = await HistoryStore.open(join(dir, 'data'));
    const svc = new AuditService(serviceSettings(dir, { overridesFile }), {
      history,
      scheme: SAMPLE_SCHEME,
      // Applies the decisions as scoring does, read by the project's own overrides parser.
      runner: async (opts) => {
        const decisions = readOverrides(opts.overridesFile!);
        const findings = [stale, empty].map((f): Finding => {
          const d = decisions.find((o) => o.url === f.url);
          return d ? { ...f, review: { decision: d.decision, reason: d.reason } } : f;
        });
        return writeOutcome(opts, [unitResult(UNITS[0]!, findings)]);
      },
    });
    const server = await startDashboardServer({ service: svc, history, policy: { token: TOKEN, publicRead: false }, host: '127.0.0.1', port: 0, pdfWriter: async () => {} });
    svc.startUnit('jtj');
    await svc.idle();
    const post = (f: Finding, decision: string, reason: string) =>
      fetch(`${server.url}/api/units/jtj/overrides`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ rule: f.rule, code: f.code, url: f.url, decision, reason }),
      });
    return { svc, server, post, overridesFile };
  }

  it('two reviewers saving at the same moment: both decisions land, and the re-judge shows both', async () => {
    const { svc, server, post, overridesFile } = await service();
    try {
      const [a, b] = await Promise.all([post(stale, 'waived', '栏目已撤并'), post(empty, 'confirmed', '')]);
      expect([a.status, b.status]).toEqual([202, 202]);
      expect(readOverrides(overridesFile).map((o) => [o.code, o.decision])).toEqual([
        ['stale', 'waived'],
        ['empty', 'confirmed'],
      ]);
      await svc.idle();
      const unit = svc.latest('jtj')!.result;
      expect(unit.findings.map((f) => f.review?.decision)).toEqual(['waived', 'confirmed']);
    } finally {
      await svc.shutdown(0);
      await server.close();
    }
  });

  it('two decisions on the same finding at once: one lands, the other is refused (never two 202s with one lost)', async () => {
    const { svc, server, post, overridesFile } = await service();
    try {
      const [a, b] = await Promise.all([post(stale, 'waived', '甲的理由'), post(stale, 'confirmed', '')]);
      expect([a.status, b.status]).toEqual([202, 409]);
      expect(((await b.json()) as { error: string }).error).toContain('该问题已有复核结论（豁免）');
      expect(readOverrides(overridesFile)).toHaveLength(1);
    } finally {
      await svc.shutdown(0);
      await server.close();
    }
  });
});

describe('a zero-length or damaged index or history is recovered at start, said in one line', () => {
  it('a zero-length index: recovered from zwgk.json.bak, the snapshots it missed listed again from disk', async () => {
    const dataDir = copySeed();
    const seedIndex = JSON.parse(readFileSync(join(seed, 'zwgk.json'), 'utf8'));
    writeFileSync(join(dataDir, 'zwgk.json'), '');
    const store = await openStore(dataDir);
    expect(store.recovery).toMatch(new RegExp(`^数据目录索引 ${join(dataDir, 'zwgk.json')} 是空文件，已从备份 zwgk\\.json\\.bak（\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d 的版本）恢复，损坏的文件已另存为 zwgk\\.json\\.damaged-\\d{8}T\\d{6}`));
    for (const id of IDS) expect(store.listSnapshots(id).map((r) => r.crawlId)).toEqual(seedIndex.snapshots[id].map((r: { crawlId: string }) => r.crawlId));
    // Written back whole at once: the next start finds a good file.
    expect(JSON.parse(readFileSync(join(dataDir, 'zwgk.json'), 'utf8')).snapshots.jtj).toHaveLength(2);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('zwgk.json.damaged-'))).toHaveLength(1);
  });

  it('a damaged index with no usable backup: rebuilt from the snapshot files, first-seen instants kept', async () => {
    const dataDir = copySeed();
    const seedIndex = JSON.parse(readFileSync(join(seed, 'zwgk.json'), 'utf8'));
    const seedFirstSeen = (id: string) => JSON.parse(readFileSync(join(seed, 'first-seen', `${id}.json`), 'utf8')) as Record<string, string>;
    writeFileSync(join(dataDir, 'zwgk.json'), '{"version":1,"runs":[{"id":"2021');
    writeFileSync(join(dataDir, 'zwgk.json.bak'), '');
    // The units' first-seen files lost as well: taken back from the snapshots.
    rmSync(join(dataDir, 'first-seen'), { recursive: true });
    const store = await openStore(dataDir);
    expect(store.recovery).toMatch(/内容不完整或已损坏，备份也是空文件，已重新建立，.*；从磁盘重新登记了 6 个快照$/);
    let items = 0;
    for (const id of IDS) {
      expect(store.listSnapshots(id)).toEqual(seedIndex.snapshots[id]);
      // Every listed item keeps the instant it was first seen, not "now".
      for (const item of (await store.latestSnapshot(id))!.columns.flatMap((c) => c.items)) {
        expect(store.firstSeen(id, item.url, 'now'), item.url).toBe(seedFirstSeen(id)[item.url]);
        items++;
      }
    }
    expect(items).toBeGreaterThan(20);
    const { units } = await audit(dataDir);
    for (const id of IDS) expect(findingKeys(units.get(id)), id).toEqual(findingKeys(baseline.get(id)));
  });

  it('history: zero-length → from history.json.bak; damaged with no backup → empty; both said, neither a crash', async () => {
    const dir = mkdtempSync(join(root, 'history-'));
    const h = await HistoryStore.open(dir);
    expect(h.recovery).toBeNull();
    for (const id of ['r1', 'r2']) {
      await h.update((d) => {
        d.runs.push({ id, kind: 'full', trigger: 'schedule', units: [], asOf: AS_OF, startedAt: 'x', state: 'done', outDir: dir, results: [] });
      });
    }
    writeFileSync(h.file, '');
    const fromBak = await HistoryStore.open(dir);
    expect(fromBak.recovery).toMatch(new RegExp(`^历史记录文件 ${h.file} 是空文件，已从备份 history\\.json\\.bak（.* 的版本）恢复`));
    // The backup is the version before the last write: one run behind, never an empty history.
    expect(fromBak.data.runs.map((r) => r.id)).toEqual(['r1']);

    writeFileSync(h.file, '{"version":1,"runs":[');
    rmSync(`${h.file}.bak`);
    const fresh = await HistoryStore.open(dir);
    expect(fresh.recovery).toMatch(/内容不完整或已损坏，没有备份，已重新建立/);
    expect(fresh.data.runs).toEqual([]);
    await fresh.update((d) => d.runs.push({ id: 'r3', kind: 'full', trigger: 'schedule', units: [], asOf: AS_OF, startedAt: 'x', state: 'done', outDir: dir, results: [] }));
    expect(JSON.parse(readFileSync(h.file, 'utf8')).runs).toHaveLength(1);
  });

  it('zwgk serve starts on zero-length index and history files, logs each recovery, and answers', async () => {
    const dataDir = copySeed();
    const history = await HistoryStore.open(dataDir);
    await history.update(() => {});
    await history.update(() => {});
    writeFileSync(join(dataDir, 'history.json'), '');
    writeFileSync(join(dataDir, 'zwgk.json'), '');
    const logged: string[] = [];
    const handle = await startServe({ units: unitsFile, data: dataDir, host: '127.0.0.1', port: 0 }, { env: { ZWGK_TOKEN: TOKEN }, runner: async (o) => writeOutcome(o, []), log: (l) => logged.push(l) });
    try {
      expect(logged.filter((l) => /已从备份 .*\.bak/.test(l)).map((l) => l.split(' ')[0])).toEqual(['数据目录索引', '历史记录文件']);
      expect((await fetch(`${handle.url}/api/status`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await handle.stop();
    }
  });

  it('zwgk audit --from-store on a zero-length index: one 注意 line, then the audit as usual', async () => {
    const dataDir = copySeed();
    writeFileSync(join(dataDir, 'zwgk.json'), '');
    const r = await runCli(['audit', '--units', unitsFile, '--data', dataDir, '--from-store', '--no-screenshots', '--out', join(root, `cli-${++copies}`)], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('注意：'))).toEqual([expect.stringMatching(/^注意：数据目录索引 .* 是空文件，已从备份 zwgk\.json\.bak/)]);
  }, 60_000);
});
