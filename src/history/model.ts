import type { ColumnOverview } from '../model/judged.ts';
import type { UnitResult } from '../model/result.ts';

/**
 * What `zwgk serve` remembers across runs (data/history.json). Item first-seen
 * times stay in the crawler's store; history keeps only what the store does
 * not: run outcomes, each finding's life span, and per-unit state the
 * dashboard shows (columns, warnings).
 */
export const HISTORY_VERSION = 1 as const;

export type RunKind = 'full' | 'unit';
export type RunTrigger = 'schedule' | 'manual';
export type RunStateName = 'running' | 'done' | 'failed';

/** Score summary of one unit in one run (the trend chart reads these). */
export interface RunUnitSummary {
  id: string;
  score: number;
  weighted: number;
  status: UnitResult['status'];
  /** Points actually deducted (sum of finding deductions). */
  deducted: number;
  findings: number;
  waived: number;
  inconclusive: number;
}

export interface RunRecord {
  id: string;
  kind: RunKind;
  trigger: RunTrigger;
  /** Unit ids asked for; empty = every unit of the units file. */
  units: string[];
  asOf: string;
  startedAt: string;
  finishedAt?: string;
  state: RunStateName;
  /** Chinese, why the run failed. */
  error?: string;
  /** Chinese, what the office should know about the run beyond its results (a stored snapshot that could not be read). */
  warnings?: string[];
  /** Report directory (absolute) holding report.json / html / xlsx / evidence. */
  outDir: string;
  /** True once retention removed the report directory. */
  pruned?: boolean;
  results: RunUnitSummary[];
}

/** One finding over time. A finding that comes back after being resolved starts a new record. */
export interface FindingRecord {
  /** Stable identity: rule, code, column and address. */
  key: string;
  rule: string;
  code: string;
  indicator: string;
  column?: string;
  url: string;
  message: string;
  firstSeenAt: string;
  firstRunId: string;
  lastSeenAt: string;
  lastRunId: string;
  resolvedAt?: string;
  resolvedRunId?: string;
}


/** 预警: a column that will turn stale within the warning window if nothing new is published. */
export interface StaleWarning {
  column: string;
  name: string;
  url: string;
  category: string;
  newest: string | null;
  /** First day the column counts as stale. */
  staleOn: string;
  daysLeft: number;
  /** Median days between the column's recent items, when there are enough dated items. */
  typicalGapDays: number | null;
  message: string;
}

/** 补发/倒签: an item that appeared long after the date it carries. For human review, never a deduction. */
export interface BackdatedItem {
  column: string;
  title: string;
  url: string;
  date: string;
  firstSeen: string;
  /** Days between the item's date and the day it was first seen. */
  daysBefore: number;
  message: string;
}

export interface UnitWarnings {
  stale: StaleWarning[];
  backdated: BackdatedItem[];
}

export interface UnitState {
  /** Column key → first crawl (snapshot finishedAt) that saw the column: the baseline for 补发 detection. */
  columnsFirstSeen: Record<string, string>;
  /** The latest report's column overview of the unit. */
  columns: ColumnOverview[];
  warnings: UnitWarnings;
  /** Run whose report.json holds this unit's latest result. */
  latestRunId?: string;
  auditedAt?: string;
  /** When the columns/warnings above were computed (the last crawl that reached the unit). */
  columnsAt?: string;
}

export interface HistoryData {
  version: typeof HISTORY_VERSION;
  runs: RunRecord[];
  findings: Record<string, FindingRecord[]>;
  units: Record<string, UnitState>;
}

export function emptyHistory(): HistoryData {
  return { version: HISTORY_VERSION, runs: [], findings: {}, units: {} };
}
