import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { findLeaderMention } from '../../rules/leader-disclosure.ts';
import type { ArticleSnapshot } from '../../src/model/snapshot.ts';
import { archivedText, article, column, ctx, haveRealpages, item, realpage, scheme, snapshot, unit, ruleRunner } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('leader-disclosure');

const S = () => scheme().settings['leader-disclosure'];

/** A unit whose 领导信息 column holds one page with the given text. */
function unitWithLeaderPage(text: string, over: Partial<ArticleSnapshot> = {}, title = '领导分工') {
  const page = item(title, '2020-03-01');
  const col = column('领导信息', [page]);
  return { col, snap: snapshot({ columns: [col, column('通知公告', [item('通知', '2020-12-01')])], articles: [article(page, '领导信息', { text, ...over })] }) };
}
const named = (text: string) => findLeaderMention(text, S()) !== null;

describe('leader-disclosure: phrasings that name the leader', () => {
  const yes = [
    '分管政务公开工作：副局长 张三',
    '由副局长张三分管政务公开工作',
    '副局长张三负责政府信息公开工作',
    '李四同志分管信息公开工作',
    '局长：王五 副局长：张三（分管政务公开）',
    '政务公开工作分管领导：刘建国',
    '姓名 职务 分管工作 张三 副局长 分管办公室、政务公开、财务 李四 副局长 分管业务',
    '工作 分管领导 责任科室 政务公开 李四（副镇长） 党政办',
    '成立政务公开工作领导小组 组 长：欧阳明 镇长 副组长：周 平 副镇长',
    '经研究成立局政务公开领导小组，组长：林兴禧 局党组成员 副局长',
    '胡晓军：县人力资源和社会保障局党组成员、副局长，负责办公室、就业促进股工作，负责政府信息公开工作。',
    '副场长 王晓东：负责林业、生态保护、安全生产工作，分管政务公开工作。',
    '党委委员、副镇长 程俊：负责党政综合办公室、财政所工作，分管政务公开、信访工作。',
    '决定对政务公开工作领导小组成员进行调整。组\u3000长：刘建明（党组成员、副主任）',
    '工作事项 分管领导 责任单位 政府全面工作 熊立新（党委副书记、镇长） 党政综合办公室 政务公开 李春燕（党委委员、副镇长） 党政综合办公室',
  ];
  it.each(yes)('%s', (text) => expect(named(text)).toBe(true));

  it('the nearest person to the duty is the one reported', () => {
    expect(findLeaderMention('局长：王五 副局长：张三（分管政务公开）', S())!.phrase).toContain('张三');
    expect(findLeaderMention('成立政务公开工作领导小组 组长：周平', S())).toEqual({ phrase: '组长:周平', how: 'group' });
    const table = '工作事项 分管领导 责任单位 政府全面工作 熊立新（党委副书记、镇长） 党政综合办公室 政务公开 李春燕（党委委员、副镇长） 党政综合办公室';
    expect(findLeaderMention(table, S())).toMatchObject({ how: 'table', phrase: expect.stringContaining('李春燕') });
  });
});

describe('leader-disclosure: near misses that do not name the leader', () => {
  const no = [
    '主要负责人：陈伟明 办公电话：0591-23159658',
    '办公室（人事处）承担机关文电、机要、督查、档案、政务公开、信息等工作。',
    '政务公开工作由办公室负责',
    '领导小组办公室负责我局政务公开相关工作，由郭燕燕、翁玲同志具体承办相关公开事宜',
    '分管政务公开工作的领导同志要高度重视',
    '局长：王五 主持全面工作。',
    '成立安全生产工作领导小组 组长：王五',
    '党委书记：王建军，主持镇党委全面工作。主要负责人联系电话：0795-2771035。镇党政综合办公室负责政务公开日常工作。',
    '调整充实政务公开工作领导小组，明确一名负责同志分管政务公开工作，办公室具体承办。',
    '局长：周明亮，主持局全面工作。副局长：彭海燕，负责法治督察、普法与依法治理工作。',
  ];
  it.each(no)('%s', (text) => expect(named(text)).toBe(false));
});

