import { columnCategory, newestDated } from '../../rules/column-update.ts';
import { allRules } from '../../rules/index.ts';
import type { Rule, RuleContext, RuleResult } from '../../rules/types.ts';
import type { UnitSnapshot } from '../model/snapshot.ts';
import type { UnitResult } from '../model/result.ts';

/**
 * Runs every rule over one unit's snapshot. A rule that throws becomes an
 * inconclusive check with the reason, so one bad rule never stops the audit;
 * an unreachable unit is not judged at all (nothing can be concluded).
 */
export function evaluateUnit(snapshot: UnitSnapshot, ctx: RuleContext, rules: readonly Rule[] = allRules): Map<string, RuleResult> {
  const results = new Map<string, RuleResult>();
  for (const rule of rules) {
    if (snapshot.status === 'unreachable') {
      results.set(rule.meta.id, {
        findings: [],
        inconclusive: [{ rule: rule.meta.id, url: snapshot.unit.url, reason: '单位信息公开首页无法访问，未作判断' }],
        assessed: false,
      });
      continue;
    }
    try {
      results.set(rule.meta.id, rule.run(snapshot, ctx));
    } catch (err) {
      results.set(rule.meta.id, {
        findings: [],
        inconclusive: [{ rule: rule.meta.id, url: snapshot.unit.url, reason: `规则运行出错，未作判断：${(err as Error).message}` }],
        assessed: true,
      });
    }
  }
  return results;
}

/** The per-column overview of report.json (newest dated item, up to `asOf` when given; category as judged). */
export function summarizeColumns(
  snapshot: UnitSnapshot,
  ctx: Pick<RuleContext, 'scheme' | 'columnOverrides'> & { asOf?: string },
): NonNullable<UnitResult['columns']> {
  return snapshot.columns.map((c) => {
    const category = columnCategory(c, ctx);
    const skipped = ctx.scheme.categories[category]?.judge === 'skip';
    return {
      key: c.key,
      url: c.url,
      category,
      newest: newestDated(c.items, ctx.asOf)?.date ?? null,
      items: c.items.length,
      status: skipped ? 'skipped' : c.status,
    };
  });
}
