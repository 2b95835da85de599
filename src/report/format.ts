import type { AuditReport, Finding, UnitResult } from '../model/result.ts';
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

export const RULE_LABEL: Record<string, string> = {
  'column-update': '栏目更新',
  'annual-report': '年度报告',
  'interpretation-link': '解读材料原文链接',
  'leader-disclosure': '分管领导公开',
};

/** Keyed `rule/code`, so that two rules may reuse a code with different meanings. */
export const CODE_LABEL: Record<string, string> = {
  'column-update/stale': '栏目未及时更新',
  'column-update/empty': '空白栏目',
  'annual-report/missing': '年度报告未发布',
  'annual-report/late': '年度报告逾期发布',
  'annual-report/incomplete': '年度报告内容不全',
  'annual-report/copied': '年度报告与上年雷同',
  'interpretation-link/no-link': '未提供原政策文件链接',
  'interpretation-link/broken-link': '原政策文件链接失效',
  'interpretation-link/reposted': '解读的不是本县政策（转载）',
  'leader-disclosure/not-named': '未公开分管领导',
};

export const CATEGORY_LABEL: Record<string, string> = {
  regular: '常规类',
  annual: '年度类',
  static: '静态类',
  news: '新闻动态',
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

/** Labels for the observed facts rules put in `evidence` (rules/*.ts `observed`); unknown keys are shown as they are. */
export const EVIDENCE_LABEL: Record<string, string> = {
  categoryLabel: '栏目类别',
  items: '信息条数',
  staleAfterDays: '更新时限（天）',
  requiredYear: '应有信息年份',
  newestTitle: '最新信息标题',
  newestDate: '最新信息日期',
  newestUrl: '最新信息网址',
  daysSince: '距最新信息天数',
  undated: '无日期信息条数',
  reportYear: '年报年度',
  deadline: '发布期限',
  searchedColumns: '已查找栏目',
  title: '标题',
  published: '发布日期',
  daysLate: '逾期天数',
  missingParts: '缺少内容',
  previousTitle: '上年年报标题',
  previousUrl: '上年年报网址',
  similarity: '相似度',
  threshold: '雷同阈值',
  source: '信息来源',
  bodyLinks: '正文链接数',
  plainMention: '正文提及（无链接）',
  linkUrl: '链接地址',
  linkText: '链接文字',
  linkStatus: '链接状态码',
  linkError: '链接错误',
  linkedSource: '链接页信息来源',
  linkHost: '链接站点',
  leaderColumns: '已查找栏目',
  articlesRead: '已读页面数',
  nearMiss: '说明',
};

/** Shown as percentages. */
const PERCENT_KEYS = new Set(['similarity', 'threshold']);

/** Evidence keys that are not shown as observations: shown elsewhere, internal codes, or technical detail. */
const EVIDENCE_HIDDEN_KEYS = new Set(['screenshot', 'screenshotError', 'highlight', 'category', 'listStatus', 'method', 'jaccard']);

export function label(map: Record<string, string>, key: string): string {
  return Object.hasOwn(map, key) ? map[key]! : key;
}

export function codeLabel(f: Pick<Finding, 'rule' | 'code'>): string {
  return label(CODE_LABEL, `${f.rule}/${f.code}`);
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

/** Observed facts of a finding, as label/value pairs of display text. */
export function observedFacts(f: Finding): { label: string; value: string }[] {
  const facts: { label: string; value: string }[] = [];
  for (const [key, value] of Object.entries(f.evidence)) {
    if (EVIDENCE_HIDDEN_KEYS.has(key) || value === undefined || value === null || value === '') continue;
    const shown = PERCENT_KEYS.has(key) && typeof value === 'number' ? `${fmtNum(value * 100)}%` : displayValue(value);
    facts.push({ label: label(EVIDENCE_LABEL, key), value: shown });
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
