import { describe, expect, it } from 'vitest';
import { closingDate } from '../../rules/lib/dates.ts';
import { judgeUnit } from '../../src/judge/run-rules.ts';
import type { ArticleSnapshot, ColumnSnapshot, ListItem } from '../../src/model/snapshot.ts';
import { scoreUnits } from '../../src/scoring/score.ts';
import { archivedText, article, column, ctx, haveRealpages, item, realpage, ruleRunner, scheme, snapshot, unit } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('proposal-column');
const COL = '建议提案办理';
const OTHER = [column('通知公告', [item('关于开展安全检查的通知', '2020-12-01')])];

interface Reply {
  title?: string;
  published: string;
  signed?: string | null;
  text?: string;
  over?: Partial<ArticleSnapshot>;
}

let n = 0;
function replyItem(r: Reply): { it: ListItem; a: ArticleSnapshot } {
  const it = item(r.title ?? `对县政协十届四次会议第${++n}号提案的答复`, r.published);
  return { it, a: article(it, COL, { written: r.signed ?? null, text: r.text ?? '您提出的关于加强校园安全的提案收悉，现答复如下。', ...r.over }) };
}

function unitWith(replies: Reply[], over: { extra?: ListItem[]; extraArticles?: ArticleSnapshot[]; column?: Partial<ColumnSnapshot> } = {}) {
  const made = replies.map(replyItem);
  return snapshot({
    columns: [...OTHER, column(COL, [...made.map((m) => m.it), ...(over.extra ?? [])], { category: 'annual', ...over.column })],
    articles: [...made.map((m) => m.a), ...(over.extraArticles ?? [])],
  });
}

const LETTER = (date: string) => `您提出的提案收悉，现答复如下。\n一、加强校园安全管理。\n感谢您对教育工作的关心和支持。\n宜丰县教育体育局\n${date}\n（联系人：王芳，联系电话：0795-2751206）`;

describe('proposal-column: the 建议提案 sub-column (departments)', () => {
  it('a fully read department without the column is `missing`; the replies cannot be checked then', () => {
    const r = run(snapshot({ columns: OTHER }));
    expect(r.findings).toEqual([expect.objectContaining({ code: 'missing', url: unit().url, observed: { columns: 1, searched: ['建议提案', '提案', '代表建议', '人大建议'] } })]);
    expect(r.inconclusive).toEqual([expect.objectContaining({ codes: ['late'] })]);
    const [u] = scoreUnits([judgeUnit(snapshot({ columns: OTHER }), ctx())], scheme());
    expect(u!.indicators.find((i) => i.key === 'proposal-column')).toMatchObject({ deducted: 2, state: 'assessed' });
    expect(u!.indicators.find((i) => i.key === 'proposal-reply')).toMatchObject({ deducted: 0, state: 'inconclusive' });
  });

  it('a department not fully read is inconclusive, never missing', () => {
    const r = run(snapshot({ status: 'partial', columns: OTHER }));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive[0]!.reason).toContain('无法确认');
  });

  it('finds the column under a group heading (公开目录/人大代表建议和政协委员提案)', () => {
    const r = run(snapshot({ columns: [...OTHER, column('法定主动公开内容/人大代表建议和政协委员提案', [])] }));
    expect(r.findings).toEqual([]);
  });

  it('does not apply to townships and farms (their table lacks the row)', () => {
    for (const type of ['town', 'farm'] as const) {
      const judged = judgeUnit(snapshot({ unit: unit({ id: 'xzz', type, name: '新庄镇' }), columns: OTHER }), ctx());
      expect(judged.results['proposal-column']).toBeUndefined();
    }
  });
});

describe('proposal-column: replies published within 10 working days of signing', () => {
  it('a reply signed (签发日期) 11 working days before it was published, across 端午 2020, is late', () => {
    const r = run(unitWith([{ published: '2020-07-01', signed: '2020-06-15' }]));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'late', column: COL });
    expect(r.findings[0]!.observed).toMatchObject({
      signed: '2020-06-15', signedFrom: '页面标注的签发（成文）日期', published: '2020-07-01', workingDays: 11, calendarDays: 16, holidays: ['端午'], limit: 10, deadline: '2020-06-30',
    });
  });

  it('9 working days (14 calendar days, with the make-up Sunday 28 June) is on time', () => {
    const r = run(unitWith([{ published: '2020-07-01', signed: '2020-06-17' }]));
    expect(r).toEqual({ findings: [], inconclusive: [], assessed: true });
  });

  it('takes the date under the letter’s signature when the page labels none', () => {
    const late = run(unitWith([{ published: '2020-07-01', text: LETTER('2020年6月15日') }]));
    expect(late.findings[0]?.observed).toMatchObject({ signed: '2020-06-15', signedFrom: '复函落款' });
    expect(run(unitWith([{ published: '2020-07-01', text: LETTER('2020年6月17日') }])).findings).toEqual([]);
  });

  it('replies without any signing date cannot be checked (inconclusive, not the average)', () => {
    const r = run(unitWith([{ published: '2020-07-01' }, { published: '2020-08-03' }]));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive.map((i) => i.reason)).toEqual([expect.stringContaining('2 件复函均未标明签发日期')]);
    expect(r.unassessed).toBeUndefined();
  });

  it('a reply whose page could not be read is inconclusive; other years and other items are not judged', () => {
    const r = run(
      unitWith([
        { published: '2020-07-01', over: { fetched: false } },
        { published: '2019-07-01', signed: '2019-05-06' },
        { title: '2020年建议提案办理工作总结', published: '2020-12-20', signed: '2020-11-02' },
      ]),
    );
    expect(r.findings).toEqual([]);
    expect(r.inconclusive.map((i) => i.reason)).toEqual([expect.stringContaining('页面未能读取')]);
  });

  it('a date after publication is not a signing date', () => {
    const r = run(unitWith([{ published: '2020-07-01', signed: '2020-07-20' }]));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive[0]!.reason).toContain('均未标明签发日期');
  });

  it('each late reply costs 1 point, at most 3', () => {
    const late = (d: string) => ({ published: d, signed: '2020-03-02' });
    const judged = judgeUnit(unitWith([late('2020-05-06'), late('2020-05-07'), late('2020-05-08'), late('2020-05-11')]), ctx());
    const [u] = scoreUnits([judged], scheme());
    expect(u!.findings.filter((f) => f.code === 'late').map((f) => f.deduction)).toEqual([1, 1, 1, 0]);
    expect(u!.indicators.find((i) => i.key === 'proposal-reply')).toMatchObject({ deducted: 3 });
  });
});

