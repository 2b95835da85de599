import type { Unit, UnitSnapshot } from './snapshot.ts';

/**
 * What the judge stage hands to scoring: per unit, every selected rule's
 * result and the column overview, computed from the snapshot once. Scoring
 * and reports read only this, never a snapshot.
 */

/** What a rule reports; the scoring engine turns it into a deduction. */
export interface RawFinding {
  rule: string;
  code: string;
  /** Chinese, one sentence, for the office. */
  message: string;
  url: string;
  column?: string;
  /** What was observed (newest item, link status…), JSON-serialisable. */
  observed: Record<string, unknown>;
  /** Text to highlight on the page when taking the screenshot. */
  highlight?: string;
}

export interface Inconclusive {
  rule: string;
  url: string;
  /** Chinese, why no conclusion could be drawn. */
  reason: string;
  column?: string;
  /** Finding codes whose check could not be made; absent = every code of the rule. */
  codes?: string[];
}

export interface RuleResult {
  findings: RawFinding[];
  inconclusive: Inconclusive[];
  /**
   * false when the unit has no such matter for this rule (不参与考核), e.g. no
   * interpretation published in the year: scoring then gives it the average.
   */
  assessed: boolean;
  /**
   * Codes the unit has no matter for although the rule as a whole applies,
   * e.g. `copied` when there is no earlier report to compare with.
   */
  unassessed?: string[];
  /**
   * What the rule observed when there is no finding to carry it (the page and
   * sentence that satisfied the check), JSON-serialisable, labelled by the rule's `observed`.
   */
  observed?: Record<string, unknown>;
}

/** One row of the report's column overview: the same facts the rules judged on. */
export interface ColumnOverview {
  key: string;
  url: string;
  category: string;
  /** The category's name in the scheme (常规类…). */
  categoryLabel: string;
  /** Newest item dated on or before the as-of date. */
  newest: string | null;
  items: number;
  /** The list's reading (ok / partial / failed), or `skipped` for a category that is not judged. */
  status: string;
}

export interface JudgedUnit {
  unit: Unit;
  status: UnitSnapshot['status'];
  /** When the snapshot's crawl finished. */
  crawledAt?: string;
  /** Rule id → result, for every rule the scheme selected that applies to the unit, in the scheme's order. */
  results: Record<string, RuleResult>;
  columns: ColumnOverview[];
}
