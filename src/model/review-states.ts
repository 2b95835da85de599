/**
 * The office's review of automatic findings (复核), one state per finding
 * over its life: 待复核 → 确认 / 误报 (dismissed, with a reason) / 存疑 →
 * 已整改 (the unit says it fixed it) → 复查通过 (a re-audit no longer finds
 * it; set automatically) or 复查未通过. Every change is logged with its time,
 * who made it and from where. Pure functions; history.json keeps the result.
 */

export type ReviewState = 'pending' | 'confirmed' | 'dismissed' | 'doubtful' | 'fixed' | 'verified' | 'reopened';

export const REVIEW_STATE_LABEL: Record<ReviewState, string> = {
  pending: '待复核',
  confirmed: '确认',
  dismissed: '误报',
  doubtful: '存疑',
  fixed: '已整改',
  verified: '复查通过',
  reopened: '复查未通过',
};

export const REVIEW_STATES = Object.keys(REVIEW_STATE_LABEL) as ReviewState[];

/** Where a change came from: a reviewer on the dashboard or the command line, a unit's returned form, the overrides file, an audit. */
export type ReviewSource = 'dashboard' | 'cli' | 'import' | 'overrides' | 'audit';

export interface ReviewEvent {
  state: ReviewState;
  at: string;
  /** The reviewer's name, the unit (for an import), or 系统 (an audit). */
  by: string;
  reason?: string;
  source: ReviewSource;
}

export interface Review {
  state: ReviewState;
  log: ReviewEvent[];
}

export class ReviewError extends Error {
  override name = 'ReviewError';
}

/** What a person may change a state to; 复查通过/复查未通过 are the audit's to set. */
const MANUAL: Record<ReviewState, readonly ReviewState[]> = {
  pending: ['confirmed', 'dismissed', 'doubtful'],
  doubtful: ['confirmed', 'dismissed', 'pending'],
  confirmed: ['fixed', 'dismissed', 'doubtful'],
  dismissed: ['pending', 'confirmed'],
  // A unit's claim can be taken back by the office.
  fixed: ['confirmed', 'dismissed'],
  reopened: ['fixed', 'confirmed', 'dismissed'],
  verified: [],
};

export function allowedNext(state: ReviewState): readonly ReviewState[] {
  return MANUAL[state];
}

export function stateOf(review: Review | undefined): ReviewState {
  return review?.state ?? 'pending';
}

/** A person's decision; refused (ReviewError, in Chinese) when the step is not allowed or a dismissal has no reason. */
export function decide(review: Review | undefined, event: Omit<ReviewEvent, 'source'> & { source: Exclude<ReviewSource, 'audit'> }): Review {
  const from = stateOf(review);
  if (!MANUAL[from].includes(event.state)) {
    const next = MANUAL[from].map((s) => REVIEW_STATE_LABEL[s]).join('、') || '（无，已复查通过）';
    throw new ReviewError(`问题当前为“${REVIEW_STATE_LABEL[from]}”，不能改为“${REVIEW_STATE_LABEL[event.state]}”（可改为：${next}）`);
  }
  if (event.state === 'dismissed' && !event.reason?.trim()) throw new ReviewError('标记为误报必须写明理由');
  if (!event.by.trim()) throw new ReviewError('必须写明复核人');
  return { state: event.state, log: [...(review?.log ?? []), { ...event, by: event.by.trim(), ...(event.reason ? { reason: event.reason.trim() } : {}) }] };
}

/**
 * What a finished audit says of a finding a unit reported fixed: still there
 * → 复查未通过; gone, and its check could run → 复查通过. Other states and
 * checks that could not run leave the review as it is.
 */
export function afterAudit(review: Review | undefined, outcome: 'found' | 'gone' | 'unknown', at: string): Review | undefined {
  if (!review || (review.state !== 'fixed' && review.state !== 'reopened') || outcome === 'unknown') return review;
  const state: ReviewState = outcome === 'gone' ? 'verified' : 'reopened';
  if (state === review.state) return review;
  const reason = outcome === 'gone' ? '复查时未再发现该问题' : '复查时仍发现该问题';
  return { state, log: [...review.log, { state, at, by: '系统', reason, source: 'audit' }] };
}

/** Whether the finding still counts (every state but 误报) and belongs in the unit's notice (确认 and 复查未通过). */
export function counts(review: Review | undefined): boolean {
  return stateOf(review) !== 'dismissed';
}

export function inNotice(review: Review | undefined): boolean {
  const s = stateOf(review);
  return s === 'confirmed' || s === 'reopened';
}
