import type { Override } from '../config/overrides.ts';
import { findingKey } from '../history/record.ts';
import type { AuditReport, Finding, UnitResult } from '../model/result.ts';
import type { AuditRecord, ReviewChange, ReviewStore } from '../store/review-store.ts';
import { findingNumber } from './notice.ts';
import { afterAudit, REVIEW_STATE_LABEL, stateOf, type Review } from '../model/review-states.ts';

/**
 * Where review states meet the audit: 误报 findings leave the score (as
 * waivers the scoring already honours), a finished audit re-checks the
 * findings units reported fixed, and every finding of the report carries its
 * state (`reviewState`, an extension of report.json).
 */

/** A finding's identity within its unit, stable across re-audits: rule, code, column and address (as history.json keys it). */
export const reviewKey = (f: Pick<Finding, 'rule' | 'code' | 'column' | 'url'>): string => findingKey(f);

/** 问题编号: what the notice, the reply form, the CLI and the dashboard call a finding. */
export const findingId = (unitId: string, f: Pick<Finding, 'rule' | 'code' | 'column' | 'url'>): string => findingNumber(`${unitId}|${reviewKey(f)}`);

/** The parts of a key (rule|code|column|address; the address may itself hold `|`). */
export function keyParts(key: string): { rule: string; code: string; column?: string; url: string } {
  const [rule = '', code = '', column = '', ...url] = key.split('|');
  return { rule, code, ...(column ? { column } : {}), url: url.join('|') };
}

/** 误报 findings of these units, as waivers for scoring: deduction 0, and kept in the report. */
export function dismissals(store: ReviewStore, unitIds: readonly string[]): Override[] {
  const out: Override[] = [];
  for (const unit of unitIds) {
    for (const [key, review] of store.reviewsOf(unit)) {
      if (review.state !== 'dismissed') continue;
      const { rule, code, column, url } = keyParts(key);
      const reason = review.log.at(-1)?.reason ?? '';
      out.push({ unit, rule, code, ...(column !== undefined ? { column } : {}), url, decision: 'waived', reason: `误报：${reason}`, line: 0 });
    }
  }
  return out;
}

/**
 * After an audit of `report.units`: each finding a unit reported fixed
 * (已整改, or 复查未通过 and reported again) is 复查通过 when this audit no
 * longer finds it and its check could run, 复查未通过 when it is still
 * there. Only a crawl that began after the unit's report counts (a re-judge
 * of an older snapshot proves nothing). Marks every finding with its state
 * (the new ones included) and returns what to append to the journal.
 */
export function recheck(store: ReviewStore, report: AuditReport, crawlStarts: ReadonlyMap<string, string>, at: string, reportDir: string): { changes: ReviewChange[]; audits: AuditRecord[] } {
  const changes: ReviewChange[] = [];
  for (const unit of report.units) {
    const found = new Set(unit.findings.map(reviewKey));
    const crawledFrom = Date.parse(crawlStarts.get(unit.id) ?? '');
    const next = new Map<string, Review>();
    for (const [key, review] of store.reviewsOf(unit.id)) {
      const since = review.log.at(-1)?.at;
      const fresh = since !== undefined && crawledFrom > Date.parse(since);
      const updated = afterAudit(review, fresh ? outcome(unit, key, found, report) : 'unknown', at);
      if (updated && updated !== review) {
        next.set(key, updated);
        changes.push({ unit: unit.id, key, event: updated.log.at(-1)!, from: review.state });
      }
    }
    for (const f of unit.findings) markFinding(unit.id, f, next.get(reviewKey(f)) ?? store.review(unit.id, reviewKey(f)));
  }
  return { changes, audits: report.units.map((u) => ({ unit: u.id, reportDir, at })) };
}

function outcome(unit: UnitResult, key: string, found: Set<string>, report: AuditReport): 'found' | 'gone' | 'unknown' {
  if (unit.status === 'unreachable') return 'unknown';
  if (found.has(key)) return 'found';
  const { rule, code } = keyParts(key);
  // Absence proves a fix only where the check ran: the rule is in the scheme and nothing of it was inconclusive.
  if (report.rules && !(rule in report.rules)) return 'unknown';
  const blocked = unit.inconclusive.some((i) => i.rule === rule && (!i.codes || i.codes.includes(code)));
  return blocked ? 'unknown' : 'gone';
}

export function markFinding(unitId: string, f: Finding, review: Review | undefined): void {
  const last = review?.log.at(-1);
  const state = stateOf(review);
  f.reviewState = {
    id: findingId(unitId, f),
    state,
    label: REVIEW_STATE_LABEL[state],
    ...(last ? { at: last.at, by: last.by, ...(last.reason ? { reason: last.reason } : {}) } : {}),
  };
}
