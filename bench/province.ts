import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { DEFAULT_SCHEME, loadScheme } from '../src/config/scheme.ts';
import { planGather } from '../src/judge/gather-plan.ts';
import type { Unit } from '../src/model/snapshot.ts';
import { NetworkPolicy } from '../src/net/policy.ts';
import { queueCrawler } from '../src/queue/distributed-crawl.ts';
import { PostgresStore } from '../src/store/postgres-store.ts';
import { SyntheticPortal } from './portal.ts';

/**
 * `npm run bench:province`: a synthetic province of 50 county portals, each on
 * its own loopback host (127.0.1.1 … 127.0.1.50), crawled through the queue by
 * 1, 2 and 4 `zwgk worker` processes. Per-host politeness is the product's
 * default (100 ms between request starts, 2 at once per host), so one worker
 * is bound by how many portals it crawls at once, and more workers crawl more
 * portals side by side — until the machine's cores run out.
 *
 * Needs Redis and PostgreSQL: ZWGK_TEST_REDIS and ZWGK_TEST_POSTGRES as set by
 * `. .ci/services.sh start`. Each configuration gets a fresh database, so
 * every run reads every page (no conditional requests). Writes
 * bench/results/province.md.
 *
 *   npm run bench:province [-- --portals 50 --units 1 --items 8 --workers 1,2,4 --latency 20]
 */

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const PORTALS = Number(args.get('portals') ?? 50);
const UNITS = Number(args.get('units') ?? 1);
const ITEMS = Number(args.get('items') ?? 8);
const WORKERS = (args.get('workers') ?? '1,2,4').split(',').map(Number);
const LATENCY = Number(args.get('latency') ?? 20);
const WORKER_UNITS = 4;
const REDIS = process.env.ZWGK_TEST_REDIS;
const POSTGRES = process.env.ZWGK_TEST_POSTGRES;
const BIN = resolve(import.meta.dirname, '../bin/zwgk.js');

if (!REDIS || !POSTGRES) {
  process.stderr.write('需要 Redis 与 PostgreSQL：先运行 `. .ci/services.sh start`（设置 ZWGK_TEST_REDIS、ZWGK_TEST_POSTGRES）\n');
  process.exit(2);
}

async function scratchDb(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `zwgk_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: POSTGRES });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(POSTGRES!);
  u.pathname = `/${name}`;
  return { url: u.href, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

function startWorker(queueName: string, store: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'worker', '--queue', REDIS!, '--store', store, '--queue-name', queueName, '--concurrency', String(WORKER_UNITS)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((res, rej) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('已启动')) res(child);
    });
    child.once('exit', (code) => rej(new Error(`worker exited ${code}: ${err}`)));
  });
}

const loadBefore = loadavg()[0]!;
const portals: SyntheticPortal[] = [];
for (let i = 0; i < PORTALS; i++) {
  const p = new SyntheticPortal({ units: UNITS, columns: 6, pagesPerColumn: 1, itemsPerPage: ITEMS, latencyMs: LATENCY, serverConcurrency: 0 });
  await p.listen(`127.0.1.${i + 1}`);
  portals.push(p);
}
// Unit ids repeat between portals (u001…): each gets its portal's number.
const units: Unit[] = portals.flatMap((p, i) => p.units.map((u) => ({ id: `p${String(i + 1).padStart(2, '0')}${u.id}`, name: u.name, type: u.type, url: u.url })));
const plan = planGather(loadScheme(DEFAULT_SCHEME));

interface Row {
  workers: number;
  wallS: number;
  requests: number;
  reqPerS: number;
  perWorker: number;
  unitsOk: number;
}
const rows: Row[] = [];
for (const n of WORKERS) {
  const db = await scratchDb();
  const queueName = `bench-${randomBytes(3).toString('hex')}`;
  const workers = await Promise.all(Array.from({ length: n }, () => startWorker(queueName, db.url)));
  const store = await PostgresStore.open(db.url);
  for (const p of portals) p.resetCounters();
  const t0 = performance.now();
  const snaps = await queueCrawler({ queue: REDIS, prefix: queueName })(units, { plan, store, policy: NetworkPolicy.forUnits(units), concurrency: 2, browser: false });
  const wallS = (performance.now() - t0) / 1000;
  const requests = portals.reduce((sum, p) => sum + p.counters.total, 0);
  rows.push({ workers: n, wallS, requests, reqPerS: requests / wallS, perWorker: requests / wallS / n, unitsOk: snaps.filter((s) => s.status !== 'unreachable').length });
  process.stderr.write(`[province] ${n} worker(s): ${wallS.toFixed(1)} s, ${requests} requests\n`);
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
  await store.close();
  await db.drop();
}
await Promise.all(portals.map((p) => p.close()));

const base = rows[0]!;
const table = [
  `# Province bench (${new Date().toISOString().slice(0, 10)})`,
  '',
  `${PORTALS} portals × ${UNITS} unit(s) (6 columns, one list page of ${ITEMS} items each, ${LATENCY} ms per response), each portal on its own loopback host;`,
  `politeness 100 ms between starts and 2 at once per host, across all workers; each worker crawls ${WORKER_UNITS} units at once; no browser.`,
  `Machine: ${cpus().length} cores, load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (other work shares the machine).`,
  '',
  '| workers | wall time | requests | requests/s | requests/s per worker | speed-up | units read |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.workers} | ${r.wallS.toFixed(1)} s | ${r.requests} | ${r.reqPerS.toFixed(1)} | ${r.perWorker.toFixed(1)} | ${(base.wallS / r.wallS).toFixed(2)}× | ${r.unitsOk}/${units.length} |`),
  '',
].join('\n');
writeFileSync(join(import.meta.dirname, 'results', 'province.md'), table);
process.stdout.write(table);
