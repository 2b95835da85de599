import { describe, expect, it } from 'vitest';
import { maskPersonalData } from '../../src/lib/personal-data.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import type { ArticleSnapshot, AttachmentSnapshot, ListItem } from '../../src/model/snapshot.ts';
import { article, column, ctx, item, PORTAL, ruleRunner, scheme, snapshot, unit, withSettings } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('privacy-leak');

// Invented numbers: check digits by GB 11643, the card by Luhn.
const ID = '360922198503151237';
const ID_BAD_CHECK = '360922198503151238';
const CARD = '6222021234567890128';

/** An article as the crawl leaves it: its text masked, the hits recorded (src/lib/personal-data.ts). */
function scanned(of: ListItem, col: string, body: string, over: Partial<ArticleSnapshot> = {}): ArticleSnapshot {
  const m = maskPersonalData(body);
  return article(of, col, { text: m.text, personalData: m.hits, ...over });
}

function attachment(name: string, text: string | null, over: Partial<AttachmentSnapshot> = {}): AttachmentSnapshot {
  const url = `${PORTAL}/f/${encodeURIComponent(name)}`;
  if (text === null) return { url, name, format: 'xls', unreadable: 'XLS 格式没有可用的读取程序，未下载', ...over };
  const m = maskPersonalData(text);
  return { url, name, format: 'pdf', bytes: 1000, text: m.text, personalData: m.hits, ...over };
}

function unitWith(pages: Array<[ListItem, ArticleSnapshot]>, over: Parameters<typeof snapshot>[0] = {}) {
  return snapshot({ columns: [column('通知公告', pages.map(([it]) => it))], articles: pages.map(([, a]) => a), ...over });
}

describe('privacy-leak: ID numbers', () => {
  it('reports an unmasked ID number on a page, showing it masked only', () => {
    const it1 = item('关于低保对象的公示', '2020-12-10');
    const r = run(unitWith([[it1, scanned(it1, '通知公告', `经审核，张三（身份证号：${ID}）符合条件。`)]]));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      code: 'id-number',
      url: it1.url,
      column: '通知公告',
      message: '页面“关于低保对象的公示”中有 1 个未遮盖的居民身份证号码（如 3609**********1237，此处已遮盖）',
      observed: { title: '关于低保对象的公示', count: 1, examples: ['3609**********1237'], pagesChecked: 1, attachmentsChecked: 0 },
      highlight: '3609**********1237',
    });
    expect(JSON.stringify(r)).not.toContain(ID);
  });

  it('does not report masked numbers, or a valid-looking number whose check digit fails', () => {
    const a = item('关于补助发放的公示', '2020-12-10');
    const b = item('关于编号的说明', '2020-12-09');
    const r = run(
      unitWith([
        [a, scanned(a, '通知公告', '李四 3624**********1234 已领取；王五 362422********123X 已领取。')],
        [b, scanned(b, '通知公告', `档案编号 ${ID_BAD_CHECK}。`)],
      ]),
    );
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toEqual([]);
  });

  it('reports an ID number in an attachment, at the attachment, with the page it is linked from', () => {
    const it1 = item('关于2020年度补助资金的公示', '2020-12-10');
    const page = scanned(it1, '通知公告', '名单见附件。', {
      attachments: [attachment('补助名单.pdf', `姓名 身份证号\n张三 ${ID}\n李四 11010519491231002X`), attachment('说明.pdf', '本名单已公示七天。')],
    });
    const r = run(unitWith([[it1, page]]));
    expect(r.findings.map((f) => [f.code, f.url, f.highlight, f.observed['linkedFrom'], f.observed['count']])).toEqual([
      ['id-number', `${PORTAL}/f/${encodeURIComponent('补助名单.pdf')}`, '补助名单.pdf', it1.url, 2],
    ]);
    expect(r.findings[0]!.message).toBe('附件《补助名单.pdf》中有 2 个未遮盖的居民身份证号码（如 3609**********1237，此处已遮盖）');
    expect(r.findings[0]!.observed).toMatchObject({ pagesChecked: 1, attachmentsChecked: 2 });
  });

  it('a list item that is a file: reported at the file, pictured on its list; unread, inconclusive', () => {
    const it1 = item('关于救助对象名单的公示', '2020-12-10', { url: `${PORTAL}/down.jsp?id=1` });
    const it2 = item('关于补助名单的公示', '2020-12-09', { url: `${PORTAL}/down.jsp?id=2` });
    const file = (it: ListItem, attachments: AttachmentSnapshot[]) => article(it, '通知公告', { title: '', text: '', isFile: true, personalData: undefined, attachments });
    const leak = maskPersonalData(`张三 ${ID}`);
    const snap = unitWith([
      [it1, file(it1, [{ url: it1.url, name: '', format: 'pdf', bytes: 900, text: leak.text, personalData: leak.hits }])],
      [it2, file(it2, [{ url: it2.url, name: '', format: 'unknown', unreadable: '无法识别文件格式' }])],
    ]);
    const r = run(snap);
    expect(r.findings.map((f) => [f.code, f.url, f.observed['linkedFrom'], f.highlight])).toEqual([['id-number', it1.url, snap.columns[0]!.url, '关于救助对象名单的公示']]);
    expect(r.inconclusive.map((i) => [i.url, i.reason])).toEqual([[it2.url, '该信息是文件，未能读取，未检查其中是否有个人信息：《关于补助名单的公示》（无法识别文件格式）']]);
  });

  it('an attachment several pages link to is one finding', () => {
    const a = item('公示一', '2020-12-10');
    const b = item('公示二', '2020-12-11');
    const att = attachment('名单.pdf', `张三 ${ID}`);
    const r = run(unitWith([[a, scanned(a, '通知公告', '见附件。', { attachments: [att] })], [b, scanned(b, '通知公告', '见附件。', { attachments: [att] })]]));
    expect(r.findings).toHaveLength(1);
  });
});

