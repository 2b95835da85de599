import { describe, expect, it } from 'vitest';
import { missingParts, reportYearOfTitle } from '../../rules/annual-report.ts';
import type { ArticleSnapshot, ColumnSnapshot, ListItem } from '../../src/model/snapshot.ts';
import { article, column, ctx, INTRO, item, PARTS, PROSE_2018, PROSE_2019, reportBody as body, reportTables, scheme, snapshot, unit, ruleRunner } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('annual-report');

const S = () => scheme().settings['annual-report'];

/** A column holding reports, each with its article, plus a 通知公告 column. */
function unitWith(reports: { title: string; date: string | null; text?: string; fetched?: boolean; published?: string | null }[], colOver: Partial<ColumnSnapshot> = {}) {
  const items: ListItem[] = reports.map((r) => item(r.title, r.date));
  const col = column('年度报告', items, colOver);
  const articles: ArticleSnapshot[] = reports.map((r, i) =>
    article(items[i]!, '年度报告', {
      text: r.text ?? '',
      tables: reportTables(),
      fetched: r.fetched ?? true,
      ...(r.published !== undefined ? { published: r.published } : {}),
    }),
  );
  return { col, items, snap: snapshot({ columns: [col, column('通知公告', [item('通知', '2020-12-01')])], articles }) };
}

describe('annual-report: which title is the report on Y−1', () => {
  const cases: [string, number | null][] = [
    ['县教育体育局2019年政府信息公开工作年度报告', 2019],
    ['县教育体育局2019年度政府信息公开工作年度报告', 2019],
    ['县教育体育局２０１９年政府信息公开工作年度报告', 2019],
    ['县教育体育局二〇一九年政府信息公开工作年度报告', 2019],
    ['县教育体育局二○一九年政府信息公开年报', 2019],
    ['县教育体育局 2019 年 政务公开 工作 年度报告', 2019],
    ['新庄镇2019年政府信息公开工作报告', 2019],
    ['县教育体育局2018年政府信息公开工作年度报告', 2018],
    // near misses: not a disclosure report
    ['县教育体育局2019年度法治政府建设工作报告', null],
    ['2019年度部门决算报告', null],
  ];
  it.each(cases)('%s → %s', (title, year) => {
    expect(reportYearOfTitle(title, S())).toBe(year);
  });
});

describe('annual-report: missing', () => {
  it('only the report on Y−2 in the column: missing, shown on the annual-report column', () => {
    const { col, snap } = unitWith([{ title: '县教育体育局2018年政府信息公开工作年度报告', date: '2019-01-20', text: body(2018, PROSE_2018) }]);
    const r = run(snap, ctx());
    expect(r.findings.map((f) => f.code)).toEqual(['missing']);
    expect(r.findings[0]).toMatchObject({ url: col.url, column: '年度报告' });
    expect(r.findings[0]!.observed).toMatchObject({ reportYear: 2019, deadline: '2020-01-31' });
    expect(r.findings[0]!.message).toContain('2019年');
  });

  it('a unit without an annual-report column: missing, shown on the index; a report elsewhere counts', () => {
    const none = snapshot({ columns: [column('通知公告', [item('通知', '2020-12-01')])] });
    const r = run(none, ctx());
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'missing', url: none.unit.url });

    const report = item('县教育体育局2019年政府信息公开工作年度报告', '2020-01-10');
    const elsewhere = snapshot({
      columns: [column('通知公告', [report, item('通知', '2020-12-01')])],
      articles: [article(report, '通知公告', { text: body(2019, PROSE_2019) })],
    });
    expect(run(elsewhere, ctx()).findings).toEqual([]);
  });

  it('a near-miss title does not count as the report', () => {
    const { snap } = unitWith([{ title: '县教育体育局2019年度法治政府建设工作报告', date: '2020-01-10', text: body(2019, PROSE_2019) }]);
    expect(run(snap, ctx()).findings.map((f) => f.code)).toEqual(['missing']);
  });

  it('not found while the column was not fully read: inconclusive, not missing', () => {
    const { snap } = unitWith([], { status: 'partial' });
    const r = run(snap, ctx());
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toHaveLength(1);
    expect(r.inconclusive[0]!.codes).toBeUndefined();
  });
});

