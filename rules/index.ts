import * as annualReport from './annual-report.ts';
import * as columnUpdate from './column-update.ts';
import * as interpretationLink from './interpretation-link.ts';
import * as leaderDisclosure from './leader-disclosure.ts';
import type { Rule } from './types.ts';

/** Every rule, in report order. Next year's rule = one more module here. */
export const allRules: Rule[] = [columnUpdate.rule, annualReport.rule, interpretationLink.rule, leaderDisclosure.rule];

export function ruleById(id: string): Rule | undefined {
  return allRules.find((r) => r.meta.id === id);
}
