import { describe, expect, it } from 'vitest';
import { fieldsStated } from '../../rules/agency-info.ts';
import type { ArticleSnapshot, ColumnSnapshot, ListItem } from '../../src/model/snapshot.ts';
import { archivedText, article, column, haveRealpages, item, realpage, ruleRunner, snapshot, unit } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('agency-info');

const DUTIES = '（一）贯彻执行党和国家的教育方针政策，拟订全县教育事业发展规划并组织实施。（二）负责全县各级各类教育的统筹规划和协调管理。';
const OFFICES = '办公室：负责机关日常运转，承担文电、会务、档案等工作。政策法规股：负责教育法治建设和依法行政工作。';
const CONTACT = '办公地址：宜丰县新昌镇城北路12号 联系电话：0795-2751206';
const HOURS = '办公时间：工作日上午8:00—12:00，下午14:30—17:30';

/** A unit whose 机构职能 column holds the pages with these texts (title → text). */
function withAgency(pages: Record<string, string | Partial<ArticleSnapshot>>, colOver: Partial<ColumnSnapshot> = {}) {
  const items: ListItem[] = [];
  const articles: ArticleSnapshot[] = [];
  for (const [title, page] of Object.entries(pages)) {
    const it = item(title, '2019-04-12');
    items.push(it);
    articles.push(article(it, '机构职能', typeof page === 'string' ? { text: page } : page));
  }
  const col = column('机构职能', items, { category: 'static', ...colOver });
  return snapshot({ columns: [col, column('通知公告', [item('通知', '2020-12-01')])], articles });
}

describe('agency-info: the five fields', () => {
  it('pages stating 机构设置, 工作职能, 办公地址, 办公时间 and 联系方式 are fine', () => {
    const r = run(withAgency({ 县教育体育局主要职责: DUTIES, 县教育体育局内设机构: `${OFFICES}${CONTACT}\n${HOURS}` }));
    expect(r).toEqual({ findings: [], inconclusive: [], assessed: true });
  });

  it('one finding per unit lists what is missing, on the column page', () => {
    const snap = withAgency({ 县教育体育局主要职责: DUTIES, 县教育体育局内设机构: `${OFFICES}${CONTACT}` });
    expect(run(snap).findings).toEqual([
      {
        rule: 'agency-info',
        code: 'missing-fields',
        url: snap.columns[0]!.url,
        column: '机构职能',
        message: '机构职能栏目“机构职能”未公开办公时间',
        observed: { missing: ['办公时间'], found: ['机构设置', '工作职能', '办公地址', '联系方式'], pages: 2, columns: ['机构职能'] },
        highlight: '机构职能',
      },
    ]);
    const bare = run(withAgency({ 县教育体育局主要职责: DUTIES }));
    expect(bare.findings[0]!.observed.missing).toEqual(['机构设置', '办公地址', '办公时间', '联系方式']);
  });

  it('finds the fields in table rows, label lines and prose', () => {
    // A table row flattened cell by cell (办公时间 | 周一至周五 …), and prose without labels.
    expect(fieldsStated('', '单位名称 县司法局\n办公时间 周一至周五 上午8:00-12:00 下午2:30-5:30\n办公地点 宜丰县新昌镇城南大道8号')).toEqual(['办公地址', '办公时间']);
    expect(fieldsStated('', '我局每周一至周五上午8:30—12:00、下午14:30—17:30对外办公，局机关位于宜丰县新昌镇城北路12号。')).toEqual(['办公地址', '办公时间']);
    expect(fieldsStated('', '石市镇人民政府设党政综合办公室、经济发展办公室、财政所。主要职能：执行镇人民代表大会决议，管理本行政区域内经济和社会事务。')).toEqual([
      '机构设置',
      '工作职能',
    ]);
    // Offices listed with their duties state both the 机构设置 and the 职能.
    expect(fieldsStated('', '党政综合办公室：负责日常事务。经济发展办公室：负责经济工作。社会事务办公室：负责社会事务。')).toEqual(['机构设置', '工作职能']);
    expect(fieldsStated('', '咨询邮箱：yfjtj@163.com')).toEqual(['联系方式']);
    expect(fieldsStated('', '联系电话 （0795）2751206')).toEqual(['联系方式']);
  });

  it('does not take a 文号, a date or an empty label for a field', () => {
    expect(fieldsStated('', '宜教体字〔2020〕20201201号 2020年12月1日 办公时间： 联系电话： 内设机构：无 办公地址：')).toEqual([]);
  });
});

