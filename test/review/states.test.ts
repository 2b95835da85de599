import { describe, expect, it } from 'vitest';
import { afterAudit, allowedNext, counts, decide, inNotice, REVIEW_STATE_LABEL, type Review } from '../../src/model/review-states.ts';

const at = (d: number) => `2021-01-${String(20 + d).padStart(2, '0')}T10:00:00+08:00`;

describe('review states (复核)', () => {
  it('待复核 → 确认 → 已整改 → 复查通过 (set by the re-audit), every step logged with time, person and source', () => {
    let r: Review | undefined;
    r = decide(r, { state: 'confirmed', at: at(0), by: '龚健', source: 'dashboard' });
    r = decide(r, { state: 'fixed', at: at(3), by: '县教育体育局', source: 'import', reason: '已发布2020年第四季度信息' });
    expect(inNotice(r)).toBe(false);
    r = afterAudit(r, 'unknown', at(4)); // the check could not run: nothing proven
    expect(r!.state).toBe('fixed');
    r = afterAudit(r, 'gone', at(5));
    expect(r!.state).toBe('verified');
    expect(r!.log.map((e) => [REVIEW_STATE_LABEL[e.state], e.by, e.source])).toEqual([
      ['确认', '龚健', 'dashboard'],
      ['已整改', '县教育体育局', 'import'],
      ['复查通过', '系统', 'audit'],
    ]);
    expect(() => decide(r, { state: 'confirmed', at: at(6), by: '龚健', source: 'dashboard' })).toThrow(/当前为“复查通过”，不能改为“确认”/);
  });

  it('a fix the re-audit does not confirm is 复查未通过, back in the notice; the unit may report it fixed again', () => {
    let r = decide(undefined, { state: 'confirmed', at: at(0), by: 'a', source: 'cli' });
    r = decide(r, { state: 'fixed', at: at(1), by: '单位', source: 'import' });
    r = afterAudit(r, 'found', at(2))!;
    expect(r.state).toBe('reopened');
    expect(inNotice(r)).toBe(true);
    expect(decide(r, { state: 'fixed', at: at(3), by: '单位', source: 'import' }).state).toBe('fixed');
  });

  it('误报 needs a reason and leaves the score and the notice; 存疑 stays counted until decided', () => {
    expect(() => decide(undefined, { state: 'dismissed', at: at(0), by: 'a', source: 'dashboard' })).toThrow('标记为误报必须写明理由');
    const d = decide(undefined, { state: 'dismissed', at: at(0), by: 'a', reason: '栏目已撤并', source: 'dashboard' });
    expect([counts(d), inNotice(d)]).toEqual([false, false]);
    const q = decide(undefined, { state: 'doubtful', at: at(0), by: 'a', source: 'dashboard' });
    expect([counts(q), inNotice(q)]).toEqual([true, false]);
    expect(counts(undefined)).toBe(true);
    expect(() => decide(undefined, { state: 'confirmed', at: at(0), by: ' ', source: 'dashboard' })).toThrow('必须写明复核人');
  });

  it('nobody but the audit sets 复查通过 / 复查未通过, and a pending finding cannot be reported fixed', () => {
    for (const from of ['pending', 'confirmed', 'doubtful', 'dismissed', 'fixed', 'reopened'] as const) {
      expect(allowedNext(from)).not.toContain('verified');
    }
    expect(() => decide(undefined, { state: 'fixed', at: at(0), by: 'a', source: 'import' })).toThrow(/当前为“待复核”，不能改为“已整改”/);
    expect(afterAudit(undefined, 'gone', at(1))).toBeUndefined();
  });
});
