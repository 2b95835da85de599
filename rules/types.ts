import type { ColumnSnapshot, UnitSnapshot, UnitType } from '../src/model/snapshot.ts';
import type { Scheme } from '../src/config/scheme.ts';

/** Everything a rule may know besides the snapshot. No clock, network or disk. */
export interface RuleContext {
  /** Evaluation date, YYYY-MM-DD in Asia/Shanghai. */
  asOf: string;
  /** Evaluation year Y (the year being judged). */
  year: number;
  scheme: Scheme;
  /** Hosts that count as the county portal (for `reposted` and off-site checks). */
  portalHosts: string[];
  /** The previous snapshot of this unit, when the store has one. */
  previous?: UnitSnapshot;
  /**
   * Per-unit column categories that win over the scheme's keyword map
   * (column key `法规文件/规范性文件` → category id), e.g. from the units file.
   */
  columnOverrides?: Record<string, string>;
}

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
}

export type Artifact = 'columns' | 'annual-report-articles' | 'interpretation-articles' | 'leader-articles' | 'link-checks';

export interface RuleMeta {
  id: string;
  /** 四级指标 name(s) this rule informs. */
  indicator: string;
  title: string;
  description: string;
  codes: Record<string, string>;
  artifacts: Artifact[];
}

export interface Rule {
  meta: RuleMeta;
  run(snapshot: UnitSnapshot, ctx: RuleContext): RuleResult;
}

export type { ColumnSnapshot, UnitSnapshot, UnitType };
