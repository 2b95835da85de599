import { describe, expect, it } from 'vitest';
import type { ArticleSnapshot, ListItem } from '../../src/model/snapshot.ts';
import { article, column, ctx, item, PORTAL, ruleRunner, snapshot, withSettings } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('normative-docs');
const COL = '法规文件/规范性文件';

/** A document page as the parser records it: every field shown and a PDF attachment, unless stated. */
function doc(title: string, over: Partial<ArticleSnapshot> = {}, itemOver: Partial<ListItem> = {}) {
  const it = item(title, '2020-06-01', itemOver);
  const a = article(it, COL, {
    docNumber: '宜府规〔2020〕1号',
    written: '2020-05-28',
    validity: '有效',
    text: '第一条 为规范……制定本办法。第二十条 本办法自印发之日起施行。',
    downloads: [{ url: `${PORTAL}/xxgk/P020200601.pdf`, text: '宜丰县某管理办法.pdf' }],
    images: 0,
    scriptedAttachments: false,
    format: 2,
    ...over,
  });
  return { it, a };
}

function unitWith(docs: { it: ListItem; a?: ArticleSnapshot }[], colOver = {}) {
  const col = column(COL, docs.map((d) => d.it), colOver);
  return snapshot({ columns: [col, column('通知公告', [item('通知', '2020-12-01')])], articles: docs.flatMap((d) => (d.a ? [d.a] : [])) });
}

const codes = (snap: ReturnType<typeof unitWith>) => run(snap).findings.map((f) => [f.code, f.observed.missing ?? null]);

describe('normative-docs: the four fields', () => {
  it('a document showing 文号, 成文日期, 发布时间 and 有效性 with an attachment is fine', () => {
    const r = run(unitWith([doc('宜丰县某管理办法')]));
    expect(r).toEqual({ findings: [], inconclusive: [], assessed: true });
  });

  it('lists what a document does not show, one finding per document', () => {
    const r = run(unitWith([doc('宜丰县甲办法', { validity: null }), doc('宜丰县乙办法', { docNumber: null, written: null })]));
    expect(r.findings.map((f) => [f.code, f.url, f.observed.missing, f.highlight])).toEqual([
      ['missing-fields', expect.stringContaining('/art/'), ['有效性'], '宜丰县甲办法'],
      ['missing-fields', expect.stringContaining('/art/'), ['文号', '成文日期'], '宜丰县乙办法'],
    ]);
    expect(r.findings[0]!.message).toBe('规范性文件“宜丰县甲办法”未列明有效性');
    expect(r.findings[1]!.observed).toMatchObject({ published: '2020-06-01', validity: '有效', docNumber: null });
  });

  it('a validity period or state in the text counts as 有效性', () => {
    const phrases = [
      '第三十条 本办法自2020年7月1日起施行，有效期5年。',
      '本规定自发布之日起施行，有效期至2025年12月31日。',
      '本意见自印发之日起实施，有效期为三年。',
      '（本文件现行有效）',
      '本办法已废止。',
    ];
    for (const text of phrases) expect(codes(unitWith([doc('宜丰县某办法', { validity: null, text })])), text).toEqual([]);
    // 施行 without any period is not a validity.
    expect(codes(unitWith([doc('宜丰县某办法', { validity: null, text: '本办法自2020年7月1日起施行。' })]))).toEqual([['missing-fields', ['有效性']]]);
  });

  it('takes the 发布时间 the list shows when the page has none, not a date guessed from the address', () => {
    expect(codes(unitWith([doc('宜丰县某办法', { published: null })]))).toEqual([]);
    expect(codes(unitWith([doc('宜丰县某办法', { published: null }, { dateSource: 'url' })]))).toEqual([['missing-fields', ['发布时间']]]);
  });
});

