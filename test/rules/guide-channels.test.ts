import { describe, expect, it } from 'vitest';
import { channelsNamed } from '../../rules/guide-channels.ts';
import type { ArticleSnapshot, ColumnSnapshot } from '../../src/model/snapshot.ts';
import { archivedText, article, column, ctx, haveRealpages, item, realpage, ruleRunner, scheme, snapshot, unit, withSettings } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('guide-channels');
const S = () => scheme().settings['guide-channels'];

const PREAMBLE =
  '为了更好地为公民、法人和其他组织获取政府信息提供服务，根据《中华人民共和国政府信息公开条例》，编制本指南。本指南每年更新。' +
  '一、主动公开。（一）公开范围。主动公开的政府信息包括机构职能、政策文件、规划计划、人事信息、财政预决算、行政执法等。' +
  '（二）公开方式。主要通过县人民政府门户网站政府信息公开平台公开，并辅以政务新媒体、公开栏等方式。' +
  '（三）公开时限。属于主动公开范围的政府信息，自该信息形成或者变更之日起20个工作日内予以公开。二、依申请公开。';
const FULL = `${PREAMBLE}申请人可通过网上申请、信函申请、传真申请或当面申请等方式提出申请。受理机构：办公室；地址：宜丰县新昌镇城北路12号；邮政编码：336300；传真：0795-2751207。`;
const NO_FAX = `${PREAMBLE}申请人可通过网上申请、信函申请或当面申请等方式提出申请。受理机构：办公室；地址：宜丰县新昌镇城北路12号；邮政编码：336300。`;

/** A unit whose 信息公开指南 column holds one guide page with the given text. */
function withGuide(text: string, over: Partial<ArticleSnapshot> = {}, extra: ColumnSnapshot[] = []) {
  const g = item('县教育体育局政府信息公开指南', '2020-03-20');
  const col = column('信息公开指南', [g], { category: 'static' });
  return snapshot({ columns: [col, column('通知公告', [item('通知', '2020-12-01')]), ...extra], articles: [article(g, '信息公开指南', { text, ...over })] });
}

describe('guide-channels: which channels a guide names', () => {
  it('a guide naming the online, letter and fax channels is fine', () => {
    expect(run(withGuide(FULL))).toEqual({ findings: [], inconclusive: [], assessed: true });
  });

  it('lists the channels the guide does not name, on the guide page', () => {
    const r = run(withGuide(`${PREAMBLE}申请人可通过在线申请、信函申请、当面申请等方式提出申请。`));
    expect(r.findings).toEqual([
      expect.objectContaining({
        code: 'missing-channel',
        url: expect.stringContaining('/art/'),
        column: '信息公开指南',
        message: '信息公开指南“县教育体育局政府信息公开指南”未明确传真申请渠道',
        observed: { guide: '县教育体育局政府信息公开指南', missing: ['传真'], named: ['网络', '信函'] },
        highlight: '县教育体育局政府信息公开指南',
      }),
    ]);
  });

  it('a postcode is no letter channel, and a refused channel is not named', () => {
    expect(channelsNamed('申请人可通过网上申请。地址：新昌镇；邮政编码：336300；传真：0795-1', S())).toEqual({ named: ['网络', '传真'], refused: [] });
    expect(channelsNamed('可通过互联网、邮寄方式提出申请。本机关暂不受理传真、电子邮件申请。', S())).toEqual({ named: ['网络', '信函'], refused: ['传真'] });
    // The refusal belongs to its own clause.
    expect(channelsNamed('可以通过信函、传真提出申请，不受理电话申请。可通过在线平台申请。', S()).named).toEqual(['网络', '信函', '传真']);
    const r = run(withGuide(`${PREAMBLE}可通过互联网、邮寄方式提出申请。本机关暂不受理传真申请。`));
    expect(r.findings[0]!.message).toBe('信息公开指南“县教育体育局政府信息公开指南”未明确传真申请渠道（写明不受理传真申请）');
    expect(r.findings[0]!.observed.refused).toEqual(['传真']);
  });

  it('the scheme can ask for other channels', () => {
    const s = withSettings('guide-channels', { channels: { 网络: ['网上'], 信函: ['信函'], 传真: ['传真'], 当面: ['当面', '现场'] } });
    expect(run(withGuide(FULL), ctx({ scheme: s })).findings).toEqual([]);
    expect(run(withGuide(FULL.replace('或当面申请', '')), ctx({ scheme: s })).findings[0]!.observed.missing).toEqual(['当面']);
  });
});

