import { describe, expect, it } from 'vitest';
import { column, ctx, item, snapshot, ruleRunner } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('column-update');

const judge = (columns: ReturnType<typeof column>[], over: Parameters<typeof ctx>[0] = {}) => run(snapshot({ columns }), ctx(over));

describe('column-update: regular columns (180 days)', () => {
  it('a column with a recent item is fine', () => {
    const r = judge([column('通知公告', [item('关于寒假安全的通知', '2020-12-28'), item('旧通知', '2019-03-01')])]);
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toEqual([]);
    expect(r.assessed).toBe(true);
  });

  it('a column whose newest item is older than 180 days is stale, with what was observed', () => {
    const col = column('通知公告', [item('五月通知', '2020-05-10'), item('更早的通知', '2020-03-02')]);
    const r = judge([col]);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f).toMatchObject({ rule: 'column-update', code: 'stale', url: col.url, column: '通知公告', highlight: '五月通知' });
    expect(f.observed).toMatchObject({ category: 'regular', newestTitle: '五月通知', newestDate: '2020-05-10', items: 2, daysSince: 255, staleAfterDays: 180 });
    expect(f.message).toContain('2020-05-10');
    expect(f.message).toContain('255');
  });

  it('exactly 180 days is still fresh, 181 is stale', () => {
    expect(judge([column('政策文件', [item('a', '2020-07-24')])]).findings).toEqual([]);
    const r = judge([column('政策文件', [item('a', '2020-07-23')])]);
    expect(r.findings.map((f) => f.code)).toEqual(['stale']);
    expect(r.findings[0]!.observed.daysSince).toBe(181);
  });

  it('a pinned old item does not hide newer ones', () => {
    const r = judge([
      column('通知公告', [item('置顶：2018年办事指南', '2018-04-01', { pinned: true }), item('十二月通知', '2020-12-01')]),
    ]);
    expect(r.findings).toEqual([]);
  });

  it('a pinned old item does not count as fresh, and the newest date is taken over all items', () => {
    const r = judge([
      column('通知公告', [
        item('置顶：旧公告', '2019-01-01', { pinned: true }),
        item('三月通知', '2020-03-15'),
        item('四月通知', '2020-04-20'),
      ]),
    ]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.observed).toMatchObject({ newestDate: '2020-04-20', newestTitle: '四月通知' });
  });

  it('items without a date are not updates', () => {
    const onlyUndated = judge([column('人事信息', [item('任免通知', null), item('招聘公告', null)])]);
    expect(onlyUndated.findings.map((f) => f.code)).toEqual(['stale']);
    expect(onlyUndated.findings[0]!.observed).toMatchObject({ newestDate: null, undated: 2 });
    expect(onlyUndated.findings[0]!.message).toContain('无可认定的发布日期');

    const mixed = judge([column('人事信息', [item('无日期的新信息', null), item('旧信息', '2020-01-02')])]);
    expect(mixed.findings[0]!.observed).toMatchObject({ newestDate: '2020-01-02', undated: 1 });
  });

  it('items dated after the as-of date did not exist yet', () => {
    const r = judge([column('通知公告', [item('未来', '2021-03-01'), item('旧', '2020-02-01')])]);
    expect(r.findings[0]!.observed.newestDate).toBe('2020-02-01');
  });

  it('a column name no keyword matches is judged as the default (regular) category', () => {
    const r = judge([column('其他信息', [item('x', '2019-12-01')])]);
    expect(r.findings[0]!.observed.category).toBe('regular');
  });
});

describe('column-update: annual, static and news columns', () => {
  it('annual: an item dated in the evaluation year (or later) is enough', () => {
    expect(judge([column('年度报告', [item('2019年政府信息公开工作年度报告', '2020-01-15')])]).findings).toEqual([]);
    expect(judge([column('财政预决算', [item('2021年预算', '2021-01-10')])]).findings).toEqual([]);
  });

  it('annual: nothing dated in the evaluation year is stale, however recent', () => {
    const r = judge([column('年度报告', [item('2018年年度报告', '2019-12-30')])]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.observed).toMatchObject({ category: 'annual', requiredYear: 2020, newestDate: '2019-12-30' });
    expect(r.findings[0]!.message).toContain('没有 2020 年');
  });

  it('static: old items are fine, only empty counts', () => {
    expect(judge([column('机构职能', [item('机构职能', '2016-05-01')])]).findings).toEqual([]);
    const r = judge([column('信息公开指南')]);
    expect(r.findings.map((f) => f.code)).toEqual(['empty']);
  });

  it('news is not judged at all, not even when empty', () => {
    const r = judge([column('工作动态', [item('局长调研', '2019-01-01')]), column('图片新闻')]);
    expect(r.findings).toEqual([]);
  });

  it('an empty regular column is empty, not stale', () => {
    const col = column('行政执法');
    const r = judge([col]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'empty', url: col.url, column: '行政执法' });
    expect(r.findings[0]!.observed.items).toBe(0);
  });

  it('an empty group heading with sub-columns is not a column of its own', () => {
    const r = judge([
      column('法规文件'),
      column('法规文件/规范性文件', [item('规范性文件', '2020-11-01')]),
      column('法规文件/政策解读', [item('解读', '2019-11-01')]),
    ]);
    expect(r.findings.map((f) => [f.code, f.column])).toEqual([['stale', '法规文件/政策解读']]);
  });
});

describe('column-update: what could not be read', () => {
  it('a failed column is inconclusive, never stale or empty', () => {
    const col = column('通知公告', [], { status: 'failed' });
    const r = judge([col]);
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toEqual([expect.objectContaining({ rule: 'column-update', url: col.url, column: '通知公告' })]);
  });

  it('a partial column with a fresh item on the pages read is fine', () => {
    const r = judge([column('政策文件', [item('新文件', '2020-12-20')], { status: 'partial' })]);
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toEqual([]);
  });

  it('a partial column without a fresh item, or without items, is inconclusive', () => {
    const r = judge([
      column('政策文件', [item('旧文件', '2019-12-20')], { status: 'partial' }),
      column('通知公告', [], { status: 'partial' }),
    ]);
    expect(r.findings).toEqual([]);
    expect(r.inconclusive.map((i) => i.column)).toEqual(['政策文件', '通知公告']);
  });

  it('a unit without any column to judge is inconclusive', () => {
    const r = judge([column('工作动态', [item('x', '2020-12-01')])]);
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toHaveLength(1);
  });
});

describe('column-update: per-unit category overrides', () => {
  it('an override wins over the keyword map, both ways', () => {
    const cols = [column('工作动态', [item('旧动态', '2019-06-01')]), column('重点工作', [item('旧', '2018-01-01')])];
    expect(judge(cols).findings.map((f) => f.column)).toEqual(['重点工作']);
    const r = judge(cols, { categoryOverrides: { 工作动态: 'regular', 重点工作: 'static' } });
    expect(r.findings.map((f) => f.column)).toEqual(['工作动态']);
  });

  it('an override naming an unknown category is ignored', () => {
    const r = judge([column('重点工作', [item('旧', '2018-01-01')])], { categoryOverrides: { 重点工作: 'no-such' } });
    expect(r.findings.map((f) => f.code)).toEqual(['stale']);
  });
});
