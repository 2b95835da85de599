import { describe, expect, it } from 'vitest';
import { emptyHistory } from '../../src/history/model.ts';
import { computeWarnings, staleWarnings } from '../../src/history/warnings.ts';
import { CATEGORY_RULES, snapshot, UNITS } from '../helpers/serve-fakes.ts';

const unit = UNITS[0]!;
const seen = '2021-01-01T02:00:00+08:00';
const items = (...dates: (string | null)[]) => dates.map((date, i) => ({ title: `信息${i}`, date, firstSeen: seen }));
const settings = { staleWithinDays: 30, backdatedDays: 7 };

describe('early warning (预警)', () => {
  // As of 2021-01-20 a regular column turns stale once its newest item is more than 180 days old:
  // newest 2020-07-24 is the last date still fresh (DESIGN.md / PLANTED.md), stale from 2021-01-21.
  const asOf = '2021-01-20';

  it('warns about regular columns that pass the 180-day limit within N days, with the day and days left', () => {
    const snap = snapshot(unit, seen, [
      { key: '通知公告', category: 'regular', items: items('2020-07-24', '2020-06-01') },
      { key: '政策文件', category: 'regular', items: items('2020-08-22', '2020-07-23', '2020-06-20', '2020-05-21') },
      { key: '规划计划', category: 'regular', items: items('2020-08-23') },
      { key: '人事信息', category: 'regular', items: items('2020-07-23') },
      { key: '工作动态', category: 'news', items: items('2020-07-24') },
      { key: '机构职能', category: 'static', items: items('2019-01-01') },
      { key: '行政执法', category: 'regular', items: [] },
    ]);
    const warnings = staleWarnings(snap, asOf, settings, CATEGORY_RULES);
    expect(warnings.map((w) => [w.column, w.staleOn, w.daysLeft])).toEqual([
      ['通知公告', '2021-01-21', 1],
      ['政策文件', '2021-02-19', 30],
    ]);
    // 2020-08-22 ← 30 → 2020-07-23 ← 33 → 2020-06-20 ← 30 → 2020-05-21: median gap 30 days.
    expect(warnings[1]!.typicalGapDays).toBe(30);
    expect(warnings[1]!.message).toContain('约每 30 天更新一次');
    expect(warnings[0]!.typicalGapDays).toBeNull();
  });

  it('follows the window setting and the scheme limit', () => {
    const snap = snapshot(unit, seen, [{ key: '规划计划', category: 'regular', items: items('2020-08-23') }]);
    expect(staleWarnings(snap, asOf, { ...settings, staleWithinDays: 31 }, CATEGORY_RULES).map((w) => w.daysLeft)).toEqual([31]);
    const strict = { ...CATEGORY_RULES, categories: { ...CATEGORY_RULES.categories, regular: { ...CATEGORY_RULES.categories.regular!, staleAfterDays: 160 } } };
    expect(staleWarnings(snap, asOf, settings, strict).map((w) => w.staleOn)).toEqual(['2021-01-31']);
  });

  it('skips failed columns and columns without dated items', () => {
    const snap = snapshot(unit, seen, [
      { key: '通知公告', category: 'regular', status: 'failed', items: items('2020-07-24') },
      { key: '政策文件', category: 'regular', items: items(null) },
    ]);
    expect(staleWarnings(snap, asOf, settings, CATEGORY_RULES)).toEqual([]);
  });

  it('warns near year end about annual columns with nothing dated in the current year', () => {
    const snap = snapshot(unit, seen, [
      { key: '财政预决算', category: 'annual', items: items('2019-05-01') },
      { key: '年度报告', category: 'annual', items: items('2020-01-20') },
    ]);
    expect(staleWarnings(snap, '2020-12-10', settings, CATEGORY_RULES).map((w) => [w.column, w.staleOn, w.daysLeft])).toEqual([
      ['财政预决算', '2021-01-01', 22],
    ]);
    expect(staleWarnings(snap, '2020-11-30', settings, CATEGORY_RULES)).toEqual([]);
  });

  it('computes both lists per unit from snapshots and history', () => {
    const history = emptyHistory();
    history.units[unit.id] = { columnsFirstSeen: { 通知公告: '2020-12-01T02:00:00+08:00' }, columns: [], warnings: { stale: [], backdated: [] } };
    const snap = snapshot(unit, seen, [{ key: '通知公告', category: 'regular', items: [{ title: '迟到的通知', date: '2020-07-24', firstSeen: seen }] }]);
    const out = computeWarnings([snap], history, asOf, settings, CATEGORY_RULES);
    expect(Object.keys(out)).toEqual([unit.id]);
    expect(out[unit.id]!.stale.map((w) => w.column)).toEqual(['通知公告']);
    expect(out[unit.id]!.backdated.map((b) => [b.title, b.daysBefore])).toEqual([['迟到的通知', 161]]);
  });
});