describe('annual-report: late', () => {
  const title = '县教育体育局2019年政府信息公开工作年度报告';

  it('published after 31 January of Y is late', () => {
    const { items, snap } = unitWith([{ title, date: '2020-03-05', text: body(2019, PROSE_2019) }]);
    const r = run(snap, ctx());
    expect(r.findings.map((f) => f.code)).toEqual(['late']);
    expect(r.findings[0]).toMatchObject({ url: items[0]!.url, highlight: '2020-03-05' });
    expect(r.findings[0]!.observed).toMatchObject({ published: '2020-03-05', deadline: '2020-01-31', daysLate: 34 });
  });

  it('published on 31 January is on time', () => {
    const { snap } = unitWith([{ title, date: '2020-01-31', text: body(2019, PROSE_2019) }]);
    expect(run(snap, ctx()).findings).toEqual([]);
  });

  it("the article's 发布日期 wins over the list date", () => {
    const { snap } = unitWith([{ title, date: '2020-01-20', published: '2020-02-20', text: body(2019, PROSE_2019) }]);
    expect(run(snap, ctx()).findings.map((f) => f.code)).toEqual(['late']);
  });

  it('a report posted on time and again later was published on time', () => {
    const { snap } = unitWith([
      { title: `${title}（重发）`, date: '2020-03-01', text: body(2019, PROSE_2019) },
      { title, date: '2020-01-21', text: body(2019, PROSE_2019) },
    ]);
    expect(run(snap, ctx()).findings).toEqual([]);
  });

  it("the town table's deadline comes from the scheme", () => {
    const s = scheme();
    const later = { ...s, settings: { ...s.settings, 'annual-report': { ...s.settings['annual-report'], deadline: { department: '01-31', town: '02-28', farm: '02-28' } } } };
    const { snap } = unitWith([{ title, date: '2020-02-20', text: body(2019, PROSE_2019) }]);
    const town = { ...snap, unit: unit({ id: 'xzz', type: 'town', name: '新庄镇' }) };
    const dept = run(snap, ctx({ scheme: later }));
    expect(dept.findings.map((f) => f.code)).toEqual(['late']);
    expect(run(town, ctx({ scheme: later })).findings).toEqual([]);
  });

  it('no date anywhere: timing inconclusive, content still checked', () => {
    const { snap } = unitWith([{ title, date: null, text: body(2019, PROSE_2019, ['active']) }]);
    const r = run(snap, ctx());
    expect(r.inconclusive.map((i) => i.codes)).toEqual([['late']]);
    expect(r.findings.map((f) => f.code)).toEqual(['incomplete']);
  });
});

describe('annual-report: incomplete (条例第五十条)', () => {
  const title = '县人力资源和社会保障局2019年政府信息公开工作年度报告';

  it('a report lacking 行政复议/行政诉讼 and 问题及改进 is incomplete, naming both parts', () => {
    const { snap } = unitWith([{ title, date: '2020-01-20', text: body(2019, PROSE_2019, ['active', 'requests']) }]);
    const r = run(snap, ctx());
    expect(r.findings.map((f) => f.code)).toEqual(['incomplete']);
    expect(r.findings[0]!.observed.missingParts).toEqual(['政府信息公开行政复议、行政诉讼情况', '存在的主要问题及改进情况']);
  });

  it("the intro sentence that lists the parts is not the parts", () => {
    const lacking = missingParts({ text: `${INTRO} ${PARTS.active}`, headings: [] }, S());
    expect(lacking.map((p) => p.key)).toEqual(['requests', 'review', 'problems']);
  });

  it('each part is recognised alone, in headings or in text, in old and new wordings', () => {
    const only = (text: string, headings: string[] = []) =>
      missingParts({ text, headings }, S()).map((p) => p.key);
    expect(only('', ['二、主动公开政府信息情况'])).toEqual(['requests', 'review', 'problems']);
    expect(only('三、政府信息依申请公开工作情况 全年未收到申请')).toEqual(['active', 'review', 'problems']);
    expect(only('三、依申请公开、不予公开及咨询政府信息情况')).toEqual(['active', 'review', 'problems']);
    expect(only('五、因政府信息公开申请行政复议、提起行政诉讼的情况')).toEqual(['active', 'requests', 'problems']);
    expect(only('六、主要问题和改进措施 （一）存在问题')).toEqual(['active', 'requests', 'review']);
    // 行政复议 alone is not the part; 问题 without any 改进 is not the part
    expect(only('行政复议数 0')).toContain('review');
    expect(only('存在的主要问题：人员不足')).toContain('problems');
    // a passing mention in another section is not the section
    expect(only('（二）依申请公开方面。全年未发生因依申请公开引发的行政复议和行政诉讼。')).toContain('review');
    expect(only('（三）政府信息管理方面。集中整改断链和栏目空白问题，改进发布流程。')).toContain('problems');
    // full-width and spaced text
    expect(only('四、政府信息公开行政复议、 行政 诉讼情况')).not.toContain('review');
  });

  it('a complete report has no finding', () => {
    const { snap } = unitWith([{ title, date: '2020-01-20', text: body(2019, PROSE_2019) }]);
    expect(run(snap, ctx()).findings).toEqual([]);
  });

  it('the article could not be fetched: content inconclusive (incomplete and copied)', () => {
    const { snap } = unitWith([{ title, date: '2020-01-20', fetched: false }]);
    const r = run(snap, ctx());
    expect(r.findings).toEqual([]);
    expect(r.inconclusive.map((i) => i.codes)).toEqual([['incomplete', 'copied', 'inconsistent']]);
  });

  it('a body of a few words (report only as an attachment) is inconclusive, not incomplete', () => {
    const { snap } = unitWith([{ title, date: '2020-01-20', text: '详见附件：2019年年度报告.pdf' }]);
    const r = run(snap, ctx());
    expect(r.findings).toEqual([]);
    expect(r.inconclusive[0]!.reason).toContain('附件');
  });
});

