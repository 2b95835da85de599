import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { readLeaderPage, type LeaderPage, type MissKind } from '../../rules/leader-disclosure.ts';
import { parseArticle } from '../../src/crawl/parse/article.ts';
import type { ArticleSnapshot } from '../../src/model/snapshot.ts';
import { archivedText, article, column, ctx, haveRealpages, item, realpage, scheme, snapshot, unit, ruleRunner } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('leader-disclosure');

const S = () => scheme().settings['leader-disclosure'];

/** A unit whose 领导信息 column holds one page with the given text. */
function unitWithLeaderPage(text: string, over: Partial<ArticleSnapshot> = {}, title = '领导分工') {
  const page = item(title, '2020-03-01');
  const col = column('领导信息', [page]);
  return { col, page, snap: snapshot({ columns: [col, column('通知公告', [item('通知', '2020-12-01')])], articles: [article(page, '领导信息', { text, ...over })] }) };
}
const read = (page: LeaderPage) => readLeaderPage(page, S());
const tie = (text: string, title = '') => read({ title, text }).tie;
/** An article page as the crawl reads it (text, and tables with their structure). */
const htmlPage = (body: string): LeaderPage => parseArticle(`<html><body><div class="TRS_Editor">${body}</div></body></html>`, 'http://portal.test/ldxx/1.html');

describe('leader-disclosure: phrasings that name the leader', () => {
  const yes: [string, string][] = [
    ['分管政务公开工作：副局长 张三', '张三'],
    ['由副局长张三分管政务公开工作', '张三'],
    ['副局长张三负责政府信息公开工作', '张三'],
    ['李四同志分管信息公开工作', '李四'],
    ['局长：王五 副局长：张三（分管政务公开）', '张三'],
    ['政务公开工作分管领导：刘建国', '刘建国'],
    ['姓名 职务 分管工作 张三 副局长 分管办公室、政务公开、财务 李四 副局长 分管业务', '张三'],
    ['工作 分管领导 责任科室 政务公开 李四（副镇长） 党政办', '李四'],
    ['成立政务公开工作领导小组 组 长：欧阳明 镇长 副组长：周 平 副镇长', '欧阳明'],
    ['经研究成立局政务公开领导小组，组长：林兴禧 局党组成员 副局长', '林兴禧'],
    ['胡晓军：县人力资源和社会保障局党组成员、副局长，负责办公室、就业促进股工作，负责政府信息公开工作。', '胡晓军'],
    ['副场长 王晓东：负责林业、生态保护、安全生产工作，分管政务公开工作。', '王晓东'],
    ['党委委员、副镇长 程俊：负责党政综合办公室、财政所工作，分管政务公开、信访工作。', '程俊'],
    ['决定对政务公开工作领导小组成员进行调整。组\u3000长：刘建明（党组成员、副主任）', '刘建明'],
    ['工作事项 分管领导 责任单位 政府全面工作 熊立新（党委副书记、镇长） 党政综合办公室 政务公开 李春燕（党委委员、副镇长） 党政综合办公室', '李春燕'],
    // The duty first, the person after it.
    ['本局政务公开工作由党组成员、副局长王建华负责。', '王建华'],
    ['政务公开工作由张三负责', '张三'],
    ['政务公开工作由张三同志具体负责', '张三'],
    ['政务公开第一责任人：局长王五', '王五'],
    // 政务公开 as one item of an enumeration of duties; a name with a title and no 同志.
    ['副场长李文斌负责林业生产、安全生产、财务、人事、工会、政务公开、信访维稳等工作。', '李文斌'],
    ['副局长李为民分管政务公开工作', '李为民'],
    ['局长王五主持全面工作，副局长张三分管政务公开工作', '张三'],
    ['分管政务公开工作的副局长张三同志要抓好落实。', '张三'],
    // The person in one sentence, the duty in the next ones; a biography opening with the bare name.
    ['李明，副局长。负责办公室工作。分管政务公开、信访工作。', '李明'],
    ['张三，男，汉族，1975年出生，现任县教育体育局党组成员、副局长，负责办公室、政务公开工作。', '张三'],
    // The person before the role, or after the matter as its label.
    ['张三同志为政务公开工作分管领导', '张三'],
    ['局党组书记、局长王五为政务公开第一责任人，副局长张三为直接责任人', '王五'],
    ['政务公开：张三（副局长）', '张三'],
    ['负责政务公开工作的副局长：张三', '张三'],
    ['分管政务公开工作的是副局长张三', '张三'],
    ['分管政务公开工作负责人：张三', '张三'],
    ['联系领导：张三\n联系工作：政务公开、信访', '张三'],
  ];
  it.each(yes)('%s', (text, person) => expect(tie(text)).toMatchObject({ person }));

  it('a title naming the leader counts like a sentence', () => {
    expect(tie('', '关于明确副局长张三分管政务公开工作的通知')).toMatchObject({ person: '张三', how: 'sentence' });
  });

  it('the nearest person to the duty is the one reported, with how and the words relied on', () => {
    expect(tie('局长：王五 副局长：张三（分管政务公开）')).toMatchObject({ person: '张三', how: 'sentence', text: '局长:王五 副局长:张三(分管政务公开)' });
    expect(tie('成立政务公开工作领导小组 组长：周平')).toMatchObject({ person: '周平', how: 'group' });
    const table = '工作事项 分管领导 责任单位 政府全面工作 熊立新（党委副书记、镇长） 党政综合办公室 政务公开 李春燕（党委委员、副镇长） 党政综合办公室';
    expect(tie(table)).toMatchObject({ how: 'table', person: '李春燕' });
  });
});