describe('guide-channels: where the guide is', () => {
  it('finds a guide filed in another column by its title, and judges only the 指南 of a guide column', () => {
    const g = item('县教育体育局政府信息公开指南', '2021-01-05');
    const form = item('政府信息公开申请表', '2020-03-20');
    const snap = snapshot({
      columns: [column('机构设置、主要职能、办事程序', [g], { category: 'static' }), column('依申请公开', [form])],
      articles: [article(g, '机构设置、主要职能、办事程序', { text: NO_FAX }), article(form, '依申请公开', { text: '附件：申请表.doc' })],
    });
    expect(run(snap).findings.map((f) => [f.code, f.url, f.observed.missing])).toEqual([['missing-channel', g.url, ['传真']]]);
    const inColumn = withGuide(FULL, {}, []);
    const formItem = item('政府信息公开申请表', '2020-03-20');
    inColumn.columns[0]!.items.push(formItem);
    inColumn.articles[formItem.url] = article(formItem, '信息公开指南', { text: '附件：申请表.doc' });
    expect(run(inColumn)).toEqual({ findings: [], inconclusive: [], assessed: true });
  });

  it('a column whose own page is the guide is judged on that page', () => {
    const col = column('信息公开指南', [], { category: 'static' });
    const page = article(item('政府信息公开指南', null, { url: col.url }), '信息公开指南', { text: NO_FAX });
    const r = run(snapshot({ columns: [col], articles: [page] }));
    expect(r.findings.map((f) => [f.code, f.url])).toEqual([['missing-channel', col.url]]);
  });

  it('a fully read unit without a guide is reported; an empty guide column is reported on the column', () => {
    const none = run(snapshot({ columns: [column('通知公告', [item('通知', '2020-12-01')])] }));
    expect(none.findings).toEqual([
      expect.objectContaining({ code: 'missing-guide', url: unit().url, message: '单位信息公开目录中没有政府信息公开指南', highlight: '县教育体育局' }),
    ]);
    const col = column('信息公开指南', [], { category: 'static' });
    const empty = run(snapshot({ columns: [col] }));
    expect(empty.findings.map((f) => [f.code, f.url, f.message])).toEqual([['missing-guide', col.url, '信息公开指南栏目“信息公开指南”中没有公开指南']]);
  });
});

describe('guide-channels: never a wrong deduction', () => {
  it('no guide found while some column was not read in full is inconclusive', () => {
    const r = run(snapshot({ status: 'partial', columns: [column('通知公告', [item('通知', '2020-12-01')], { status: 'partial' })] }));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive.map((i) => i.reason)).toEqual(['未找到信息公开指南，栏目“通知公告”未能完整读取']);
  });

  it('a guide page that could not be read, or that holds almost no text (an attachment), is inconclusive', () => {
    const failed = run(withGuide('', { fetched: false, failure: { url: 'x', kind: 'http-error', status: 500, reason: '服务器返回 HTTP 500', attempts: 3 } }));
    expect(failed.findings).toEqual([]);
    expect(failed.inconclusive).toEqual([expect.objectContaining({ codes: ['missing-channel'], reason: expect.stringContaining('无法读取（服务器返回 HTTP 500）') })]);
    const attachment = run(withGuide('详见附件：县教育体育局政府信息公开指南.pdf', { downloads: [{ url: 'http://portal.test/a.pdf', text: '指南.pdf' }] }));
    expect(attachment.findings).toEqual([]);
    expect(attachment.inconclusive[0]!.reason).toContain('指南可能在附件或图片中');
  });
});

describe.skipIf(!haveRealpages)('guide-channels on real guides (平潭综合实验区)', () => {
  it.each([
    ['guide/pingtan-syq-zfxxgkzn-51587.txt', '政府信息公开指南'],
    ['guide/pingtan-gaj-zfxxgkzn-75045.txt', '机构设置、主要职能、办事程序'],
  ])('%s names online and letter applications but not fax', (file, columnName) => {
    const real = archivedText(realpage(file)!);
    const g = item(real.title, real.published);
    const snap = snapshot({ columns: [column(columnName, [g], { category: 'static' })], articles: [article(g, columnName, { text: real.body })] });
    const r = run(snap);
    expect(r.inconclusive).toEqual([]);
    expect(r.findings.map((f) => [f.code, f.url, f.observed.missing, f.observed.named])).toEqual([['missing-channel', g.url, ['传真'], ['网络', '信函']]]);
  });
});
