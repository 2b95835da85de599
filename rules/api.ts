import type { z } from 'zod';
import type { ArticleRead } from '../src/model/gather-plan.ts';
import type { Inconclusive, RawFinding, RuleResult } from '../src/model/judged.ts';
import type { ColumnSnapshot, ListItem, UnitSnapshot, UnitType } from '../src/model/snapshot.ts';

/**
 * The rule API. A rule is one module, `rules/<id>.ts`, whose default export is
 * `defineRule({ meta, run })` — like an ESLint rule or a Lighthouse audit:
 * `meta` says everything about it (codes and their labels, a settings schema
 * with defaults, what the crawl must gather for it, labels of what it
 * observes); `run` is a pure function of what was gathered and the context.
 * No clock, network or disk inside a rule. See README "编写规则".
 */

/** How a column category is judged for freshness (from the scheme's `categories`). */
export interface CategoryDef {
  label: string;
  judge: 'age' | 'year' | 'never' | 'skip';
  staleAfterDays?: number;
  keywords: string[];
}

/** Facts about one column computed once by the judge stage, the same for every rule and the report. */
export interface ColumnFacts {
  column: ColumnSnapshot;
  /** Category id, after the unit's own overrides. */
  category: string;
  def: CategoryDef;
  /** Not a news-type column (新闻动态类 are not government information). */
  judged: boolean;
  /** An empty column that only groups sub-columns (法规文件 › 规范性文件). */
  group: boolean;
  /** Newest item dated on or before the as-of date (items after it did not exist yet then). */
  newest: ListItem | null;
}

export interface RuleInput {
  snapshot: UnitSnapshot;
  columns: readonly ColumnFacts[];
}

export interface RuleContext<S = unknown> {
  /** Evaluation date, YYYY-MM-DD in Asia/Shanghai. */
  asOf: string;
  /** Evaluation year Y (the year being judged). */
  year: number;
  /** This rule's settings: its schema's defaults with the scheme's values over them. */
  settings: S;
  /** Hosts (`host[:port]`) that count as the county portal (for `reposted` and off-site checks). */
  portalHosts: readonly string[];
}

/** What the crawl gathers for a rule besides every column's list. */
export type Need =
  /** Undated items of columns judged by age or year take their article's date. */
  | { kind: 'item-dates' }
  /**
   * Articles of the columns whose path contains one of `columns` (or of every judged column), and what
   * of them (src/model/gather-plan.ts ArticleRead): a title filter, a sample size, their body links read
   * (`links: 'read'`) or only checked (`links: 'check'`, with `linkScope` and `maxLinkChecks`).
   */
  | ({ kind: 'articles'; columns: readonly string[] | 'judged' } & ArticleRead);

export interface RuleMeta<S extends z.ZodType = z.ZodType> {
  id: string;
  /** 四级指标 name(s) this rule informs. */
  indicator: string;
  title: string;
  /** Chinese, what the rule checks, for the office. */
  description: string;
  /** Finding code → Chinese label. */
  codes: Record<string, string>;
  /** Settings with their defaults; a scheme's `settings.<id>` is validated against it. */
  settings: S;
  /** What the crawl must gather, given the settings. */
  needs(settings: z.output<S>): Need[];
  /** Labels of the keys this rule puts in `observed` (shown in reports). */
  observed: Record<string, string>;
}

export interface Rule<S extends z.ZodType = z.ZodType> {
  meta: RuleMeta<S>;
  run(input: RuleInput, ctx: RuleContext<z.output<S>>): RuleResult;
}

/** A rule of any settings type, as the registry holds them. */
export type AnyRule = Rule<any>;

/** Types a rule's settings from its schema; nothing happens at run time. */
export function defineRule<S extends z.ZodType>(rule: Rule<S>): Rule<S> {
  return rule;
}

export { columnMatches } from '../src/model/gather-plan.ts';
export type { ColumnSnapshot, Inconclusive, ListItem, RawFinding, RuleResult, UnitSnapshot, UnitType };