describe('leader-disclosure: cards, tables and lists as the page builds them', () => {
  it('a card whose name, title and duties are separate labelled elements', () => {
    const p = htmlPage('<div class="ld-card"><p>姓名：张卫东</p><p>职务：县教育体育局党组成员、副局长</p><p>工作分工：负责办公室、政策法规股工作，分管政务公开、信访工作。</p></div>');
    expect(read(p).tie).toMatchObject({ person: '张卫东', text: expect.stringContaining('分管政务公开') });
  });

  it('a card of unlabelled elements: name, title, a bare list of duties', () => {
    const p = htmlPage('<div class="card"><h3>张卫东</h3><div class="post">副局长</div><div class="duty">办公室、政务公开、财务</div></div>');
    expect(read(p).tie).toMatchObject({ person: '张卫东', how: 'card', text: '张卫东 副局长 办公室、政务公开、财务' });
  });

  it('a leader’s own page: the name is the page title, the duties its body', () => {
    expect(read({ title: '张卫东', text: '县教育体育局党组成员、副局长\n负责办公室、政策法规股工作，分管政务公开、信访工作。' }).tie).toMatchObject({ person: '张卫东' });
  });

  it('a table with a 分工 column: the person in one cell, 政务公开 in another, no duty verb needed', () => {
    const p = htmlPage(`<table><tr><th>姓名</th><th>职务</th><th>分工</th></tr>
<tr><td>王五</td><td>局长</td><td>主持全面工作</td></tr><tr><td>张三</td><td>副局长</td><td>办公室、政务公开、财务</td></tr></table>`);
    expect(p.tables).toHaveLength(1);
    expect(read(p).tie).toMatchObject({ person: '张三', how: 'table', text: '姓名:张三 职务:副局长 分工:办公室、政务公开、财务' });
  });

  it('a table whose cells hold 姓名：… / 职务：… / 分工：…, one leader a row', () => {
    const p = htmlPage(`<table><tr><td>姓名：王五</td><td>职务：局长</td><td>分工：主持全面工作</td></tr>
<tr><td>姓名：张三</td><td>职务：副局长</td><td>分工：负责办公室、政务公开工作</td></tr></table>`);
    expect(read(p).tie).toMatchObject({ person: '张三', how: 'card', text: '姓名:张三 职务:副局长 分工:负责办公室、政务公开工作' });
  });

  it('a table whose 分管领导 cell spans the rows of its duties', () => {
    const p = htmlPage(`<table><tr><td>分管领导</td><td>工作事项</td></tr>
<tr><td rowspan="2">刘卫国</td><td>安全生产</td></tr><tr><td>政务公开</td></tr></table>`);
    expect(read(p).tie).toMatchObject({ person: '刘卫国', how: 'table', text: '分管领导:刘卫国 工作事项:政务公开' });
  });

  it('a definition list: a label and its value, under a heading about 政务公开', () => {
    const p = htmlPage('<h3>政务公开工作</h3><dl><dt>分管领导</dt><dd>刘卫国 副镇长</dd><dt>承办科室</dt><dd>党政综合办公室</dd></dl>');
    expect(read(p).tie).toMatchObject({ person: '刘卫国', how: 'label' });
    const cards = htmlPage('<dl><dt>张三</dt><dd>副局长</dd><dd>负责办公室、政务公开工作</dd></dl>');
    expect(read(cards).tie).toMatchObject({ person: '张三', text: '张三：负责办公室、政务公开工作' });
  });

  it('a label table in a section about 政务公开', () => {
    const p = htmlPage('<p>政务公开工作机构</p><table><tr><td>分管领导</td><td>李四（副镇长）</td></tr><tr><td>承办科室</td><td>党政办</td></tr></table>');
    expect(read(p).tie).toMatchObject({ person: '李四', how: 'label' });
  });
});

