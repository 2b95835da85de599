import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/faults-cli.ts';
import { expectDataFilesParse, walkFiles } from '../helpers/faults-files.ts';
import { startFaultyPortal, type FaultyPortal } from '../../fixtures/faulty/portal.ts';

/**
 * SIGKILL in the middle of `zwgk crawl` (a child process), at several points
 * of the run, then a restart: nothing already stored is lost or changed,
 * every JSON/gzip file in the data directory parses, each unit's previous
 * snapshot stays listed until a complete new one replaces it, and the
 * restarted crawl completes. The slow unit (every page 300 ms) keeps the run
 * long enough to be caught mid-way.
 */
const UNITS = ['hao', 'slow', 'cs'];
/** When to kill: a fixed delay, or right after the n-th new snapshot file of the run lands (the index not yet rewritten, maybe). */
type KillPoint = { ms: number } | { snapshots: number };
const KILL_POINTS: KillPoint[] = [{ ms: 300 }, { ms: 1500 }, { snapshots: 1 }, { snapshots: 2 }];
const figures = { kills: 0, snapshotsWrittenByKilledRuns: 0, resumed: 0, tmpLeftovers: 0, runsLeftRunning: 0 };

let portal: FaultyPortal;
let root: string;
let dataDir: string;
let unitsCsv: string;

interface IndexSnapshotRef {
  crawlId: string;
  file: string;
}


/** Every .json / .gz parses; returns the index's snapshot lists. */
function checkDataDir(): Record<string, IndexSnapshotRef[]> {
  expectDataFilesParse(dataDir);
  const index = JSON.parse(readFileSync(join(dataDir, 'zwgk.json'), 'utf8')) as { snapshots: Record<string, IndexSnapshotRef[]> };
  for (const refs of Object.values(index.snapshots)) {
    for (const ref of refs) expect(existsSync(join(dataDir, ref.file)), `listed snapshot ${ref.file} exists`).toBe(true);
  }
  return index.snapshots;
}

function hashes(): Map<string, string> {
  return new Map(
    walkFiles(dataDir)
      .filter((f) => f.endsWith('.gz'))
      .map((f) => [f, createHash('sha1').update(readFileSync(f)).digest('hex')]),
  );
}

beforeAll(async () => {
  portal = await startFaultyPortal();
  root = mkdtempSync(join(tmpdir(), 'zwgk-kill-'));
  dataDir = join(root, 'data');
  unitsCsv = join(root, 'units.csv');
  portal.writeUnitsCsv(unitsCsv, UNITS);
});
afterAll(async () => {
  if (dataDir) {
    figures.tmpLeftovers = walkFiles(dataDir).filter((f) => f.endsWith('.tmp')).length;
    const index = JSON.parse(readFileSync(join(dataDir, 'zwgk.json'), 'utf8')) as { runs: { status: string }[] };
    figures.runsLeftRunning = index.runs.filter((r) => r.status === 'running').length;
  }
  console.info(`[faults-kill] figures ${JSON.stringify(figures)}`);
  await portal?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('killing a crawl mid-way loses nothing', () => {
  it('a first complete crawl stores one snapshot per unit', async () => {
    const r = await runCli(['crawl', '--units', unitsCsv, '--data', dataDir, '--no-browser', '--concurrency', '4'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const index = checkDataDir();
    expect(UNITS.map((u) => index[u]?.length ?? 0)).toEqual(UNITS.map(() => 1));
  });

  it.each(KILL_POINTS.map((k) => [JSON.stringify(k), k] as const))('SIGKILL at %s: stored files unchanged, all parse, previous snapshots still listed', async (_name, point) => {
    const before = hashes();
    const indexBefore = checkDataDir();
    const newSnapshots = () => walkFiles(join(dataDir, 'snapshots')).filter((f) => f.endsWith('.json.gz') && !before.has(f)).length;
    const child = spawnCli(['crawl', '--units', unitsCsv, '--data', dataDir, '--no-browser', '--concurrency', '4']);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const t0 = Date.now();
    while (child.exitCode === null && Date.now() - t0 < 30_000) {
      if ('ms' in point ? Date.now() - t0 >= point.ms : newSnapshots() >= point.snapshots) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const stillRunning = child.exitCode === null;
    child.kill('SIGKILL');
    await exited;
    expect(stillRunning, `the crawl must still be running at ${JSON.stringify(point)} to test a kill`).toBe(true);
    figures.kills++;
    figures.snapshotsWrittenByKilledRuns += newSnapshots();

    const index = checkDataDir();
    // Nothing stored before the kill was lost or altered.
    for (const [file, sha] of before) {
      expect(existsSync(file), `${file} still there`).toBe(true);
      expect(createHash('sha1').update(readFileSync(file)).digest('hex'), `${file} unchanged`).toBe(sha);
    }
    for (const [unit, refs] of Object.entries(indexBefore)) {
      const now = index[unit]!.map((r) => r.crawlId);
      for (const ref of refs) expect(now, `${unit} keeps ${ref.crawlId}`).toContain(ref.crawlId);
    }
  });

  it('a restarted crawl completes, every unit gets a new snapshot, the old ones remain', async () => {
    const indexBefore = checkDataDir();
    const r = await runCli(['crawl', '--units', unitsCsv, '--data', dataDir, '--no-browser', '--concurrency', '4'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    figures.resumed++;
    const index = checkDataDir();
    for (const u of UNITS) {
      expect(index[u]!.length).toBeGreaterThan(indexBefore[u]!.length);
      for (const ref of indexBefore[u]!) expect(index[u]!.map((x) => x.crawlId)).toContain(ref.crawlId);
    }
  });

});