describe('proposal-column: 未有建议提案的做出说明', () => {
  const statement = (title: string, text: string, date = '2020-12-28') => {
    const it = item(title, date);
    return { extra: [it], extraArticles: [article(it, COL, { text })] };
  };

  it('a "本年度无建议提案" statement and no replies: the replies are not assessed (the average), the column counts', () => {
    const snap = unitWith([], statement('关于2020年度建议提案办理情况的说明', '经核实，我局2020年度未收到人大代表建议和政协委员提案。特此说明。'));
    const r = run(snap);
    expect(r).toEqual({ findings: [], inconclusive: [], assessed: true, unassessed: ['late'] });
    // Another department with one late reply: the stating unit gets its average for the replies, and keeps the column's points.
    const other = { ...unitWith([{ published: '2020-07-01', signed: '2020-06-15' }]), unit: unit({ id: 'wjw', name: '县卫生健康委员会' }) };
    const [stated, late] = scoreUnits([judgeUnit(snap, ctx()), judgeUnit(other, ctx())], scheme());
    expect(late!.indicators.find((i) => i.key === 'proposal-reply')).toMatchObject({ deducted: 1, state: 'assessed' });
    expect(stated!.indicators.find((i) => i.key === 'proposal-reply')).toMatchObject({ deducted: 1, state: 'not-assessed', assessed: false });
    expect(stated!.indicators.find((i) => i.key === 'proposal-column')).toMatchObject({ deducted: 0, state: 'assessed' });
  });

  it('names the bodies as the letters do: 未承办县人大代表建议和县政协委员提案', () => {
    expect(run(unitWith([], statement('2020年度建议提案办理情况', '我局2020年度未承办县人大代表建议和县政协委员提案。'))).unassessed).toEqual(['late']);
  });

  it('the statement may be the title, and "本年度" is the year it was published', () => {
    expect(run(unitWith([], statement('本年度无建议提案', '')))).toMatchObject({ unassessed: ['late'] });
    expect(run(unitWith([], statement('本年度无建议提案', '', '2019-12-30'))).unassessed).toBeUndefined();
  });

  it('a statement about another year does not count', () => {
    const r = run(unitWith([], statement('关于建议提案办理情况的说明', '我局2019年度无建议提案。', '2020-01-10')));
    expect(r.unassessed).toBeUndefined();
    expect(r.inconclusive[0]!.reason).toContain('也没有“本年度无建议提案”的说明');
  });

  it('words that only look like one do not count: 无一件建议提案超期', () => {
    expect(run(unitWith([], statement('2020年建议提案办理工作总结', '全年承办建议提案12件，无一件建议提案超期办理。'))).unassessed).toBeUndefined();
  });

  it('replies in the year are judged even beside a statement', () => {
    const snap = unitWith([{ published: '2020-07-01', signed: '2020-06-15' }], statement('本年度无建议提案', ''));
    expect(run(snap).findings.map((f) => f.code)).toEqual(['late']);
  });

  it('a column with neither replies nor a statement cannot be judged (a person checks it)', () => {
    const r = run(unitWith([]));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toEqual([expect.objectContaining({ column: COL, codes: ['late'] })]);
  });

  it('a column not fully read is inconclusive for the replies', () => {
    const r = run(unitWith([{ published: '2020-07-01', signed: '2020-06-17' }], { column: { status: 'partial' } }));
    expect(r.inconclusive[0]!.reason).toContain('未能完整读取');
  });
});

describe('closingDate: the date under a letter’s signature', () => {
  it('alone on its line, or after the body’s name, with a contact line after it', () => {
    expect(closingDate(LETTER('2020年6月15日'))).toBe('2020-06-15');
    expect(closingDate('特此答复。宜丰县卫生健康委员会 2020年9月3日')).toBe('2020-09-03');
    expect(closingDate('现答复如下……\n宜丰县人民政府办公室\n2020 年 11 月 2 日')).toBe('2020-11-02');
  });

  it('not a date inside a sentence, an impossible date, or one far from the end', () => {
    expect(closingDate('相关材料请于2020年6月10日')).toBeNull();
    expect(closingDate('宜丰县教育体育局\n2020年2月30日')).toBeNull();
    expect(closingDate('宜丰县教育体育局\n2020年6月15日\n一\n二\n三\n四')).toBeNull();
    expect(closingDate('')).toBeNull();
  });

  it.skipIf(!haveRealpages)('a real report’s closing line (平潭综合实验区财政全融局 2022年1月13日, needs ../shared/realpages)', () => {
    const { body, published } = archivedText(realpage('annual-report/pingtan-czj-2021.txt')!);
    expect(closingDate(body)).toBe(published);
  });
});
