import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/history-store.ts';
import { emptyHistory, type HistoryData } from '../../src/history/model.ts';
import { beginRun, completeRun, failRun, interruptRunning, trimRuns } from '../../src/history/record.ts';
import { DEFAULT_WARNING_SETTINGS } from '../../src/history/warnings.ts';
import { columnFacts, columnOverview } from '../../src/judge/column-facts.ts';
import type { UnitResult } from '../../src/model/result.ts';
import type { UnitSnapshot } from '../../src/model/snapshot.ts';
import { CATEGORY_RULES, finding, report, snapshot, UNITS, unitResult, type ColumnSpec } from '../helpers/serve-fakes.ts';

const [jtj, wjw] = UNITS as [(typeof UNITS)[0], (typeof UNITS)[0]];

/** Records one finished run of the given results and snapshots at `at`; each result's column overview is its snapshot's, as the judge stage gives it. */
function run(data: HistoryData, id: string, at: string, units: UnitResult[], snapshots: UnitSnapshot[] = []): void {
  const asOf = at.slice(0, 10);
  const judged = units.map((u) => {
    const snap = snapshots.find((s) => s.unit.id === u.id);
    return snap ? { ...u, columns: columnOverview(columnFacts(snap.columns, CATEGORY_RULES, asOf)) } : u;
  });
  beginRun(data, { id, kind: 'full', trigger: 'schedule', units: [], asOf, startedAt: at, outDir: `/tmp/none/${id}` });
  completeRun(data, id, at, { report: report(asOf, judged), snapshots }, DEFAULT_WARNING_SETTINGS, CATEGORY_RULES);
}

const stale = finding('column-update', 'stale', 'http://p/jtj/tzgg/', 1, '通知公告');
const empty = finding('column-update', 'empty', 'http://p/jtj/xzzf/', 1, '行政执法');
const late = finding('annual-report', 'late', 'http://p/jtj/nb2019.html', 1);

describe('finding history', () => {
  it('records first seen, keeps it while the finding stays, and resolves it when a later run no longer finds it', () => {
    const data = emptyHistory();
    run(data, 'r1', '2021-01-10T02:00:00+08:00', [unitResult(jtj, [stale, empty])]);
    run(data, 'r2', '2021-01-11T02:00:00+08:00', [unitResult(jtj, [stale, empty])]);
    run(data, 'r3', '2021-01-12T02:00:00+08:00', [unitResult(jtj, [stale])]);

    const records = data.findings.jtj!;
    expect(records).toHaveLength(2);
    const s = records.find((r) => r.code === 'stale')!;
    const e = records.find((r) => r.code === 'empty')!;
    expect(s).toMatchObject({ firstSeenAt: '2021-01-10T02:00:00+08:00', firstRunId: 'r1', lastRunId: 'r3' });
    expect(s.resolvedAt).toBeUndefined();
    expect(e).toMatchObject({ firstRunId: 'r1', lastRunId: 'r2', resolvedAt: '2021-01-12T02:00:00+08:00', resolvedRunId: 'r3' });
    expect(data.runs.map((r) => r.results[0]!.score)).toEqual([98, 98, 99]);
  });

  it('opens a new record when a resolved finding comes back', () => {
    const data = emptyHistory();
    run(data, 'r1', '2021-01-10T02:00:00+08:00', [unitResult(jtj, [empty])]);
    run(data, 'r2', '2021-01-11T02:00:00+08:00', [unitResult(jtj, [])]);
    run(data, 'r3', '2021-01-12T02:00:00+08:00', [unitResult(jtj, [empty])]);
    const records = data.findings.jtj!;
    expect(records.map((r) => [r.firstRunId, r.resolvedRunId])).toEqual([
      ['r1', 'r2'],
      ['r3', undefined],
    ]);
  });

  it('does not call a finding resolved when the unit was unreachable or the same rule was inconclusive', () => {
    const data = emptyHistory();
    run(data, 'r1', '2021-01-10T02:00:00+08:00', [unitResult(jtj, [stale, late]), unitResult(wjw, [late])]);
    run(data, 'r2', '2021-01-11T02:00:00+08:00', [
      unitResult(jtj, [], { status: 'unreachable' }),
      unitResult(wjw, [], { inconclusive: [{ rule: 'annual-report', url: 'http://p/wjw/nb.html', reason: '页面超时' }] }),
    ]);
    expect(data.findings.jtj!.every((r) => r.resolvedAt === undefined)).toBe(true);
    expect(data.findings.wjw![0]!.resolvedAt).toBeUndefined();

    run(data, 'r3', '2021-01-12T02:00:00+08:00', [unitResult(jtj, [stale]), unitResult(wjw, [])]);
    expect(data.findings.jtj!.find((r) => r.rule === 'annual-report')!.resolvedRunId).toBe('r3');
    expect(data.findings.jtj!.find((r) => r.rule === 'column-update')!.resolvedAt).toBeUndefined();
    expect(data.findings.wjw![0]!.resolvedRunId).toBe('r3');
  });

  it('points each unit at the run holding its latest result, and an on-demand run moves only that unit', () => {
    const data = emptyHistory();
    run(data, 'r1', '2021-01-10T02:00:00+08:00', [unitResult(jtj, [stale]), unitResult(wjw, [])]);
    run(data, 'r2', '2021-01-10T15:00:00+08:00', [unitResult(jtj, [])]);
    expect(data.units.jtj).toMatchObject({ latestRunId: 'r2', auditedAt: '2021-01-10T15:00:00+08:00' });
    expect(data.units.wjw).toMatchObject({ latestRunId: 'r1' });
  });

  it('marks failed and interrupted runs with a reason, and trimming keeps runs still holding a latest result', () => {
    const data = emptyHistory();
    run(data, 'r1', '2021-01-10T02:00:00+08:00', [unitResult(wjw, [])]);
    beginRun(data, { id: 'r2', kind: 'full', trigger: 'schedule', units: [], asOf: '2021-01-11', startedAt: '2021-01-11T02:00:00+08:00', outDir: '/x' });
    failRun(data, 'r2', '2021-01-11T02:05:00+08:00', '审计失败：门户无法访问');
    beginRun(data, { id: 'r3', kind: 'unit', trigger: 'manual', units: ['jtj'], asOf: '2021-01-11', startedAt: '2021-01-11T09:00:00+08:00', outDir: '/y' });
    expect(interruptRunning(data, '2021-01-11T10:00:00+08:00', '服务中断')).toBe(1);
    expect(data.runs.map((r) => [r.id, r.state, r.error])).toEqual([
      ['r1', 'done', undefined],
      ['r2', 'failed', '审计失败：门户无法访问'],
      ['r3', 'failed', '服务中断'],
    ]);
    run(data, 'r4', '2021-01-12T02:00:00+08:00', [unitResult(jtj, [])]);
    trimRuns(data, 1);
    expect(data.runs.map((r) => r.id)).toEqual(['r1', 'r4']);
  });
});

