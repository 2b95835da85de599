import type { Need } from '../../rules/api.ts';
import type { Scheme } from '../config/scheme.ts';
import { columnMatches, type ArticleRead, type ColumnPlan, type GatherPlan } from '../model/gather-plan.ts';
import { categorize } from './column-facts.ts';

/**
 * The crawl's plan, made from what the scheme's selected rules declare they
 * need: a column gets its articles read when some rule's need names it, and
 * its undated items' dates filled when a rule reads its items (not only those
 * titled so, and other than only to check their links) or needs item dates and
 * the column's category is judged by age or year. A rule the scheme does not
 * select costs the crawl nothing.
 */
export function planGather(scheme: Scheme, categoryOverrides?: Record<string, string>): GatherPlan {
  const needs: Need[] = scheme.rules.flatMap((rule) => rule.meta.needs(scheme.settings[rule.meta.id]));
  const wantsDates = needs.some((n) => n.kind === 'item-dates');
  const articleNeeds = needs.filter((n): n is Extract<Need, { kind: 'articles' }> => n.kind === 'articles');
  return {
    forColumn(path): ColumnPlan {
      const category = categorize(path, scheme, categoryOverrides);
      const judge = scheme.categories[category]?.judge;
      const reads: ArticleRead[] = articleNeeds
        .filter((n) => (n.columns === 'judged' ? judge !== 'skip' : columnMatches(path, n.columns)))
        .map(({ kind: _kind, columns: _columns, ...read }) => read);
      // A read of only the items titled so (a guide filed in any column), or only to check links, needs no dates of the others.
      const readsItems = reads.some((r) => (!r.titles || r.fallbackToAll) && r.links !== 'check');
      return { category, fillDates: readsItems || (wantsDates && (judge === 'age' || judge === 'year')), reads };
    },
  };
}