describe('annual-report: copied (雷同)', () => {
  const t2019 = '县教育体育局2019年政府信息公开工作年度报告';
  const t2018 = '县教育体育局2018年政府信息公开工作年度报告';

  it('the 2019 report = the 2018 report with years and numbers changed: copied', () => {
    const old = body(2018, PROSE_2019.replaceAll('2019', '2018').replace('四十三', '四十一'));
    const copied = body(2019, PROSE_2019).replace(/\d+/g, (n) => String(Number(n) + 7));
    const { items, snap } = unitWith([
      { title: t2019, date: '2020-01-20', text: copied },
      { title: t2018, date: '2019-01-18', text: old },
    ]);
    const r = run(snap, ctx());
    expect(r.findings.map((f) => f.code)).toEqual(['copied']);
    const f = r.findings[0]!;
    expect(f.url).toBe(items[0]!.url);
    expect(f.observed).toMatchObject({ previousUrl: items[1]!.url, method: 'containment', threshold: 0.7 });
    expect(f.observed.similarity as number).toBeGreaterThan(0.9);
  });

  it('a rewritten report sharing only the template is not copied', () => {
    const { snap } = unitWith([
      { title: t2019, date: '2020-01-20', text: body(2019, PROSE_2019) },
      { title: t2018, date: '2019-01-18', text: body(2018, PROSE_2018) },
    ]);
    expect(run(snap, ctx()).findings).toEqual([]);
  });

  it('no report on Y−2: no 雷同 check, and the code is marked not assessed', () => {
    const { snap } = unitWith([{ title: t2019, date: '2020-01-20', text: body(2019, PROSE_2019) }]);
    const r = run(snap, ctx());
    expect(r.findings).toEqual([]);
    expect(r.unassessed).toEqual(['copied']);
  });

  it('the Y−2 report exists but could not be read: 雷同 inconclusive', () => {
    const { snap } = unitWith([
      { title: t2019, date: '2020-01-20', text: body(2019, PROSE_2019) },
      { title: t2018, date: '2019-01-18', fetched: false },
    ]);
    const r = run(snap, ctx());
    expect(r.findings).toEqual([]);
    expect(r.unassessed).toBeUndefined();
    expect(r.inconclusive.map((i) => i.codes)).toEqual([['copied']]);
  });

  it('late, incomplete and copied can all hold for one report', () => {
    const old = body(2018, PROSE_2019.replaceAll('2019', '2018'), ['active', 'requests']);
    const { snap } = unitWith([
      { title: t2019, date: '2020-02-10', text: body(2019, PROSE_2019, ['active', 'requests']) },
      { title: t2018, date: '2019-01-18', text: old },
    ]);
    expect(run(snap, ctx()).findings.map((f) => f.code)).toEqual(['late', 'incomplete', 'copied']);
  });
});