describe('normative-docs: text download', () => {
  it('an attachment of a text type or a 下载 link is a download; a page without either is reported', () => {
    const word = doc('宜丰县甲办法', { downloads: [{ url: `${PORTAL}/module/download/downfile.jsp?filename=a.docx`, text: '附件1' }] });
    const button = doc('宜丰县乙办法', { downloads: [{ url: `${PORTAL}/art/1.html`, text: '【下载】' }] });
    const none = doc('宜丰县丙办法', { downloads: [] });
    const sheetOnly = doc('宜丰县丁办法', { downloads: [{ url: `${PORTAL}/u/biao.xls`, text: '申报表' }] });
    const r = run(unitWith([word, button, none, sheetOnly]));
    expect(r.findings.map((f) => [f.code, f.observed.title])).toEqual([
      ['no-download', '宜丰县丙办法'],
      ['no-download', '宜丰县丁办法'],
    ]);
    expect(r.findings[0]!.message).toBe('规范性文件“宜丰县丙办法”页面没有附件或下载链接，未提供文本下载');
    expect(r.inconclusive).toEqual([]);
  });

  it('a list entry that is itself a PDF is downloadable; its fields cannot be read (inconclusive, not missing)', () => {
    const pdf = doc('宜丰县某办法', { title: '', text: '', docNumber: null, written: null, validity: undefined, published: null, downloads: [{ url: `${PORTAL}/u/a.pdf`, text: '' }] }, { url: `${PORTAL}/u/a.pdf` });
    const r = run(unitWith([pdf]));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive.map((i) => [i.url, i.codes])).toEqual([[`${PORTAL}/u/a.pdf`, ['missing-fields']]]);
  });

  it('an attachment list drawn by a page script is inconclusive for the download, not missing', () => {
    const r = run(unitWith([doc('宜丰县某办法', { downloads: [], scriptedAttachments: true })]));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toEqual([expect.objectContaining({ codes: ['no-download'], reason: expect.stringContaining('脚本') })]);
  });
});

describe('normative-docs: what could not be read, and units without such matter', () => {
  it('a page that failed, a stored article of an old format and an unopened document are inconclusive', () => {
    const failed = doc('宜丰县甲办法', { fetched: false, failure: { url: 'x', kind: 'timeout', reason: '请求超时', attempts: 3 } });
    const old = doc('宜丰县乙办法', { validity: undefined, downloads: undefined, images: undefined, scriptedAttachments: undefined, format: undefined });
    const unopened = { it: item('宜丰县丙办法', '2020-03-01') };
    const r = run(unitWith([failed, old, unopened]));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive.map((i) => i.reason)).toEqual([
      '规范性文件“宜丰县甲办法”页面无法读取（请求超时）',
      '规范性文件“宜丰县乙办法”的快照由旧版本程序生成，未记录有效性和下载链接，需重新抓取',
      '规范性文件栏目“法规文件/规范性文件”有 1 份文件未打开（如“宜丰县丙办法”），未检查',
    ]);
    expect(r.assessed).toBe(true);
  });

  it('a column not fully read is inconclusive; the documents that were read are still judged', () => {
    const r = run(unitWith([doc('宜丰县某办法', { validity: null })], { status: 'partial' }));
    expect(r.findings.map((f) => f.code)).toEqual(['missing-fields']);
    expect(r.inconclusive.map((i) => i.reason)).toEqual(['规范性文件栏目“法规文件/规范性文件”未能完整读取，可能漏看部分文件']);
  });

  it('skips interpretations and catalogues in the column, and documents dated after the as-of date', () => {
    const interp = doc('《宜丰县某管理办法》政策解读', { validity: null, downloads: [] });
    const later = doc('宜丰县新办法', { validity: null }, { date: '2021-02-01' });
    expect(run(unitWith([interp, later]))).toEqual({ findings: [], inconclusive: [], assessed: false });
    const scheme = withSettings('normative-docs', { notDocuments: ['目录'] });
    expect(run(unitWith([interp]), ctx({ scheme })).findings.map((f) => f.code)).toEqual(['missing-fields', 'no-download']);
  });

  it('a unit without a 规范性文件 column, or with an empty one, is not assessed (the average)', () => {
    expect(run(snapshot({ columns: [column('通知公告', [item('通知', '2020-12-01')])] }))).toEqual({ findings: [], inconclusive: [], assessed: false });
    expect(run(unitWith([]))).toEqual({ findings: [], inconclusive: [], assessed: false });
    const failed = run(unitWith([], { status: 'failed' }));
    expect([failed.assessed, failed.inconclusive.length]).toEqual([true, 1]);
  });
});
