import { describe, expect, it } from 'vitest';
import timeliness from '../../rules/timeliness.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import { judgeUnit } from '../../src/judge/run-rules.ts';
import type { ArticleSnapshot, ListItem } from '../../src/model/snapshot.ts';
import { scoreUnits } from '../../src/scoring/score.ts';
import { article, column, ctx, item, ruleRunner, scheme, snapshot, withSettings } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('timeliness');

interface Doc {
  written: string | null;
  published: string | null;
  listDate?: string | null;
  over?: Partial<ArticleSnapshot>;
  itemOver?: Partial<ListItem>;
}

/** One 政策文件 column of documents (each with its article read), plus extra columns. */
function unitWith(docs: Doc[], columnKey = '政策文件') {
  const items = docs.map((d, i) => item(`宜丰县关于第${i + 1}项工作的通知`, d.listDate === undefined ? d.published : d.listDate, d.itemOver));
  const articles = docs.map((d, i) => article(items[i]!, columnKey, { written: d.written, published: d.published, ...d.over }));
  return snapshot({ columns: [column(columnKey, items)], articles });
}
const judge = (docs: Doc[], over: Parameters<typeof ctx>[0] = {}) => run(unitWith(docs), ctx(over));

describe('timeliness: 条例第二十六条, 20 working days by the State Council schedule', () => {
  it('a document published 21 working days after it was made, across 国庆 2020, is late', () => {
    const r = judge([{ written: '2020-09-15', published: '2020-10-20' }]);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f).toMatchObject({ rule: 'timeliness', code: 'late', column: '政策文件' });
    expect(f.observed).toMatchObject({ written: '2020-09-15', published: '2020-10-20', workingDays: 21, calendarDays: 35, holidays: ['国庆节'], limit: 20, deadline: '2020-10-19' });
    expect(f.message).toContain('相隔 21 个工作日（35 天，期间有国庆节假期）');
    expect(f.message).toContain('最迟应于 2020-10-19 公开');
    expect(r.assessed).toBe(true);
  });

  it('the 20th working day is still on time', () => {
    expect(judge([{ written: '2020-09-15', published: '2020-10-19' }]).findings).toEqual([]);
  });

  it('18 working days across 国庆 (30 calendar days, 22 weekdays) is on time — a calendar or weekday count would flag it', () => {
    const r = judge([{ written: '2020-09-22', published: '2020-10-22' }]);
    expect(r.findings).toEqual([]);
    expect(r.assessed).toBe(true);
  });

  it('春节 2020 as extended to 2 February counts no working day in the holiday', () => {
    // 2020-01-20 → 2020-02-27: 21–23 January, then 3–27 February: 3 + 19 = 22 working days (38 days).
    const r = judge([{ written: '2020-01-20', published: '2020-02-27' }]);
    expect(r.findings[0]?.observed).toMatchObject({ workingDays: 22, calendarDays: 38, holidays: ['春节'] });
    // 25 February is the 20th: 3 + 17.
    expect(judge([{ written: '2020-01-20', published: '2020-02-25' }]).findings).toEqual([]);
  });

  it('a year whose schedule is unknown makes the document inconclusive, never late', () => {
    const r = judge([{ written: '2003-06-01', published: '2020-03-02' }]);
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toHaveLength(1);
    expect(r.inconclusive[0]!.reason).toContain('节假日安排未知');
    const future = judge([{ written: '2026-12-01', published: '2027-03-01' }], { asOf: '2028-01-20', year: 2027 });
    expect(future.findings).toEqual([]);
    expect(future.inconclusive).toHaveLength(1);
  });

  it('judges only documents showing both dates, published in the evaluation year', () => {
    const r = judge([
      { written: null, published: '2020-10-20' },
      { written: '2019-09-02', published: '2019-12-20' },
      { written: '2020-11-30', published: '2020-11-02' }, // made after it was published: not late
    ]);
    expect(r).toEqual({ findings: [], inconclusive: [], assessed: true });
    expect(judge([{ written: null, published: '2020-10-20' }]).assessed).toBe(false);
  });

  it("takes the list's own date when the article page shows none, never a date guessed from context", () => {
    const listed = judge([{ written: '2020-09-15', published: null, listDate: '2020-10-20' }]);
    expect(listed.findings[0]?.observed).toMatchObject({ published: '2020-10-20', publishedFrom: '列表页' });
    const guessed = judge([{ written: '2020-09-15', published: null, listDate: '2020-10-20', itemOver: { dateSource: 'inferred' } }]);
    expect(guessed.findings).toEqual([]);
  });

  it('an article that could not be read is inconclusive; items not read at all are not judged', () => {
    const r = judge([{ written: null, published: null, listDate: '2020-10-20', over: { fetched: false } }]);
    expect(r.inconclusive.map((i) => i.reason)).toEqual([expect.stringContaining('页面无法读取')]);
    const unread = snapshot({ columns: [column('政策文件', [item('宜丰县关于某项工作的通知', '2020-10-20')])] });
    expect(run(unread)).toEqual({ findings: [], inconclusive: [], assessed: false });
  });

  it('reads only the columns of its settings (a news column is not its matter)', () => {
    expect(run(unitWith([{ written: '2020-09-15', published: '2020-10-20' }], '工作动态')).findings).toEqual([]);
    const sch = withSettings('timeliness', { columns: ['工作动态'] });
    expect(run(unitWith([{ written: '2020-09-15', published: '2020-10-20' }], '工作动态'), ctx({ scheme: sch })).findings).toHaveLength(1);
  });

  it('the limit is a setting', () => {
    const sch = withSettings('timeliness', { workingDays: 15 });
    expect(run(unitWith([{ written: '2020-09-22', published: '2020-10-22' }]), ctx({ scheme: sch })).findings[0]?.observed).toMatchObject({ workingDays: 18, limit: 15 });
  });

  it('asks the crawl for the newest articles of its columns only', () => {
    expect(timeliness.meta.needs(scheme().settings['timeliness'])).toEqual([{ kind: 'articles', columns: ['政策文件', '规范性文件', '通知公告'], max: 10 }]);
    const plan = planGather(scheme());
    expect(plan.forColumn(['法规文件', '规范性文件']).reads).toContainEqual({ max: 10 });
    expect(plan.forColumn(['工作动态']).reads).not.toContainEqual({ max: 10 });
  });

  it('is advisory under the 2020 scheme: reported with deduction 0, no score change', () => {
    const judged = judgeUnit(unitWith([{ written: '2020-09-15', published: '2020-10-20' }]), ctx());
    const [u] = scoreUnits([judged], scheme());
    const late = u!.findings.filter((f) => f.rule === 'timeliness');
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ advisory: true, deduction: 0 });
    expect(u!.indicators.some((i) => i.key === 'timeliness')).toBe(false);
    const without = scoreUnits([judgeUnit(unitWith([{ written: '2020-09-15', published: '2020-10-19' }]), ctx())], scheme());
    expect(u!.score).toBe(without[0]!.score);
  });
});
