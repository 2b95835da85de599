import type { ColumnFacts } from '../../rules/api.ts';
import type { Scheme } from '../config/scheme.ts';
import type { ColumnOverview } from '../model/judged.ts';
import type { ColumnSnapshot, ListItem } from '../model/snapshot.ts';

/**
 * The facts about columns that every rule, the gather plan and the report's
 * column overview share, each computed here and only here: a column's
 * category, whether it is judged, and its newest dated item as of the as-of date.
 */

/**
 * Category of a column from its path (last segment first, then parents), by
 * the scheme's keyword map. A per-unit override map (column key → category)
 * wins over keywords.
 */
export function categorize(path: readonly string[], scheme: Pick<Scheme, 'categories' | 'defaultCategory'>, overrides?: Record<string, string>): string {
  const forced = overrides?.[path.join('/')];
  if (forced && scheme.categories[forced]) return forced;
  for (let i = path.length - 1; i >= 0; i--) {
    const name = path[i]!;
    for (const [category, def] of Object.entries(scheme.categories)) {
      if (def.keywords.some((k) => name.includes(k))) return category;
    }
  }
  return scheme.defaultCategory;
}

/**
 * The newest dated item published on or before `asOf`, over all items: a
 * pinned (置顶) old item neither hides newer ones nor counts as fresh.
 * Items dated after `asOf` did not exist yet on the evaluation date.
 */
export function newestDated(items: readonly ListItem[], asOf: string): ListItem | null {
  let newest: ListItem | null = null;
  for (const item of items) {
    if (!item.date || item.date > asOf) continue;
    if (!newest || item.date > newest.date!) newest = item;
  }
  return newest;
}

export function columnFacts(
  columns: readonly ColumnSnapshot[],
  scheme: Pick<Scheme, 'categories' | 'defaultCategory'>,
  asOf: string,
  overrides?: Record<string, string>,
): ColumnFacts[] {
  return columns.map((column) => {
    const category = categorize(column.path, scheme, overrides);
    const def = scheme.categories[category]!;
    return {
      column,
      category,
      def,
      judged: def.judge !== 'skip',
      group: column.items.length === 0 && columns.some((c) => c !== column && c.key.startsWith(`${column.key}/`)),
      newest: newestDated(column.items, asOf),
    };
  });
}

/** The report's per-column overview, from the same facts the rules judged on. */
export function columnOverview(facts: readonly ColumnFacts[]): ColumnOverview[] {
  return facts.map(({ column, category, def, judged, newest }) => ({
    key: column.key,
    url: column.url,
    category,
    categoryLabel: def.label,
    newest: newest?.date ?? null,
    items: column.items.length,
    status: judged ? column.status : 'skipped',
  }));
}
