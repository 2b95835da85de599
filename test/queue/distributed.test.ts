import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePortal, type FixturePortal } from '../../fixtures/server.ts';
import { runAuditRequest, type AuditProgress, type AuditRequest } from '../../src/audit/run-audit.ts';
import { closeBrowser } from '../../src/browser/chromium.ts';
import type { AuditReport } from '../../src/model/result.ts';
import { queueCrawler } from '../../src/queue/distributed-crawl.ts';
import { QUEUE_NAME, redisConnection } from '../../src/queue/jobs.ts';
import { closeStores } from '../../src/store/open-store.ts';
import { NO_POSTGRES, NO_REDIS, REDIS_URL, scratchDatabase, scratchPrefix } from '../helpers/services.ts';

/**
 * Issue 15 on the sample portal: the same audit in one process and crawled by
 * three `zwgk worker` processes (real child processes, BullMQ on the test
 * Redis, the snapshots in a scratch PostgreSQL database) gives the same
 * report.json but for times and run ids; a worker killed mid-run loses no
 * unit; the per-host limits hold across the workers (the portal counts what
 * it answers at once and when each request arrived).
 */

const SKIP = NO_REDIS || NO_POSTGRES;
const BIN = resolve(import.meta.dirname, '../../bin/zwgk.js');
const STALL_SECONDS = 3;

/** Times, crawl ids and run ids are the only things allowed to differ. */
function comparable(report: AuditReport): unknown {
  const text = JSON.stringify({ ...report, generatedAt: null })
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, '<time>')
    .replace(/\d{8}T\d{6}-[0-9a-f]{4}/g, '<crawl>');
  return JSON.parse(text);
}

describe.skipIf(SKIP)(`distributed crawl: BullMQ workers and the PostgreSQL store${SKIP}`, () => {
  let portal: FixturePortal;
  let dir: string;
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let unitsFile: string;
  const prefix = scratchPrefix();
  const workers: ChildProcess[] = [];
  let oneProcess: AuditReport;

  const startWorker = () => {
    const child = spawn(process.execPath, [BIN, 'worker', '--queue', REDIS_URL, '--store', db.url, '--queue-name', prefix, '--concurrency', '2', '--stall-seconds', String(STALL_SECONDS)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ZWGK_STORE: '', ZWGK_QUEUE: '' },
    });
    const ready = new Promise<void>((res, rej) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('已启动')) res();
      });
      child.once('exit', (code) => rej(new Error(`worker exited ${code}: ${err}`)));
    });
    workers.push(child);
    return ready;
  };

  const request = (name: string, over: Partial<AuditRequest> = {}): AuditRequest => ({
    unitsFile,
    asOf: '2021-01-20',
    dataDir: join(dir, name),
    outDir: join(dir, name, 'out'),
    minIntervalMs: 0,
    allowHosts: [new URL(portal.provinceUrl).host],
    crawl: { fetch: { linkTimeoutMs: 1500 } },
    screenshots: false,
    formats: ['json'],
    ...over,
  });
  const distributed = (name: string, over: Partial<AuditRequest> = {}) =>
    runAuditRequest(request(name, { store: db.url, crawlUnits: queueCrawler({ queue: REDIS_URL, prefix }), ...over }));

  beforeAll(async () => {
    portal = await startFixturePortal();
    dir = mkdtempSync(join(tmpdir(), 'zwgk-queue-'));
    unitsFile = join(dir, 'units.csv');
    portal.writeUnitsCsv(unitsFile);
    db = await scratchDatabase();
    await Promise.all([startWorker(), startWorker(), startWorker()]);
    oneProcess = (await runAuditRequest(request('one'))).report;
  }, 240_000);

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await closeStores();
    await closeBrowser();
    await portal?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('three workers give the report of one process, with its progress, and never more requests at once on a host than --concurrency', async () => {
    for (const load of portal.inFlight.values()) load.peak = 0;
    const progress: AuditProgress[] = [];
    const { report } = await distributed('three', { concurrency: 2, onProgress: (p) => progress.push(p) });
    // What the dashboard shows (src/serve/service.ts keeps the latest event): the workers' own counters, then every unit done.
    const crawl = progress.filter((p) => p.phase === 'crawl');
    expect(crawl.some((p) => p.crawl?.event === 'unit-progress' && p.pages > 0)).toBe(true);
    expect(crawl.at(-1)).toMatchObject({ unitsDone: oneProcess.units.length, unitsTotal: oneProcess.units.length });
    expect(report.units.map((u) => u.id)).toEqual(oneProcess.units.map((u) => u.id));
    expect(comparable(report)).toEqual(comparable(oneProcess));
    // Three workers each crawling two units: without the shared slots up to six requests at once.
    for (const [host, load] of portal.inFlight) expect(load.peak, host).toBeLessThanOrEqual(2);
  }, 180_000);

  it('a worker killed mid-run loses nothing: its job goes to another and the report is the same', async () => {
    const events = new QueueEvents(QUEUE_NAME, { connection: redisConnection(REDIS_URL), prefix });
    const stalled: string[] = [];
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    await events.waitUntilReady();
    const victim = workers[0]!;
    const before = portal.requests.length;
    const kill = setInterval(() => {
      // Every worker is busy by now (24 units, six at a time): this one dies in the middle of a unit.
      if (portal.requests.length - before > 150 && victim.exitCode === null) {
        victim.kill('SIGKILL');
        clearInterval(kill);
      }
    }, 20);
    try {
      const { report } = await distributed('killed');
      expect(victim.signalCode).toBe('SIGKILL');
      expect(stalled.length).toBeGreaterThan(0);
      expect(comparable(report)).toEqual(comparable(oneProcess));
    } finally {
      clearInterval(kill);
      await events.close();
    }
  }, 180_000);

  it('request starts on the portal keep --min-interval apart across the workers', async () => {
    const some = join(dir, 'some.csv');
    writeFileSync(some, portal.unitsCsv().split('\n').slice(0, 5).join('\n') + '\n');
    const from = portal.requests.length;
    const interval = 50;
    await distributed('paced', { unitsFile: some, minIntervalMs: interval });
    const host = new URL(portal.baseUrl).host;
    const arrivals = portal.requests.slice(from).filter((r) => r.url.startsWith(`http://${host}/`)).map((r) => r.at);
    expect(arrivals.length).toBeGreaterThan(50);
    // n starts need n − 1 intervals between the first and the last; the two remaining workers pacing each on its own
    // would need half that. The margin covers arrivals stamped late on a loaded machine (only the first can shorten it).
    const span = arrivals.at(-1)! - arrivals[0]!;
    expect(span).toBeGreaterThan((arrivals.length - 1) * interval * 0.8);
  }, 180_000);
});