describe('leader-disclosure: near misses that do not name the leader, and why', () => {
  const no: [string, MissKind | null][] = [
    ['主要负责人：陈伟明 办公电话：0591-23159658', 'main'],
    ['办公室（人事处）承担机关文电、机要、督查、档案、政务公开、信息等工作。', 'office'],
    ['政务公开工作由办公室负责', 'office'],
    ['政务公开工作由党政综合办公室负责，联系电话：0795-2761008。', 'office'],
    ['领导小组办公室负责我局政务公开相关工作，由郭燕燕、翁玲同志具体承办相关公开事宜', 'office'],
    ['局长王五主持全面工作。\n办公室负责政务公开工作。', 'office'],
    ['分管政务公开工作的领导同志要高度重视', 'unnamed'],
    ['明确一名分管领导负责政务公开工作。', 'unnamed'],
    ['各股室主要负责人为本股室政务公开第一责任人。', 'unnamed'],
    ['政务公开工作由郭燕燕同志具体承办。', 'clerk'],
    ['政务公开联系人：吴晓兰，联系电话：0795-2751206', 'clerk'],
    ['局长：王五 主持全面工作。', 'duties'],
    ['局长：周明亮，主持局全面工作。副局长：彭海燕，负责法治督察、普法与依法治理工作。', 'duties'],
    ['成立安全生产工作领导小组 组长：王五', null],
    ['成立政务公开工作领导小组，领导小组办公室设在党政办，负责日常工作。', 'group'],
    ['调整充实政务公开工作领导小组，明确一名负责同志分管政务公开工作，办公室具体承办。', 'group'],
    ['成立政务公开工作领导小组。\n成立安全生产工作领导小组，组长：王五', 'group'],
    ['张三\n副局长\n政务公开工作由办公室负责', 'office'],
    // Presiding over a meeting about 政务公开 is no charge of it.
    ['副局长张三主持召开政务公开工作会议', 'duties'],
    ['林场明确一名分管领导负责政务公开工作，具体工作由场办公室吴晓梅同志承办。', 'unnamed'],
  ];
  it.each(no)('%s', (text, kind) => {
    const r = read({ text });
    expect(r.tie).toBeNull();
    if (kind) expect(r.misses[kind]).toBeTruthy();
    else expect(r.misses).toEqual({});
  });

  it('only the first matching miss of each kind is kept, clipped and with telephone numbers masked', () => {
    const r = read({ text: '政务公开工作由党政综合办公室负责，联系电话：0795-2761008。' });
    expect(r.misses.office).toBe('政务公开工作由党政综合办公室负责,联系电话:0795-276****08。');
  });

  it('a table of leaders whose duties never include 政务公开', () => {
    const p = htmlPage(`<table><tr><th>姓名</th><th>职务</th><th>分工</th></tr>
<tr><td>王五</td><td>局长</td><td>主持全面工作</td></tr><tr><td>张三</td><td>副局长</td><td>办公室、财务</td></tr></table>`);
    expect(read(p)).toEqual({ tie: null, misses: { duties: '姓名:王五 职务:局长 分工:主持全面工作' } });
  });

  it('a clerk in a name column is not a leader: the 联系人 column does not count', () => {
    const p = htmlPage(`<table><tr><th>工作事项</th><th>联系人</th></tr><tr><td>政务公开</td><td>吴晓兰</td></tr></table>`);
    expect(read(p).tie).toBeNull();
  });

  it('a 分管领导 label outside any section about 政务公开 names nobody for it', () => {
    expect(read({ title: '安全生产工作', text: '分管领导：刘卫国（副镇长）' }).tie).toBeNull();
  });
});

describe('leader-disclosure: crafted pages', () => {
  it('a page of nothing but the vocabulary, without punctuation, is read to the end in bounded pieces', () => {
    const text = '政务公开领导小组组长'.repeat(6_000);
    expect(read({ title: text.slice(0, 100), text })).toMatchObject({ tie: null, misses: { group: expect.any(String) } });
    const named = `${'政务公开领导小组组长'.repeat(6_000)}。副局长张三分管政务公开工作。`;
    expect(read({ text: named }).tie).toMatchObject({ person: '张三' });
  });
});

