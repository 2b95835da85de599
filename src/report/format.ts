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
const EVIDENCE_HIDDEN_KEYS = new Set(['screenshot', 'screenshotError', 'highlight', 'category', 'listStatus', 'method', 'jaccard']);

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
