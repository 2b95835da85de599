import type { Scheme } from '../config/scheme.ts';
import type { RuleCatalog } from '../model/result.ts';

/** The selected rules' own words (title, indicator, code and observation labels), carried in report.json for every renderer. */
export function ruleCatalog(scheme: Pick<Scheme, 'rules'>): RuleCatalog {
  return Object.fromEntries(
    scheme.rules.map(({ meta }) => [meta.id, { title: meta.title, indicator: meta.indicator, codes: { ...meta.codes }, observed: { ...meta.observed } }]),
  );
}