describe('leader-disclosure: the rule over a snapshot', () => {
  it('a leader page naming the comrade in charge: no finding, and the page and sentence it relied on', () => {
    const { page, snap } = unitWithLeaderPage('局长 王五 主持全面工作。副局长 张三 分管政务公开、办公室工作。');
    expect(run(snap, ctx())).toEqual({
      findings: [],
      inconclusive: [],
      assessed: true,
      observed: { named: '张三（分工表述）', evidencePage: page.url, evidenceText: '副局长 张三 分管政务公开、办公室工作。' },
    });
  });

  it('the duty sentence in the third of several leader pages, or in 机构职能: still named', () => {
    const pages = [item('王五', '2020-03-01'), item('李四', '2020-03-01'), item('张三', '2020-03-01')];
    const texts = ['职务：局长\n工作分工：主持全面工作。', '职务：副局长\n工作分工：负责财务工作。', '职务：副局长\n工作分工：负责办公室工作，分管政务公开、信访工作。'];
    const snap = snapshot({ columns: [column('领导信息', pages)], articles: pages.map((p, i) => article(p, '领导信息', { text: texts[i]! })) });
    expect(run(snap, ctx()).observed).toMatchObject({ named: '张三（领导信息卡片）', evidencePage: pages[2]!.url });

    const org = item('县教育体育局机构职能', '2019-04-12');
    const inOrg = snapshot({
      columns: [column('领导信息', []), column('机构职能', [org])],
      articles: [article(org, '机构职能', { text: '一、主要职责……\n二、本局政务公开工作由党组成员、副局长王建华负责。' })],
    });
    expect(run(inOrg, ctx())).toMatchObject({ findings: [], observed: { named: '王建华（分工表述）', evidencePage: org.url } });
  });

  it('an item title in any column can name the leader', () => {
    const snap = snapshot({
      columns: [column('通知公告', [item('关于明确副局长张三分管政务公开工作的通知', '2020-04-01')])],
    });
    expect(run(snap, ctx())).toMatchObject({ findings: [], observed: { evidenceText: '关于明确副局长张三分管政务公开工作的通知' } });
  });

  it('only the 主要负责人 named: not-named on the leader column, saying so, with the page and sentence', () => {
    const { col, page, snap } = unitWithLeaderPage('主要负责人：赵六 联系电话：0795-2765503');
    const r = run(snap, ctx());
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ rule: 'leader-disclosure', code: 'not-named', url: col.url, column: '领导信息' });
    expect(r.findings[0]!.message).toContain('只公开了主要负责人');
    expect(r.findings[0]!.observed).toMatchObject({
      nearMiss: '只公开了主要负责人',
      evidencePage: page.url,
      evidenceText: '主要负责人:赵六 联系电话:0795-276****03',
      articlesRead: 1,
      pagesRead: [`领导分工（${page.url}）`],
    });
  });

  it('政务公开 assigned to the office only: not-named, saying so', () => {
    const { snap } = unitWithLeaderPage('办公室：负责文电、机要、政务公开、信息等工作。');
    const r = run(snap, ctx());
    expect(r.findings[0]!.observed).toMatchObject({ nearMiss: '政务公开职责落实到办公室而非个人', evidenceText: '办公室:负责文电、机要、政务公开、信息等工作。' });
  });

  it('only a 政务公开领导小组 without a named head: not-named, saying so', () => {
    const { snap } = unitWithLeaderPage('为加强政务公开工作，成立政务公开工作领导小组，领导小组办公室设在党政综合办公室。');
    expect(run(snap, ctx()).findings[0]!.observed.nearMiss).toBe('只提到政务公开工作领导小组，未写明组长');
  });

  it('leaders listed with duties that never include 政务公开: not-named, saying so', () => {
    const { snap } = unitWithLeaderPage('局长：周明亮，主持局全面工作。\n副局长：彭海燕，负责法治督察工作。');
    expect(run(snap, ctx()).findings[0]!.observed).toMatchObject({ nearMiss: '公开了领导分工，但分工中没有政务公开工作', evidenceText: '局长:周明亮,主持局全面工作。' });
  });

  it('the finding points at the leader-information column rather than the organisation column', () => {
    const org = item('机构设置', '2019-01-01');
    const leader = item('局长', '2020-01-01');
    const snap = snapshot({
      columns: [column('机构职能', [org]), column('领导信息', [leader])],
      articles: [article(org, '机构职能', { text: '内设办公室、业务股。' }), article(leader, '领导信息', { text: '局长：王五，主持全面工作。' })],
    });
    expect(run(snap, ctx()).findings[0]!.column).toBe('领导信息');
  });

  it('a unit without any leader column: not-named on its index page', () => {
    const u = unit({ id: 'tgz', type: 'town', name: '棠浦镇' });
    const snap = snapshot({ unit: u, columns: [column('通知公告', [item('通知', '2020-12-01')])] });
    const r = run(snap, ctx());
    expect(r.findings[0]).toMatchObject({ code: 'not-named', url: u.url });
    expect(r.findings[0]!.column).toBeUndefined();
  });

  it('a leader column that could not be read, a leader page not fetched or never read, a page without text: inconclusive', () => {
    const failed = snapshot({ columns: [column('领导信息', [], { status: 'failed' })] });
    const r1 = run(failed, ctx());
    expect(r1.findings).toEqual([]);
    expect(r1.inconclusive).toHaveLength(1);

    const { page, snap } = unitWithLeaderPage('', { fetched: false });
    const r2 = run(snap, ctx());
    expect(r2.findings).toEqual([]);
    expect(r2.inconclusive).toMatchObject([{ url: page.url, column: '领导信息', reason: expect.stringContaining('页面未能读取') }]);

    const never = snapshot({ columns: [column('领导信息', [item('领导分工', '2020-03-01')])] });
    expect(run(never, ctx())).toMatchObject({ findings: [], inconclusive: [{ reason: expect.stringContaining('页面未能读取') }] });

    const image = unitWithLeaderPage('').snap;
    expect(run(image, ctx())).toMatchObject({ findings: [], inconclusive: [{ reason: expect.stringContaining('没有可读的文字') }] });
  });

  it('named elsewhere: no inconclusive even if a leader column failed', () => {
    const snap = snapshot({
      columns: [column('领导信息', [], { status: 'failed' }), column('通知公告', [item('关于明确副局长张三分管政务公开工作的通知', '2020-04-01')])],
    });
    expect(run(snap, ctx())).toMatchObject({ findings: [], inconclusive: [], assessed: true });
  });
});

