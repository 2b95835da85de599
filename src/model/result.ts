import type { ColumnOverview } from './judged.ts';
import type { ReviewState } from './review-states.ts';
import type { UnitType } from './snapshot.ts';

/**
 * The scored result: exactly what report.json holds (schemaVersion 1 of the
 * contract in DESIGN.md, extended only with new fields). Reports render this;
 * they never re-derive a score.
 */
export interface Evidence {
  /** Relative to the report directory, e.g. `evidence/jtj/column-update-1a2b3c.png`. */
  screenshot?: string;
  /** Why there is no screenshot, when there is none. */
  screenshotError?: string;
  /** The screenshot found the finding's element and outlined it (false: its banner says the element was not found). */
  located?: boolean;
  [observed: string]: unknown;
}

export interface Finding {
  rule: string;
  code: string;
  indicator: string;
  /** Points this finding costs after caps (0 when absorbed by a cap or waived). */
  deduction: number;
  /** The indicator has no points in the scheme: reported as 提示, never counted. */
  advisory?: boolean;
  message: string;
  url: string;
  column?: string;
  evidence: Evidence;
  /** Set when a reviewer override waived (豁免) or confirmed (确认) it; a 误报 review waives it too. */
  review?: { decision: 'waived' | 'confirmed'; reason: string };
  /** The office's review state when the report was written (src/model/review-states.ts), with its 问题编号 and last change. */
  reviewState?: { id: string; state: ReviewState; label: string; at?: string; by?: string; reason?: string };
  /**
   * When the finding counts against more than one indicator (a missing annual
   * report costs 发布 and 编制质量): the part each indicator took. `deduction` is their sum.
   */
  charges?: { key: string; indicator: string; deduction: number }[];
  /** Chinese, how the deduction came about when it is not simply per finding (the >3 jump, a cap). */
  deductionNote?: string;
  /** Counted in its indicator's jump (名下栏目超过3个未更新，直接扣10分): the indicator carries the deduction, the finding 0. */
  inJump?: boolean;
}

export interface InconclusiveCheck {
  rule: string;
  url: string;
  reason: string;
  column?: string;
  /** Finding codes whose check could not be made; absent = every code of the rule. */
  codes?: string[];
}

export interface IndicatorScore {
  key: string;
  name: string;
  points: number;
  deducted: number;
  /** false → 不参与考核 (deducted is the average of assessed units of the same table) or unit unreachable (deducted 0); `state` says which. */
  assessed: boolean;
  /**
   * assessed: judged from findings; not-assessed: no such matter (average);
   * inconclusive: checks could not be made and nothing was found (0, left out of averages);
   * unreachable: the unit's index could not be read (0, left out of averages).
   */
  state?: 'assessed' | 'not-assessed' | 'inconclusive' | 'unreachable';
  /** Chinese, how the indicator's deduction came about when not per finding (the jump). */
  note?: string;
}

export interface UnitResult {
  id: string;
  name: string;
  type: UnitType;
  status: 'ok' | 'partial' | 'unreachable';
  score: number;
  weighted: number;
  findings: Finding[];
  inconclusive: InconclusiveCheck[];
  /** Extensions beyond the contract's minimum. */
  indicators: IndicatorScore[];
  /** Ranking by score over all units (ties share a rank); unreachable units come last, sharing one rank. */
  rank?: number;
  /** Which table of the scheme scored the unit (部门 / 乡镇和林（垦殖）场). */
  table?: string;
  url: string;
  crawledAt?: string;
  /** Newest item date per column (as of the as-of date), for the office's overview. */
  columns?: ColumnOverview[];
  /** Rule id → what the rule observed where it found nothing to report (e.g. the page naming the leader), labelled by the rule catalog. */
  observations?: Record<string, Record<string, unknown>>;
}

export interface AuditReport {
  schemaVersion: 1;
  scheme: string;
  schemeTitle?: string;
  /** The county and the office issuing the report (the scheme's), for the cover page. */
  county?: string;
  issuer?: string;
  year: number;
  asOf: string;
  generatedAt: string;
  weight: number;
  /** What each rule's ids mean, in Chinese, for whoever renders the report (from the rules' own meta). */
  rules?: RuleCatalog;
  units: UnitResult[];
}

/** Rule id → its title, indicator and the labels of its codes and observed facts. */
export type RuleCatalog = Record<string, { title: string; indicator: string; codes: Record<string, string>; observed: Record<string, string> }>;
