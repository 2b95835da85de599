import type { AuditReport, Finding, UnitResult } from '../model/result.ts';
import type { UnitSnapshot } from '../model/snapshot.ts';
import type { FindingRecord, HistoryData, RunRecord, RunUnitSummary, UnitState } from './model.ts';
import { computeWarnings, type CategoryRules, type WarningSettings } from './warnings.ts';

/** Pure updates of HistoryData; the store (history-store.ts) persists what these produce. */

export type RunStart = Pick<RunRecord, 'id' | 'kind' | 'trigger' | 'units' | 'asOf' | 'startedAt' | 'outDir'>;

export function beginRun(data: HistoryData, start: RunStart): RunRecord {
  const run: RunRecord = { ...start, state: 'running', results: [] };
  data.runs.push(run);
  return run;
}

export function failRun(data: HistoryData, runId: string, finishedAt: string, error: string): void {
  const run = requireRun(data, runId);
  run.state = 'failed';
  run.finishedAt = finishedAt;
  run.error = error;
}

/** Runs left `running` by a process that died: they will never finish. */
export function interruptRunning(data: HistoryData, at: string, reason: string): number {
  let n = 0;
  for (const run of data.runs) {
    if (run.state !== 'running') continue;
    run.state = 'failed';
    run.finishedAt = at;
    run.error = reason;
    n++;
  }
  return n;
}

export interface CompletedRun {
  report: AuditReport;
  snapshots: readonly UnitSnapshot[];
}

export function completeRun(
  data: HistoryData,
  runId: string,
  finishedAt: string,
  outcome: CompletedRun,
  settings: WarningSettings,
  rules: CategoryRules,
): void {
  const run = requireRun(data, runId);
  run.state = 'done';
  run.finishedAt = finishedAt;
  run.results = outcome.report.units.map(summarize);

  for (const unit of outcome.report.units) {
    updateFindings(data, unit, runId, finishedAt);
    const state = unitState(data, unit.id);
    state.latestRunId = runId;
    state.auditedAt = finishedAt;
  }

  // An unreachable unit's snapshot has no columns: keep what the last good crawl showed.
  const reached = outcome.snapshots.filter((s) => s.status !== 'unreachable');
  for (const snapshot of reached) {
    const state = unitState(data, snapshot.unit.id);
    for (const column of snapshot.columns) state.columnsFirstSeen[column.key] ??= snapshot.finishedAt;
    // The overview the report shows (the judge stage's column facts), not a second reading of the snapshot.
    state.columns = outcome.report.units.find((u) => u.id === snapshot.unit.id)?.columns ?? [];
    state.columnsAt = snapshot.finishedAt;
  }
  // Baselines are recorded first, so a column's first crawl never flags its own old items as 补发.
  const warnings = computeWarnings(reached, data, outcome.report.asOf, settings, rules);
  for (const [unitId, w] of Object.entries(warnings)) unitState(data, unitId).warnings = w;
}

/** Keep the newest `keep` finished runs; running ones and those holding a unit's latest result always stay. */
export function trimRuns(data: HistoryData, keep: number): void {
  const latest = new Set(Object.values(data.units).map((u) => u.latestRunId));
  const finished = data.runs.filter((r) => r.state !== 'running');
  const drop = new Set(finished.slice(0, Math.max(0, finished.length - keep)).filter((r) => !latest.has(r.id)));
  if (drop.size > 0) data.runs = data.runs.filter((r) => !drop.has(r));
}

export function findingKey(f: Pick<Finding, 'rule' | 'code' | 'column' | 'url'>): string {
  return [f.rule, f.code, f.column ?? '', f.url].join('|');
}

function updateFindings(data: HistoryData, unit: UnitResult, runId: string, at: string): void {
  const records = (data.findings[unit.id] ??= []);
  const open = new Map(records.filter((r) => !r.resolvedAt).map((r) => [r.key, r]));
  const seen = new Set<string>();
  for (const f of unit.findings) {
    const key = findingKey(f);
    if (seen.has(key)) continue;
    seen.add(key);
    const record = open.get(key);
    if (record) {
      record.lastSeenAt = at;
      record.lastRunId = runId;
      record.message = f.message;
      continue;
    }
    const fresh: FindingRecord = {
      key,
      rule: f.rule,
      code: f.code,
      indicator: f.indicator,
      url: f.url,
      message: f.message,
      firstSeenAt: at,
      firstRunId: runId,
      lastSeenAt: at,
      lastRunId: runId,
    };
    if (f.column !== undefined) fresh.column = f.column;
    records.push(fresh);
  }
  // Absence proves a fix only when the check could run: an unreachable unit or an
  // inconclusive check of the same rule leaves the finding open.
  if (unit.status === 'unreachable') return;
  const blocked = new Set(unit.inconclusive.map((i) => i.rule));
  for (const [key, record] of open) {
    if (seen.has(key) || blocked.has(record.rule)) continue;
    record.resolvedAt = at;
    record.resolvedRunId = runId;
  }
}

function summarize(unit: UnitResult): RunUnitSummary {
  return {
    id: unit.id,
    score: unit.score,
    weighted: unit.weighted,
    status: unit.status,
    deducted: unit.findings.reduce((sum, f) => sum + f.deduction, 0),
    findings: unit.findings.length,
    waived: unit.findings.filter((f) => f.review?.decision === 'waived').length,
    inconclusive: unit.inconclusive.length,
  };
}

export function unitState(data: HistoryData, unitId: string): UnitState {
  return (data.units[unitId] ??= { columnsFirstSeen: {}, columns: [], warnings: { stale: [], backdated: [] } });
}

function requireRun(data: HistoryData, runId: string): RunRecord {
  const run = data.runs.find((r) => r.id === runId);
  if (!run) throw new Error(`历史记录中没有运行 ${runId}`);
  return run;
}