describe('columns and warnings in history', () => {
  const col = (key: string, category: string, items: ColumnSpec['items']): ColumnSpec => ({ key, category, items });
  const t1 = '2020-12-01T02:10:00+08:00';
  const t2 = '2020-12-20T02:10:00+08:00';

  it('flags an item that appeared after the first crawl carrying a date long before it, but not old stock or new columns', () => {
    const data = emptyHistory();
    const first = snapshot(jtj, t1, [col('通知公告', 'regular', [{ title: '老通知', date: '2020-06-01', firstSeen: t1 }])]);
    run(data, 'r1', t1, [unitResult(jtj, [])], [first]);
    expect(data.units.jtj!.warnings.backdated).toEqual([]);
    expect(data.units.jtj!.columnsFirstSeen).toEqual({ 通知公告: t1 });

    const second = snapshot(jtj, t2, [
      col('通知公告', 'regular', [
        { title: '老通知', date: '2020-06-01', firstSeen: t1 },
        { title: '补发的通知', date: '2020-11-01', firstSeen: t2 },
        { title: '及时的通知', date: '2020-12-15', firstSeen: t2 },
        { title: '第七天的通知', date: '2020-12-13', firstSeen: t2 },
      ]),
      col('政策文件', 'regular', [{ title: '新栏目里的旧文件', date: '2019-03-01', firstSeen: t2 }]),
      col('工作动态', 'news', [{ title: '补发的新闻', date: '2020-10-01', firstSeen: t2 }]),
    ]);
    run(data, 'r2', t2, [unitResult(jtj, [])], [second]);
    const backdated = data.units.jtj!.warnings.backdated;
    expect(backdated.map((b) => [b.title, b.daysBefore])).toEqual([['补发的通知', 49]]);
    expect(backdated[0]!.message).toContain('2020-12-20 才首次出现');
    expect(data.units.jtj!.columnsFirstSeen['政策文件']).toBe(t2);
  });

  it('keeps the last good columns when the unit is unreachable', () => {
    const data = emptyHistory();
    run(data, 'r1', t1, [unitResult(jtj, [])], [snapshot(jtj, t1, [col('通知公告', 'regular', [{ title: 'a', date: '2020-11-30', firstSeen: t1 }])])]);
    run(data, 'r2', t2, [unitResult(jtj, [], { status: 'unreachable' })], [snapshot(jtj, t2, [], 'unreachable')]);
    expect(data.units.jtj!.columns).toEqual([expect.objectContaining({ key: '通知公告', newest: '2020-11-30', items: 1 })]);
    expect(data.units.jtj!.columnsAt).toBe(t1);
  });
});

describe('HistoryStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('persists to history.json atomically and reads it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zwgk-history-'));
    dirs.push(dir);
    const store = await HistoryStore.open(join(dir, 'data'));
    await store.update((d) => run(d, 'r1', '2021-01-10T02:00:00+08:00', [unitResult(jtj, [stale])]));
    expect(readdirSync(join(dir, 'data'))).toEqual(['history.json']);
    const onDisk = JSON.parse(readFileSync(store.file, 'utf8')) as HistoryData;
    expect(onDisk.findings.jtj![0]!.firstRunId).toBe('r1');

    const again = await HistoryStore.open(join(dir, 'data'));
    expect(again.data.runs.map((r) => r.id)).toEqual(['r1']);
  });
});
