import type { RuleInput } from '../../rules/api.ts';
import { isAdvisory, type Scheme } from '../config/scheme.ts';
import type { JudgedUnit, RuleResult } from '../model/judged.ts';
import type { UnitSnapshot, UnitType } from '../model/snapshot.ts';
import { columnFacts, columnOverview } from './column-facts.ts';

/**
 * The judge stage: the rules the scheme selected, run over one unit's
 * snapshot with the column facts computed once. A rule that throws becomes
 * an inconclusive check with the reason, so one bad rule never stops the
 * audit; an unreachable unit is not judged at all (nothing can be concluded).
 */

export interface JudgeContext {
  /** Evaluation date, YYYY-MM-DD in Asia/Shanghai. */
  asOf: string;
  year: number;
  scheme: Scheme;
  /** Hosts of the units file: the county portal. */
  portalHosts: readonly string[];
  /** Column key → category, for units whose columns the keyword map gets wrong. */
  categoryOverrides?: Record<string, string>;
}

/** Whether some indicator naming the rule applies to the unit type (points for it, or advisory everywhere). */
export function ruleApplies(scheme: Scheme, ruleId: string, type: UnitType): boolean {
  return scheme.indicators.some((i) => i.rule === ruleId && (i.points[type] > 0 || isAdvisory(i)));
}

export function judgeUnit(snapshot: UnitSnapshot, ctx: JudgeContext): JudgedUnit {
  const facts = columnFacts(snapshot.columns, ctx.scheme, ctx.asOf, ctx.categoryOverrides);
  const input: RuleInput = { snapshot, columns: facts };
  const results: Record<string, RuleResult> = {};
  for (const rule of ctx.scheme.rules) {
    const id = rule.meta.id;
    if (!ruleApplies(ctx.scheme, id, snapshot.unit.type)) continue;
    if (snapshot.status === 'unreachable') {
      results[id] = { findings: [], inconclusive: [{ rule: id, url: snapshot.unit.url, reason: '单位信息公开首页无法访问，未作判断' }], assessed: false };
      continue;
    }
    try {
      results[id] = rule.run(input, { asOf: ctx.asOf, year: ctx.year, settings: ctx.scheme.settings[id], portalHosts: ctx.portalHosts });
    } catch (err) {
      results[id] = {
        findings: [],
        inconclusive: [{ rule: id, url: snapshot.unit.url, reason: `规则运行出错，未作判断：${(err as Error).message}` }],
        assessed: true,
      };
    }
  }
  return { unit: snapshot.unit, status: snapshot.status, crawledAt: snapshot.finishedAt, results, columns: columnOverview(facts) };
}
