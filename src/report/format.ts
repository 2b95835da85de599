import type { AuditReport, Finding, RuleCatalog, UnitResult } from '../model/result.ts';
import { fmtInstant } from '../lib/time.ts';

export { fmtInstant };

/**
 * Chinese labels and display helpers shared by the HTML, xlsx and console
 * reports. Display only: nothing here computes a score.
 */

export const UNIT_TYPE_LABEL: Record<string, string> = { department: '部门', town: '乡镇', farm: '林场' };

export const UNIT_STATUS_LABEL: Record<string, string> = {
  ok: '正常',
  partial: '部分页面无法访问',
  unreachable: '无法访问',
};

export const COLUMN_STATUS_LABEL: Record<string, string> = {
  ok: '正常',
  stale: '未及时更新',
  empty: '空白栏目',
  failed: '无法读取',
  partial: '部分读取',
  skipped: '不作评判',
  news: '不作评判',
};

/** Shown as percentages. */
const PERCENT_KEYS = new Set(['similarity', 'threshold']);

/** Evidence keys that are not shown as observations: shown elsewhere, internal codes, or technical detail. */
const EVIDENCE_HIDDEN_KEYS = new Set(['screenshot', 'screenshotError', 'located', 'highlight', 'category', 'listStatus', 'method', 'jaccard']);

export function label(map: Record<string, string>, key: string): string {
  return Object.hasOwn(map, key) ? map[key]! : key;
}

/** Inconclusive checks of the crawl itself (a unit that could not be read) carry this rule id. */
const CRAWL = '抓取';

/** A rule's name in the report's own catalog (the rules' meta); the id when unknown. */
export function ruleLabel(catalog: RuleCatalog | undefined, rule: string): string {
  return catalog?.[rule]?.title ?? (rule === 'crawl' ? CRAWL : rule);
}

export function codeLabel(catalog: RuleCatalog | undefined, f: Pick<Finding, 'rule' | 'code'>): string {
  return catalog?.[f.rule]?.codes[f.code] ?? f.code;
}

/** Up to two decimals, no trailing zeros (scores can be averages such as 0.6667). */
export function fmtNum(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return String(Math.round(n * 100) / 100);
}

export function isWaived(f: Finding): boolean {
  return f.review?.decision === 'waived';
}

/** 提示: a finding of an indicator without points (advisory). Reported on its own, never in the deduction tables. */
export function isAdvisory(f: Finding): boolean {
  return f.advisory === true;
}

/** The findings of the deduction tables (扣分问题): neither advisory nor waived. */
export function openFindings(u: UnitResult): Finding[] {
  return u.findings.filter((f) => !isAdvisory(f) && !isWaived(f));
}

/** Waived findings (豁免), advisory or not: listed apart from both. */
export function waivedFindings(u: UnitResult): Finding[] {
  return u.findings.filter(isWaived);
}

export interface AdvisoryGroup {
  rule: string;
  /** The rule's indicator (what the national indicators call the check), from the report's catalog. */
  title: string;
  findings: Finding[];
}

/** A unit's advisories grouped by rule, in the order the report lists the rules; waived ones only when asked (a sheet with a review column). */
export function advisoryGroups(u: UnitResult, catalog: RuleCatalog | undefined, opts: { waived?: boolean } = {}): AdvisoryGroup[] {
  const groups = new Map<string, AdvisoryGroup>();
  for (const f of u.findings.filter((x) => isAdvisory(x) && (opts.waived || !isWaived(x)))) {
    let g = groups.get(f.rule);
    if (!g) groups.set(f.rule, (g = { rule: f.rule, title: catalog?.[f.rule]?.indicator ?? ruleLabel(catalog, f.rule), findings: [] }));
    g.findings.push(f);
  }
  return [...groups.values()];
}

/** How many advisories a unit has (waived ones not counted). */
export function advisoryCount(u: UnitResult): number {
  return advisoryGroups(u, undefined).reduce((n, g) => n + g.findings.length, 0);
}

/** The rules (id and title) that gave any unit of the report an advisory, in the order they first appear. */
export function advisoryRules(report: AuditReport): { rule: string; title: string }[] {
  const seen = new Map<string, string>();
  for (const u of report.units) for (const g of advisoryGroups(u, report.rules)) if (!seen.has(g.rule)) seen.set(g.rule, g.title);
  return [...seen].map(([rule, title]) => ({ rule, title }));
}

/** What the 提示 sections say about themselves. */
export const ADVISORY_NOTE = '提示：考评方案中不计分的检查项（如国家政府网站检查指标、条例第二十六条公开时限），只报告问题和佐证，不扣分、不影响得分。';

/** Total deducted points as the scoring engine recorded them per indicator. */
export function unitDeducted(u: UnitResult): number {
  return u.indicators.reduce((sum, i) => sum + i.deducted, 0);
}

/** Observed facts of a finding, as label/value pairs of display text (labels from the rule's meta; unknown keys as they are). */
export function observedFacts(f: Finding, catalog: RuleCatalog | undefined): { label: string; value: string }[] {
  const labels = catalog?.[f.rule]?.observed ?? {};
  const facts: { label: string; value: string }[] = [];
  for (const [key, value] of Object.entries(f.evidence)) {
    if (EVIDENCE_HIDDEN_KEYS.has(key) || value === undefined || value === null || value === '') continue;
    const shown = PERCENT_KEYS.has(key) && typeof value === 'number' ? `${fmtNum(value * 100)}%` : displayValue(value);
    facts.push({ label: label(labels, key), value: shown });
  }
  return facts;
}

function displayValue(v: unknown): string {
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(displayValue).join('；');
  return JSON.stringify(v);
}

export interface RankedUnit {
  unit: UnitResult;
  rank: number;
}

/**
 * Units in ranking order. The scoring engine's `rank` is used when every unit
 * has one; otherwise units are ordered by their recorded score (ties share a
 * rank), which orders but does not compute anything.
 */
export function rankedUnits(report: AuditReport): RankedUnit[] {
  const units = [...report.units];
  if (units.every((u) => typeof u.rank === 'number')) {
    return units.sort((a, b) => a.rank! - b.rank!).map((unit) => ({ unit, rank: unit.rank! }));
  }
  units.sort((a, b) => b.score - a.score);
  let rank = 0;
  return units.map((unit, i) => {
    if (i === 0 || unit.score !== units[i - 1]!.score) rank = i + 1;
    return { unit, rank };
  });
}

export function schemeTitle(report: AuditReport): string {
  return report.schemeTitle ?? report.scheme;
}

const EVIDENCE_PATH = /^evidence(\/[A-Za-z0-9_.-]+)+$/;

/** A screenshot path relative to the report directory, or null when it is anything else. */
export function safeEvidencePath(path: string): string | null {
  if (!EVIDENCE_PATH.test(path)) return null;
  return path.split('/').some((seg) => /^\.+$/.test(seg)) ? null : path;
}

/** The address to link to: http(s) URLs and evidence paths only; null means render it as text. */
export function safeHref(url: string): string | null {
  const evidence = safeEvidencePath(url);
  if (evidence) return evidence;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}
