import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditRequest, AuditOutcome } from '../../src/audit/run-audit.ts';
import { HistoryStore } from '../../src/history/history-store.ts';
import { cronScheduler, type Scheduler } from '../../src/serve/scheduler.ts';
import { AuditService, UnknownUnitError, type ServiceSettings } from '../../src/serve/service.ts';
import { deferred, SAMPLE_SCHEME, finding, serviceSettings, UNITS, unitResult, unitsCsv, writeOutcome } from '../helpers/serve-fakes.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zwgk-serve-'));
  writeFileSync(join(dir, 'units.csv'), unitsCsv());
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** A runner whose every call waits until the test lets it finish. */
function gatedRunner() {
  const calls: { opts: AuditRequest; gate: ReturnType<typeof deferred<void>> }[] = [];
  const runner = async (opts: AuditRequest): Promise<AuditOutcome> => {
    const gate = deferred<void>();
    calls.push({ opts, gate });
    await gate.promise;
    const ids = opts.only ?? UNITS.map((u) => u.id);
    return writeOutcome(
      opts,
      UNITS.filter((u) => ids.includes(u.id)).map((u) => unitResult(u, [finding('column-update', 'stale', `${u.url}#c`, 1, '通知公告')])),
    );
  };
  return { calls, runner };
}

/** A schedule the test fires by hand. */
function manualScheduler(): Scheduler & { fire(): void } {
  let tick: (() => void) | null = null;
  return {
    start: (t) => (tick = t),
    stop: () => (tick = null),
    nextRun: () => null,
    fire: () => tick?.(),
  };
}

const flush = () => new Promise((r) => setImmediate(r));

async function service(runner: (o: AuditRequest) => Promise<AuditOutcome>, over: Partial<ServiceSettings> = {}, clock?: () => Date) {
  const history = await HistoryStore.open(join(dir, 'data'));
  return { history, svc: new AuditService(serviceSettings(dir, over), { history, runner, scheme: SAMPLE_SCHEME, clock }) };
}

describe('cron schedule', () => {
  it('starts a full audit at 02:00 Asia/Shanghai with that day as the as-of date', async () => {
    vi.useFakeTimers({ now: new Date('2021-01-19T01:58:00+08:00'), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { calls, runner } = gatedRunner();
    const { svc } = await service(runner);
    const scheduler = cronScheduler('0 2 * * *', 'Asia/Shanghai');
    svc.startSchedule(scheduler);
    expect(svc.nextScheduledRun()?.toISOString()).toBe('2021-01-18T18:00:00.000Z');

    await vi.advanceTimersByTimeAsync(60_000);
    expect(svc.activeRuns()).toEqual([]);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(svc.activeRuns()).toMatchObject([{ kind: 'full', trigger: 'schedule', asOf: '2021-01-19' }]);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]!.opts).toMatchObject({ asOf: '2021-01-19', only: undefined, concurrency: 2 });
    expect(svc.nextScheduledRun()?.toISOString()).toBe('2021-01-19T18:00:00.000Z');
    scheduler.stop();
  });
});

