import { isAdvisory, type Scheme, type SchemeIndicator } from '../config/scheme.ts';
import type { Override } from '../config/overrides.ts';
import type { JudgedUnit, RawFinding, RuleResult } from '../model/judged.ts';
import type { Finding, InconclusiveCheck, IndicatorScore, UnitResult } from '../model/result.ts';
import type { Unit, UnitType } from '../model/snapshot.ts';

const round2 = (n: number) => Math.round(n * 100) / 100;

interface Work {
  unit: Unit;
  status: UnitResult['status'];
  table: string;
  results: Map<string, RuleResult>;
  findings: Finding[];
  /** Raw finding → its scored finding, for charging. */
  byRaw: Map<RawFinding, Finding>;
  indicators: IndicatorScore[];
  judged: JudgedUnit;
}

/**
 * Applies the scheme to judged units: per-finding deductions, caps, the jump,
 * averages for units not assessed (per table), floor at 0, the weight, the
 * ranking. Pure: the same inputs always give the same result.
 *
 * Which findings carry a capped deduction: within an indicator, findings are
 * ordered by the position of their code in the indicator's `codes`, then by
 * address and column; earlier ones carry it, the rest show 0. Past the jump
 * (more than 3 stale columns → −10) the indicator loses its jump at once and
 * every finding is counted in it (`inJump`, deduction 0): no split of points.
 */
export function scoreUnits(units: readonly JudgedUnit[], scheme: Scheme, overrides: readonly Override[] = []): UnitResult[] {
  const work = units.map((judged) => prepare(judged, scheme, overrides));
  for (const w of work) {
    for (const indicator of scheme.indicators) {
      const score = scoreIndicator(w, indicator, scheme);
      if (score) w.indicators.push(score);
    }
  }
  fillAverages(work);

  const results = work.map((w): UnitResult => {
    const deducted = w.indicators.reduce((sum, i) => sum + i.deducted, 0);
    const score = Math.max(0, round2(scheme.base - deducted));
    const { crawledAt, columns } = w.judged;
    const observations = Object.fromEntries([...w.results].flatMap(([id, r]) => (r.observed ? [[id, r.observed]] : [])));
    return {
      id: w.unit.id,
      name: w.unit.name,
      type: w.unit.type,
      status: w.status,
      score,
      weighted: round2(score * scheme.weight),
      findings: w.findings,
      inconclusive: inconclusiveOf(w),
      indicators: w.indicators,
      table: w.table,
      url: w.unit.url,
      ...(crawledAt ? { crawledAt } : {}),
      columns,
      ...(Object.keys(observations).length > 0 ? { observations } : {}),
    };
  });
  rank(results);
  return results;
}

function prepare(judged: JudgedUnit, scheme: Scheme, overrides: readonly Override[]): Work {
  const { unit, status } = judged;
  const results = new Map(orderedResults(judged.results, scheme));
  const findings: Finding[] = [];
  const byRaw = new Map<RawFinding, Finding>();
  if (status !== 'unreachable') {
    const mine = overrides.filter((o) => o.unit === unit.id);
    for (const [ruleId, result] of results) {
      for (const raw of result.findings) {
        const indicator = applicable(scheme, unit.type).find((i) => i.rule === ruleId && i.codes.includes(raw.code));
        // A code no indicator of the unit's table scores is not part of this unit's review.
        if (!indicator) continue;
        const finding = toFinding(raw, ruleId, indicator, mine);
        findings.push(finding);
        byRaw.set(raw, finding);
      }
    }
  }
  return { unit, status, table: scheme.tables[unit.type], results, findings, byRaw, indicators: [], judged };
}

/** Indicators that apply to a unit type: points in its table, or advisory (0 everywhere). */
function applicable(scheme: Scheme, type: UnitType): SchemeIndicator[] {
  return scheme.indicators.filter((i) => i.points[type] > 0 || isAdvisory(i));
}

/** Results in the order of the scheme's rules, then any others. */
function orderedResults(results: Record<string, RuleResult>, scheme: Scheme): [string, RuleResult][] {
  const order = scheme.rules.map((r) => r.meta.id);
  const pos = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
  return Object.entries(results).sort(([a], [b]) => pos(a) - pos(b));
}

function toFinding(raw: RawFinding, ruleId: string, indicator: SchemeIndicator, overrides: readonly Override[]): Finding {
  const override = overrides.find(
    (o) =>
      o.rule === ruleId &&
      (o.code === undefined || o.code === raw.code) &&
      (o.column === undefined || o.column === raw.column) &&
      o.url.trim() === raw.url.trim(),
  );
  return {
    rule: ruleId,
    code: raw.code,
    indicator: indicator.name,
    deduction: 0,
    ...(isAdvisory(indicator) ? { advisory: true } : {}),
    message: raw.message,
    url: raw.url,
    ...(raw.column !== undefined ? { column: raw.column } : {}),
    evidence: { ...raw.observed, ...(raw.highlight !== undefined ? { highlight: raw.highlight } : {}) },
    ...(override ? { review: { decision: override.decision, reason: override.reason } } : {}),
  };
}

function amount(d: number | 'all', points: number): number {
  return d === 'all' ? points : d;
}

