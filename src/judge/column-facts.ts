import type { ColumnRole, Scheme } from '../config/scheme.ts';

/**
 * Category of a column from its path (last segment first, then parents), by
 * the scheme's keyword map. A per-unit override map (column key → category)
 * wins over keywords.
 */
export function categorize(path: readonly string[], scheme: Scheme, overrides?: Record<string, string>): string {
  const key = path.join('/');
  const forced = overrides?.[key];
  if (forced && scheme.categories[forced]) return forced;
  for (let i = path.length - 1; i >= 0; i--) {
    const name = path[i]!;
    for (const [category, def] of Object.entries(scheme.categories)) {
      if (def.keywords.some((k) => name.includes(k))) return category;
    }
  }
  return scheme.defaultCategory;
}

/** Roles (annual-report, interpretation, leader) a column plays, from its path. */
export function columnRoles(path: readonly string[], scheme: Scheme): ColumnRole[] {
  const name = path[path.length - 1] ?? '';
  const full = path.join('/');
  return (Object.keys(scheme.roles) as ColumnRole[]).filter((role) =>
    scheme.roles[role].some((k) => name.includes(k) || full.includes(k)),
  );
}