describe.skipIf(!haveRealpages)('leader-disclosure on the real 平潭 leader pages (needs ../shared/realpages)', () => {
  const page = (file: string) => {
    const a = archivedText(realpage(`leader/${file}`)!);
    return unitWithLeaderPage(a.body, {}, a.title).snap;
  };

  it('61740 (成立政务公开工作领导小组, 组长 林兴禧 副局长): named', () => {
    const a = archivedText(realpage('leader/pingtan-czj-zwgk-ldxz-2016-61740.txt')!);
    expect(tie(a.body)).toMatchObject({ how: 'group', person: '林兴禧' });
    expect(run(page('pingtan-czj-zwgk-ldxz-2016-61740.txt'), ctx())).toMatchObject({ findings: [], observed: { named: '林兴禧（政务公开领导小组组长）' } });
  });

  it('68802 (调整政务公开领导小组, 组 长：沈福泉, clerks 郭燕燕、翁玲): named by the 组长', () => {
    const a = archivedText(realpage('leader/pingtan-gzj-zwgk-ldxz-2019-68802.txt')!);
    expect(tie(a.body)).toMatchObject({ how: 'group', person: '沈福泉' });
    expect(run(page('pingtan-gzj-zwgk-ldxz-2019-68802.txt'), ctx()).findings).toEqual([]);
  });

  it('77151 (职能配置: 主要负责人 陈伟明; 政务公开 with 办公室): not named', () => {
    const r = run(page('pingtan-czj-jgzn-fzr-2022-77151.txt'), ctx());
    expect(r.findings.map((f) => f.code)).toEqual(['not-named']);
    expect(r.findings[0]!.observed).toMatchObject({ nearMiss: '只公开了主要负责人', evidenceText: expect.stringContaining('主要负责人:陈伟明') });
  });

  it('领导之窗 工作分工 list (name only in the breadcrumb, no 政务公开 duty): not named', () => {
    const html = realpage('leader/pingtan-trs-jiyue-ldzc-cjs-gzfg-list.html')!;
    const $ = cheerio.load(html);
    $('script, style').remove();
    const text = $('body').text();
    expect(text).toContain('陈建生');
    expect(tie(text)).toBeNull();
    expect(read(parseArticle(html, 'https://www.pingtan.gov.cn/zwgk/ldzc/cjs/gzfg/')).tie).toBeNull();
  });
});