describe('AuditService', () => {
  it('never runs two full audits at once: a tick during a run is skipped, the next one runs', async () => {
    const { calls, runner } = gatedRunner();
    const { svc, history } = await service(runner);
    const sched = manualScheduler();
    svc.startSchedule(sched);

    sched.fire();
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    const first = svc.activeRuns()[0]!;
    expect(first).toMatchObject({ kind: 'full', trigger: 'schedule', state: 'running', queued: false });

    sched.fire();
    expect(svc.startFull('manual')).toBeNull();
    await flush();
    expect(calls).toHaveLength(1);

    calls[0]!.gate.resolve();
    await svc.idle();
    expect(svc.getRun(first.runId)).toMatchObject({ state: 'done' });
    expect(history.data.runs.map((r) => r.state)).toEqual(['done']);
    expect(svc.latest('wjw')).toMatchObject({ runId: first.runId, result: { id: 'wjw', score: 99 } });

    sched.fire();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    calls[1]!.gate.resolve();
    await svc.idle();
    expect(history.data.runs.map((r) => r.state)).toEqual(['done', 'done']);
  });

  it('queues an on-demand audit behind the running one, refuses a second for the same unit, and knows unknown units', async () => {
    const { calls, runner } = gatedRunner();
    const { svc } = await service(runner);
    const full = svc.startFull('manual')!;
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    const a = svc.startUnit('jtj');
    expect(a.conflict).toBe(false);
    expect(svc.getRun(a.runId)).toMatchObject({ state: 'running', queued: true, kind: 'unit', units: ['jtj'] });
    expect(svc.startUnit('jtj')).toEqual({ runId: a.runId, conflict: true });
    expect(() => svc.startUnit('nope')).toThrow(UnknownUnitError);

    calls[0]!.gate.resolve();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]!.opts.only).toEqual(['jtj']);
    expect(svc.getRun(a.runId)).toMatchObject({ queued: false, state: 'running' });
    calls[1]!.gate.resolve();
    await svc.idle();
    expect(svc.latest('jtj')!.runId).toBe(a.runId);
    expect(svc.latest('wjw')!.runId).toBe(full.runId);
    // Finished: a new click starts a new audit.
    expect(svc.startUnit('jtj').conflict).toBe(false);
    await vi.waitFor(() => expect(calls).toHaveLength(3));
    calls[2]!.gate.resolve();
    await svc.idle();
  });

  it('records why a run failed, and the next run tries again', async () => {
    let fail = true;
    const runner = async (opts: AuditRequest) => {
      if (fail) throw new Error('单位名单 units.csv：文件不存在');
      return writeOutcome(opts, [unitResult(UNITS[0]!, [])]);
    };
    const { svc, history } = await service(runner);
    const r1 = svc.startFull('schedule')!;
    await svc.idle();
    expect(svc.getRun(r1.runId)).toMatchObject({ state: 'failed', error: '审计失败：单位名单 units.csv：文件不存在' });
    expect(history.data.runs[0]).toMatchObject({ state: 'failed', error: '审计失败：单位名单 units.csv：文件不存在' });
    fail = false;
    const r2 = svc.startFull('schedule')!;
    await svc.idle();
    expect(svc.getRun(r2.runId)!.state).toBe('done');
  });

  it('on shutdown lets a run finish within the grace period', async () => {
    const { calls, runner } = gatedRunner();
    const { svc, history } = await service(runner);
    svc.startFull('schedule');
    svc.startUnit('wjw');
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    setTimeout(() => calls[0]!.gate.resolve(), 20);
    await svc.shutdown(5_000);
    expect(history.data.runs.map((r) => r.state)).toEqual(['done']);
    expect(calls).toHaveLength(1);
    expect(svc.startFull('manual')).toBeNull();
  });

  it('on shutdown aborts a run that outlasts the grace period through its signal and records it as failed', async () => {
    let seen: AbortSignal | undefined;
    const runner = (opts: AuditRequest) =>
      new Promise<AuditOutcome>((_, reject) => {
        seen = opts.signal;
        opts.signal!.addEventListener('abort', () => reject(new Error('crawl aborted')));
      });
    const { svc, history } = await service(runner);
    const r = svc.startFull('schedule')!;
    await vi.waitFor(() => expect(seen).toBeDefined());
    await svc.shutdown(30);
    expect(seen!.aborted).toBe(true);
    expect(history.data.runs[0]).toMatchObject({ id: r.runId, state: 'failed', error: '服务关闭，审计已中止' });
  });

  it('marks runs a dead process left running as failed at start', async () => {
    const { svc, history } = await service(gatedRunner().runner);
    await history.update((d) => {
      d.runs.push({ id: 'x', kind: 'full', trigger: 'schedule', units: [], asOf: '2021-01-19', startedAt: '2021-01-19T02:00:00+08:00', state: 'running', outDir: '/none', results: [] });
    });
    await svc.recoverInterrupted();
    expect(svc.getRun('x')).toMatchObject({ state: 'failed', error: expect.stringContaining('服务中断') });
  });

  it('prunes old report directories by count and size but keeps every unit’s latest', async () => {
    let t = Date.parse('2021-01-10T02:00:00+08:00');
    const clock = () => new Date((t += 60_000));
    const big = 'x'.repeat(300_000);
    const runner = async (opts: AuditRequest) => {
      const out = writeOutcome(opts, (opts.only ?? ['jtj', 'wjw']).map((id) => unitResult(UNITS.find((u) => u.id === id)!, [])));
      writeFileSync(join(opts.outDir, 'evidence.bin'), big);
      return out;
    };
    const { svc, history } = await service(runner, { retention: { runs: 3, maxEvidenceMb: 1, historyRuns: 100 } }, clock);
    const wjwOnly = svc.startUnit('wjw');
    await svc.idle();
    for (let i = 0; i < 4; i++) {
      svc.startUnit('jtj');
      await svc.idle();
    }
    const dirs = readdirSync(join(dir, 'data', 'reports')).sort();
    // Size bound (1 MB, 0.3 MB a run) allows three; the count bound also three; the wjw run stays as wjw's latest.
    expect(dirs).toHaveLength(3);
    expect(dirs).toContain(wjwOnly.runId);
    expect(existsSync(join(dir, 'data', 'reports', svc.latest('jtj')!.runId))).toBe(true);
    expect(history.data.runs.filter((r) => r.pruned).length).toBe(2);
    expect(svc.latest('wjw')!.result.id).toBe('wjw');
  });
});