describe('agency-info: where the fields are', () => {
  it('a column whose own page is the content is judged on that page', () => {
    const col = column('机构设置', [], { category: 'static' });
    const page = article(item('机构设置', null, { url: col.url }), '机构设置', { text: `${DUTIES}${OFFICES}${CONTACT}` });
    const r = run(snapshot({ columns: [col], articles: [page] }));
    expect(r.findings.map((f) => [f.url, f.observed.missing])).toEqual([[col.url, ['办公时间']]]);
  });

  it('a page elsewhere titled 联系方式 counts, and the most specific column is where a missing field is shown', () => {
    const contact = item('县教育体育局联系方式', '2020-05-01');
    const duties = item('县教育体育局主要职责', '2019-04-12');
    const snap = snapshot({
      columns: [column('单位概况', [duties], { category: 'static' }), column('机构职能', [], { category: 'static' }), column('通知公告', [contact])],
      articles: [article(duties, '单位概况', { text: `${DUTIES}${OFFICES}` }), article(contact, '通知公告', { text: CONTACT })],
    });
    const r = run(snap);
    expect(r.findings.map((f) => [f.column, f.observed.missing])).toEqual([['机构职能', ['办公时间']]]);
  });

  it('a fully read unit without any such column has published none of them', () => {
    const r = run(snapshot({ columns: [column('通知公告', [item('通知', '2020-12-01')])] }));
    expect(r.findings).toEqual([
      expect.objectContaining({ url: unit().url, message: '单位信息公开目录中没有机构职能栏目，未公开机构设置、工作职能、办公地址、办公时间、联系方式', highlight: '县教育体育局' }),
    ]);
    expect(r.findings[0]).not.toHaveProperty('column');
  });
});

describe('agency-info: never a wrong deduction', () => {
  it('a page not read, a column not fully read, or a picture or file on a page makes a missing field inconclusive', () => {
    const unreadPage = withAgency({ 县教育体育局主要职责: DUTIES, 县教育体育局内设机构: { fetched: false, failure: { url: 'x', kind: 'timeout', reason: '请求超时', attempts: 3 } } });
    const partial = withAgency({ 县教育体育局主要职责: `${DUTIES}${OFFICES}${CONTACT}` }, { status: 'partial' });
    const picture = withAgency({ 县教育体育局主要职责: `${DUTIES}${CONTACT}`, 机构设置图: { text: '县教育体育局机构设置图如下：', images: 1 } });
    const file = withAgency({ 县教育体育局主要职责: `${DUTIES}${CONTACT}`, 县教育体育局内设机构: { text: '', downloads: [{ url: 'http://portal.test/jg.pdf', text: '内设机构.pdf' }] } });
    const reasons = [unreadPage, partial, picture, file].map((snap) => {
      const r = run(snap);
      expect(r.findings).toEqual([]);
      return r.inconclusive.map((i) => i.reason);
    });
    expect(reasons).toEqual([
      ['机构职能信息中未找到机构设置、办公地址、办公时间、联系方式，但“县教育体育局内设机构”无法读取（请求超时），无法确认'],
      ['机构职能信息中未找到办公时间，但栏目“机构职能”未能完整读取，无法确认'],
      ['机构职能信息中未找到机构设置、办公时间，但“机构设置图”含图片或附件，无法确认'],
      ['机构职能信息中未找到机构设置、办公时间，但“县教育体育局内设机构”含图片或附件，无法确认'],
    ]);
  });

  it('a unit without such a column whose directory was not read in full is inconclusive', () => {
    const r = run(snapshot({ status: 'partial', columns: [column('通知公告', [item('通知', '2020-12-01')], { status: 'failed' })] }));
    expect([r.findings.length, r.inconclusive.map((i) => i.reason)]).toEqual([0, [expect.stringContaining('栏目“通知公告”未能完整读取')]]);
  });
});

describe.skipIf(!haveRealpages)('agency-info on a real page (平潭综合实验区财政金融局 职能配置、内设机构及办公地址)', () => {
  it('states all five fields', () => {
    const real = archivedText(realpage('leader/pingtan-czj-jgzn-fzr-2022-77151.txt')!);
    expect(fieldsStated(real.title, real.body)).toEqual(['机构设置', '工作职能', '办公地址', '办公时间', '联系方式']);
    // Without its last lines (contact block), only the organisation and duties remain.
    const body = real.body.slice(0, real.body.indexOf('主要负责人：'));
    expect(fieldsStated(real.title, body)).toEqual(['机构设置', '工作职能']);
  });
});