describe('privacy-leak: mobiles and cards (advisory in the scheme)', () => {
  it('reports a mobile or a Luhn-valid card beside a name, not the office’s published numbers', () => {
    const it1 = item('关于困难群众慰问金发放的公示', '2020-12-10');
    const text = `低保户张三 13912345678 已发放。收款人李四，卡号 ${CARD}。联系电话：13812345678。联系人：王五 13712345678。金额 6217001234567893。`;
    const r = run(unitWith([[it1, scanned(it1, '通知公告', text)]]));
    expect(r.findings.map((f) => [f.code, f.observed['examples']])).toEqual([
      ['mobile', ['139****5678']],
      ['bank-card', ['6222***********0128']],
    ]);
  });

  it('a number beside a body’s name or an ordinary word is not personal', () => {
    const it1 = item('关于收费的通知', '2020-12-10');
    const r = run(unitWith([[it1, scanned(it1, '通知公告', `县财政局 13912345678；方式 13712345678；余额 ${CARD}。`)]]));
    expect(r.findings).toEqual([]);
  });
});

describe('privacy-leak: what could not be checked', () => {
  it('an attachment that could not be read is inconclusive (never a finding); one that was read is not', () => {
    const it1 = item('关于名单的公示', '2020-12-10');
    const page = scanned(it1, '通知公告', '名单见附件。', {
      attachments: [
        attachment('名单.xls', null),
        attachment('名单.pdf', '', { text: undefined, personalData: undefined, unreadable: '附件中没有可提取的文字（可能是扫描图片）' }),
        attachment('说明.pdf', '已公示。'),
      ],
    });
    const r = run(unitWith([[it1, page]]));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toEqual([
      {
        rule: 'privacy-leak',
        url: it1.url,
        column: '通知公告',
        reason: '页面“关于名单的公示”的附件未能读取，未检查其中是否有个人信息：《名单.xls》（XLS 格式没有可用的读取程序，未下载）；《名单.pdf》（附件中没有可提取的文字（可能是扫描图片））',
      },
    ]);
  });

  it('a page not read, a page of an old snapshot (not scanned) and a failed column are inconclusive', () => {
    const a = item('甲', '2020-12-10');
    const b = item('乙', '2020-12-09');
    const snap = snapshot({
      columns: [column('通知公告', [a, b]), column('政策文件', [], { status: 'failed' })],
      articles: [
        article(a, '通知公告', { fetched: false, failure: { url: a.url, kind: 'timeout', reason: '超时', attempts: 3 } }),
        article(b, '通知公告', { text: '旧正文', personalData: undefined }),
      ],
    });
    const r = run(snap);
    expect(r.findings).toEqual([]);
    expect(r.inconclusive.map((i) => [i.url, i.reason])).toEqual([
      [a.url, '页面未能读取，未检查其中是否有个人信息'],
      [snap.unit.url, '1 篇页面取自旧快照（当时尚未检查个人信息），需重新抓取后判断'],
      [snap.columns[1]!.url, '栏目列表未能读取，其中的信息未检查是否有个人信息'],
    ]);
  });

  it('a page of another unit the crawl read as a link target is not this unit’s', () => {
    const it1 = item('政策解读', '2020-12-10');
    const other = item('别的单位的公示', '2020-12-01', { url: `${PORTAL}/other/1.html` });
    const r = run(unitWith([[it1, scanned(it1, '通知公告', '解读正文。')]], { articles: [scanned(it1, '通知公告', '解读正文。'), scanned(other, '通知公告', `张三 ${ID}`)] }));
    expect(r.findings).toEqual([]);
  });
});

describe('privacy-leak: scheme and plan', () => {
  it('asks for the newest articles of judged columns and list-like titles, with their attachments', () => {
    const plan = planGather(scheme());
    const reads = plan.forColumn(['通知公告']).reads.filter((r) => r.attachments);
    expect(reads).toEqual([
      { max: 5, newest: true, attachments: 'text' },
      { titles: expect.arrayContaining(['公示', '名单']), max: 10, newest: true, attachments: 'text' },
    ]);
    expect(plan.forColumn(['工作动态']).reads.filter((r) => r.attachments)).toEqual([]);
    const fewer = planGather(withSettings('privacy-leak', { perColumn: 2 }));
    expect(fewer.forColumn(['通知公告']).reads.find((r) => r.attachments && !r.titles)?.max).toBe(2);
  });

  it('the ID number counts against the departments’ indicator only; mobiles and cards are advisory', () => {
    const ind = scheme().indicators.filter((i) => i.rule === 'privacy-leak');
    expect(ind.map((i) => [i.codes, i.points])).toEqual([
      [['id-number'], { department: 1, town: 0, farm: 0 }],
      [['mobile', 'bank-card'], { department: 0, town: 0, farm: 0 }],
    ]);
    // The rule's own context: a town's findings are the same; scoring decides they do not apply.
    const it1 = item('公示', '2020-12-10');
    const town = unitWith([[it1, scanned(it1, '通知公告', `张三 ${ID}`)]], { unit: unit({ id: 'xzz', type: 'town' }) });
    expect(run(town, ctx()).findings.map((f) => f.code)).toEqual(['id-number']);
  });
});