function scoreIndicator(w: Work, ind: SchemeIndicator, scheme: Scheme): IndicatorScore | null {
  const points = ind.points[w.unit.type];
  if (points <= 0) return null;
  const base = { key: ind.key, name: ind.name, points };
  if (w.status === 'unreachable') return { ...base, deducted: 0, assessed: false, state: 'unreachable' };
  const result = w.results.get(ind.rule);
  if (!result) return { ...base, deducted: 0, assessed: true, state: 'inconclusive' };

  const raws = result.findings.filter((f) => ind.codes.includes(f.code));
  const charged = raws
    .map((raw) => w.byRaw.get(raw)!)
    .filter((f) => f.review?.decision !== 'waived')
    .sort(
      (a, b) =>
        ind.codes.indexOf(a.code) - ind.codes.indexOf(b.code) ||
        a.url.localeCompare(b.url) ||
        (a.column ?? '').localeCompare(b.column ?? ''),
    );
  const unassessed = result.unassessed ?? [];
  const covered = result.inconclusive.some((i) => !i.codes || i.codes.some((c) => ind.codes.includes(c)));
  if (!result.assessed || (raws.length === 0 && ind.codes.some((c) => unassessed.includes(c)))) {
    // 未有相关指标的得平均分 is for units that truly have no such matter, not for what could not be read.
    return { ...base, deducted: 0, assessed: false, state: covered ? 'inconclusive' : 'not-assessed' };
  }

  const cap = Math.min(points, ind.cap?.[w.unit.type] ?? points);
  if (ind.jump !== undefined && charged.length > ind.jump.moreThan) {
    // The seed's jump is one deduction of the indicator: the findings are counted in it, not given shares of it.
    const deducted = Math.min(cap, amount(ind.jump.deduct, points));
    const note = `名下超过${ind.jump.moreThan}个栏目未更新，直接扣${fmt(deducted)}分`;
    for (const f of charged) {
      f.inJump = true;
      f.deductionNote = `计入“${ind.name}”：${note}`;
    }
    return { ...base, deducted, assessed: true, state: 'assessed', note };
  }
  const shares = capped(charged.map((f) => amount(perFinding(ind, f.code), points)), cap);
  const shared = scheme.indicators.filter((i) => i.rule === ind.rule && i.points[w.unit.type] > 0);
  charged.forEach((f, i) => {
    const share = shares[i]!;
    f.deduction = round2(f.deduction + share);
    if (shared.filter((o) => o.codes.includes(f.code)).length > 1) {
      f.charges = [...(f.charges ?? []), { key: ind.key, indicator: ind.name, deduction: share }];
    }
    if (share < amount(perFinding(ind, f.code), points)) f.deductionNote = `“${ind.name}”最多扣${cap}分，已扣满`;
  });

  const deducted = round2(shares.reduce((a, b) => a + b, 0));
  const state = charged.length === 0 && raws.length === 0 && covered ? 'inconclusive' : 'assessed';
  return { ...base, deducted, assessed: true, state };
}

const fmt = (n: number) => String(round2(n));

function perFinding(ind: SchemeIndicator, code: string): number | 'all' {
  return typeof ind.perFinding === 'object' ? ind.perFinding[code]! : ind.perFinding;
}

/** Sequential: each finding takes its deduction until the cap is used up. */
function capped(wanted: number[], cap: number): number[] {
  let left = cap;
  return wanted.map((x) => {
    const take = Math.min(x, left);
    left = round2(left - take);
    return take;
  });
}

/** 未有相关指标的得平均分: not-assessed units get the average deduction of the assessed units of their table. */
function fillAverages(work: Work[]): void {
  const groups = new Map<string, number[]>();
  for (const w of work) {
    for (const i of w.indicators) {
      if (i.state !== 'assessed') continue;
      const key = `${w.table}\u0000${i.key}`;
      groups.set(key, [...(groups.get(key) ?? []), i.deducted]);
    }
  }
  for (const w of work) {
    for (const i of w.indicators) {
      if (i.state !== 'not-assessed') continue;
      const values = groups.get(`${w.table}\u0000${i.key}`) ?? [];
      i.deducted = values.length ? round2(values.reduce((a, b) => a + b, 0) / values.length) : 0;
    }
  }
}

function inconclusiveOf(w: Work): InconclusiveCheck[] {
  const out: InconclusiveCheck[] = [];
  for (const result of w.results.values()) {
    for (const i of result.inconclusive) {
      out.push({
        rule: i.rule,
        url: i.url,
        reason: i.reason,
        ...(i.column !== undefined ? { column: i.column } : {}),
        ...(i.codes ? { codes: i.codes } : {}),
      });
    }
  }
  if (w.status === 'unreachable' && out.length === 0) {
    out.push({ rule: 'crawl', url: w.unit.url, reason: '单位信息公开首页无法访问，本次未作判断、未扣分' });
  }
  return out;
}

/** Competition ranking by score over reachable units; unreachable units share the rank after them. */
function rank(results: UnitResult[]): void {
  const reachable = results.filter((u) => u.status !== 'unreachable').sort((a, b) => b.score - a.score);
  reachable.forEach((u, i) => {
    u.rank = i > 0 && u.score === reachable[i - 1]!.score ? reachable[i - 1]!.rank! : i + 1;
  });
  for (const u of results) if (u.status === 'unreachable') u.rank = reachable.length + 1;
}