describe('leader-disclosure: the rule over a snapshot', () => {
  it('a leader page naming the comrade in charge: no finding', () => {
    const { snap } = unitWithLeaderPage('局长 王五 主持全面工作。副局长 张三 分管政务公开、办公室工作。');
    expect(run(snap, ctx())).toEqual({ findings: [], inconclusive: [], assessed: true });
  });

  it('an item title in any column can name the leader', () => {
    const snap = snapshot({
      columns: [column('通知公告', [item('关于明确副局长张三分管政务公开工作的通知', '2020-04-01')])],
    });
    expect(run(snap, ctx()).findings).toEqual([]);
  });

  it('only the 主要负责人 named: not-named on the leader column, saying so', () => {
    const { col, snap } = unitWithLeaderPage('主要负责人：赵六 联系电话：0795-2765503');
    const r = run(snap, ctx());
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ rule: 'leader-disclosure', code: 'not-named', url: col.url, column: '领导信息' });
    expect(r.findings[0]!.message).toContain('只公开了主要负责人');
    expect(r.findings[0]!.observed.nearMiss).toBe('只公开了主要负责人');
  });

  it('政务公开 assigned to the office only: not-named, saying so', () => {
    const { snap } = unitWithLeaderPage('办公室：负责文电、机要、政务公开、信息等工作。');
    const r = run(snap, ctx());
    expect(r.findings[0]!.observed.nearMiss).toBe('政务公开职责落实到办公室而非个人');
  });

  it('the finding points at the leader-information column rather than the organisation column', () => {
    const snap = snapshot({ columns: [column('机构职能', [item('机构设置', '2019-01-01')]), column('领导信息', [item('局长', '2020-01-01')])] });
    expect(run(snap, ctx()).findings[0]!.column).toBe('领导信息');
  });

  it('a unit without any leader column: not-named on its index page', () => {
    const u = unit({ id: 'tgz', type: 'town', name: '棠浦镇' });
    const snap = snapshot({ unit: u, columns: [column('通知公告', [item('通知', '2020-12-01')])] });
    const r = run(snap, ctx());
    expect(r.findings[0]).toMatchObject({ code: 'not-named', url: u.url });
    expect(r.findings[0]!.column).toBeUndefined();
  });

  it('a leader column that could not be read, or a leader page not fetched: inconclusive', () => {
    const failed = snapshot({ columns: [column('领导信息', [], { status: 'failed' })] });
    const r1 = run(failed, ctx());
    expect(r1.findings).toEqual([]);
    expect(r1.inconclusive).toHaveLength(1);

    const { snap } = unitWithLeaderPage('', { fetched: false });
    const r2 = run(snap, ctx());
    expect(r2.findings).toEqual([]);
    expect(r2.inconclusive).toHaveLength(1);
  });

  it('named elsewhere: no inconclusive even if a leader column failed', () => {
    const snap = snapshot({
      columns: [column('领导信息', [], { status: 'failed' }), column('通知公告', [item('关于明确副局长张三分管政务公开工作的通知', '2020-04-01')])],
    });
    expect(run(snap, ctx())).toEqual({ findings: [], inconclusive: [], assessed: true });
  });
});

describe.skipIf(!haveRealpages)('leader-disclosure on the real 平潭 leader pages (needs ../shared/realpages)', () => {
  const page = (file: string) => {
    const a = archivedText(realpage(`leader/${file}`)!);
    return unitWithLeaderPage(a.body, {}, a.title).snap;
  };

  it('61740 (成立政务公开工作领导小组, 组长 林兴禧 副局长): named', () => {
    const a = archivedText(realpage('leader/pingtan-czj-zwgk-ldxz-2016-61740.txt')!);
    expect(findLeaderMention(a.body, S())).toMatchObject({ how: 'group', phrase: expect.stringContaining('林兴禧') });
    expect(run(page('pingtan-czj-zwgk-ldxz-2016-61740.txt'), ctx()).findings).toEqual([]);
  });

  it('68802 (调整政务公开领导小组, 组 长：沈福泉, clerks 郭燕燕、翁玲): named by the 组长', () => {
    const a = archivedText(realpage('leader/pingtan-gzj-zwgk-ldxz-2019-68802.txt')!);
    expect(findLeaderMention(a.body, S())).toMatchObject({ how: 'group', phrase: expect.stringContaining('沈福泉') });
    expect(run(page('pingtan-gzj-zwgk-ldxz-2019-68802.txt'), ctx()).findings).toEqual([]);
  });

  it('77151 (职能配置: 主要负责人 陈伟明; 政务公开 with 办公室): not named', () => {
    const r = run(page('pingtan-czj-jgzn-fzr-2022-77151.txt'), ctx());
    expect(r.findings.map((f) => f.code)).toEqual(['not-named']);
    expect(r.findings[0]!.observed.nearMiss).toBe('只公开了主要负责人');
  });

  it('领导之窗 工作分工 list (name only in the breadcrumb, no 政务公开 duty): not named', () => {
    const $ = cheerio.load(realpage('leader/pingtan-trs-jiyue-ldzc-cjs-gzfg-list.html')!);
    $('script, style').remove();
    const text = $('body').text();
    expect(text).toContain('陈建生');
    expect(findLeaderMention(text, S())).toBeNull();
  });
});
