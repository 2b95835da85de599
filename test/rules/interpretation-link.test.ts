import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { docNumbers, isInterpretationTitle, policyNames } from '../../rules/interpretation-link.ts';
import type { ArticleSnapshot, LinkRef, ListItem } from '../../src/model/snapshot.ts';
import { archivedText, article, column, ctx, haveRealpages, item, link, PORTAL, realpage, scheme, snapshot, ruleRunner } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('interpretation-link');

const S = () => scheme().settings['interpretation-link'];
const PROVINCE = 'http://127.0.0.2:8080';
const TITLE = '关于《宜丰县城乡居民就业补贴管理办法》的政策解读';
const POLICY = '宜丰县人民政府办公室关于印发《宜丰县城乡居民就业补贴管理办法》的通知';
const TEXT = '一、出台背景 为稳就业，制定本办法。二、主要内容 补贴对象为本县城乡居民。';

/** One 政策解读 column with the given interpretations (title, date, article overrides). */
function unitWith(entries: { title?: string; date?: string | null; over?: Partial<ArticleSnapshot> }[], extra: ListItem[] = []) {
  const items = entries.map((e) => item(e.title ?? TITLE, e.date === undefined ? '2020-06-01' : e.date));
  const articles = entries.map((e, i) => article(items[i]!, '政策解读', { text: TEXT, source: '宜丰县人力资源和社会保障局', ...e.over }));
  return { items, snap: snapshot({ columns: [column('政策解读', [...items, ...extra])], articles }) };
}
const judge = (entries: Parameters<typeof unitWith>[0], over: Parameters<typeof ctx>[0] = {}) => run(unitWith(entries).snap, ctx(over));
const codes = (r: ReturnType<typeof run>) => r.findings.map((f) => f.code);

describe('interpretation-link: which titles are interpretations', () => {
  const cases: [string, boolean][] = [
    [TITLE, true],
    ['《宜丰县人民政府关于进一步稳就业的通知》政策解读', true],
    ['关于修订〈宜丰县XX办法〉的通知的解读', true],
    ['图解：宜丰县2020年稳就业实施方案', true],
    ['一图读懂《宜丰县2020年稳就业实施方案》', true],
    ['县人社局负责人就《就业补贴办法》答记者问', true],
    ['《宜丰县就业补贴管理办法》政策解读（图文）', true],
    // the policies themselves, mixed into the same column
    [POLICY, false],
    ['关于印发《宜丰县政策解读工作制度》的通知', false],
    ['县人社局关于做好政策解读工作的通知', false],
    ['宜丰县城乡居民就业补贴管理办法', false],
  ];
  it.each(cases)('%s → %s', (title, yes) => expect(isInterpretationTitle(title, S())).toBe(yes));

  it('names and 文号 of the interpreted policy are taken from the title and text', () => {
    expect(policyNames(TITLE)).toEqual(['宜丰县城乡居民就业补贴管理办法']);
    expect(policyNames('宜丰县教体局关于学生资助办法的政策解读')).toEqual(['学生资助办法']);
    expect(docNumbers('相关文件：…的通知（宜府办发〔2020〕12号）及（岚综管办规［2023］12号）')).toEqual(['办发[2020]12号', '办规[2023]12号']);
    expect(docNumbers('府办发(2020)12号')).toEqual(docNumbers('宜府办发〔2020〕12号'));
  });
});

describe('interpretation-link: which interpretations are judged', () => {
  it('only interpretations dated in year Y; a unit without any is not assessed', () => {
    const r = judge([{ date: '2019-11-01' }, { title: POLICY, date: '2020-06-01' }]);
    expect(r).toEqual({ findings: [], inconclusive: [], assessed: false });
  });

  it('an undated interpretation cannot be placed in the year and is not judged', () => {
    expect(judge([{ date: null, over: { published: null } }]).assessed).toBe(false);
  });

  it("the article's 发布日期 wins over the list date", () => {
    const r = judge([{ date: '2020-12-30', over: { published: '2021-01-02' } }]);
    expect(r.assessed).toBe(false);
  });

  it('an interpretation page that could not be fetched is inconclusive', () => {
    const r = judge([{ over: { fetched: false } }]);
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toHaveLength(1);
    expect(r.assessed).toBe(true);
  });

  it('a column not fully read is inconclusive even when no interpretation was seen', () => {
    const snap = snapshot({ columns: [column('政策解读', [], { status: 'failed' })] });
    const r = run(snap, ctx());
    expect(r.assessed).toBe(true);
    expect(r.inconclusive).toHaveLength(1);
  });
});

describe('interpretation-link: no-link', () => {
  it('a link labelled 原文 on the portal that works: fine', () => {
    expect(codes(judge([{ over: { links: [link(`${PORTAL}/art/p1.html`, '原文链接')] } }]))).toEqual([]);
  });

  it("a bare link whose text is the policy's title (the real 77012 style): fine", () => {
    expect(codes(judge([{ over: { links: [link(`${PORTAL}/art/p1.html`, POLICY)] } }]))).toEqual([]);
  });

  it("the policy's 文号 in the link's context: fine", () => {
    const l = link(`${PORTAL}/art/p1.html`, '点击查看', { context: '详见（宜府办发〔2020〕12号）点击查看' });
    const text = `${TEXT} 依据宜府办发〔2020〕12号文件制定。`;
    expect(codes(judge([{ over: { text, links: [l] } }]))).toEqual([]);
  });

  it("the linked page's title naming the policy: fine", () => {
    const l = link(`${PORTAL}/art/p1.html`, '这里', { check: { status: 200, ok: true, title: POLICY } });
    expect(codes(judge([{ over: { links: [l] } }]))).toEqual([]);
  });

  it('the original named in plain text without a link: no-link, with the mention to highlight', () => {
    const text = `${TEXT} 相关文件：${POLICY}（宜府办发〔2020〕12号）`;
    const r = judge([{ over: { text } }]);
    expect(codes(r)).toEqual(['no-link']);
    expect(r.findings[0]!.message).toContain('只以文字提及');
    expect(r.findings[0]!.highlight).toMatch(/^相关文件：/);
  });

  it('only unrelated links, images, or a link back to itself: no-link', () => {
    const { items, snap } = unitWith([{}]);
    const a = snap.articles[items[0]!.url]!;
    a.links = [
      link(`${PORTAL}/index.html`, '返回首页'),
      link(`${PORTAL}/images/tujie.jpg`, '附件：图解'),
      link(items[0]!.url, '原文链接'),
    ];
    const r = run(snap, ctx());
    expect(codes(r)).toEqual(['no-link']);
    expect(r.findings[0]).toMatchObject({ url: items[0]!.url, column: '政策解读' });
    expect(r.findings[0]!.observed.bodyLinks).toBe(3);
  });

  it('one finding per offending interpretation', () => {
    const r = judge([{}, { title: '关于《宜丰县XX实施意见》的解读' }, { over: { links: [link(`${PORTAL}/p.html`, '原文')] } }]);
    expect(codes(r)).toEqual(['no-link', 'no-link']);
  });
});

describe('interpretation-link: broken-link', () => {
  const withCheck = (check: LinkRef['check']) => judge([{ over: { links: [link(`${PORTAL}/art/gone.html`, '原文链接', { check })] } }]);

  it('404 and 410 answers are broken', () => {
    for (const status of [404, 410]) {
      const r = withCheck({ status, ok: false, kind: 'http-error' });
      expect(codes(r)).toEqual(['broken-link']);
      expect(r.findings[0]!.observed).toMatchObject({ linkStatus: status, linkUrl: `${PORTAL}/art/gone.html` });
      expect(r.findings[0]!.message).toContain(`HTTP ${status}`);
    }
  });

  it('a recognised soft 404 and a host that does not resolve are broken', () => {
    expect(codes(withCheck({ status: 200, ok: false, kind: 'soft-404', error: '页面显示“页面不存在”等错误提示' }))).toEqual(['broken-link']);
    const r = withCheck({ status: null, ok: false, kind: 'dns', error: '域名无法解析（ENOTFOUND），该网站不存在或已停用' });
    expect(codes(r)).toEqual(['broken-link']);
    expect(r.findings[0]!.message).toContain('域名无法解析');
  });

  it('5xx, 429, 403/412 walls, resets, timeouts and busy answers could not be checked: inconclusive with the reason, never broken', () => {
    const cases: NonNullable<LinkRef['check']>[] = [
      ...[500, 502, 503, 504].map((status) => ({ status, ok: false, kind: 'http-error' as const, error: `服务器返回 HTTP ${status}，已尝试 3 次` })),
      { status: 429, ok: false, kind: 'http-error', error: '服务器返回 HTTP 429，已尝试 3 次' },
      { status: 403, ok: false, kind: 'http-error', error: '服务器返回 HTTP 403' },
      { status: 412, ok: false, kind: 'blocked', error: '网站返回反爬虫验证页面（HTTP 412）' },
      { status: null, ok: false, kind: 'network', error: '网络连接失败（ECONNRESET），已尝试 3 次' },
      { status: null, ok: false, kind: 'timeout', error: '请求超时（15 秒内未完成），已尝试 3 次' },
      { status: 200, ok: false, kind: 'error-page', error: '网站返回繁忙提示而不是页面（“系统繁忙，请稍后再试！”），已尝试 3 次' },
    ];
    for (const check of cases) {
      const r = withCheck(check);
      expect(r.findings, JSON.stringify(check)).toEqual([]);
      expect(r.inconclusive.map((i) => i.codes)).toEqual([['broken-link', 'reposted']]);
      expect(r.inconclusive[0]!.reason).toContain(check.error!);
    }
  });

  it('a 200 page titled 页面不存在 is broken', () => {
    expect(codes(withCheck({ status: 200, ok: true, title: '404 页面不存在' }))).toEqual(['broken-link']);
  });

  it('no answer at all (timeout, network) is inconclusive by default, broken when the scheme says so', () => {
    const check = { status: null, ok: false, kind: 'timeout' as const, error: '连接超时' };
    const r = withCheck(check);
    expect(r.findings).toEqual([]);
    expect(r.inconclusive.map((i) => i.codes)).toEqual([['broken-link', 'reposted']]);

    const s = scheme();
    const strict = { ...s, settings: { ...s.settings, 'interpretation-link': { ...s.settings['interpretation-link'], noAnswer: 'broken' as const } } };
    const r2 = run(unitWith([{ over: { links: [link(`${PORTAL}/art/gone.html`, '原文链接', { check })] } }]).snap, ctx({ scheme: strict }));
    expect(codes(r2)).toEqual(['broken-link']);
    expect(r2.findings[0]!.message).toContain('连接超时');
  });

  it('a link never checked, or blocked by an anti-bot wall, is inconclusive', () => {
    expect(withCheck(undefined).inconclusive).toHaveLength(1);
    expect(withCheck({ status: 412, ok: false, kind: 'blocked' }).inconclusive).toHaveLength(1);
    expect(withCheck(undefined).findings).toEqual([]);
  });

  it('a link the network policy did not let the tool request (forbidden, or a redirect off the portal) is inconclusive with the reason, never broken', () => {
    const s = scheme();
    const strict = { ...s, settings: { ...s.settings, 'interpretation-link': { ...s.settings['interpretation-link'], noAnswer: 'broken' as const } } };
    const forbidden = { status: null, ok: false, kind: 'forbidden' as const, error: '127.0.0.1:8081 是本机地址，按网络访问规则未访问' };
    const judged = (check: LinkRef['check'], url: string) => run(unitWith([{ over: { links: [link(url, '原文链接', { check })] } }]).snap, ctx({ scheme: strict }));
    const r = judged(forbidden, 'http://127.0.0.1:8081/policy.html');
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toHaveLength(1);
    expect(r.inconclusive[0]!.reason).toMatch(/127\.0\.0\.1:8081.*按网络访问规则未访问.*--allow-host/);
    const offHost = judged({ status: 302, ok: false, kind: 'off-host', error: '重定向到单位名单以外的站点 10.0.0.1，未跟随' }, `${PORTAL}/hop.html`);
    expect([offHost.findings, offHost.inconclusive.length]).toEqual([[], 1]);
  });

  it('one working link among broken ones is enough', () => {
    const links = [link(`${PORTAL}/gone.html`, '原文', { check: { status: 404, ok: false } }), link(`${PORTAL}/p.html`, '政策原文')];
    expect(codes(judge([{ over: { links } }]))).toEqual([]);
  });
});

describe('interpretation-link: reposted (须本县政策，转载扣分)', () => {
  it('the original on another (higher-level) site: reposted', () => {
    const r = judge([{ over: { links: [link(`${PROVINCE}/art/jx-policy.html`, '原文链接')] } }]);
    expect(codes(r)).toEqual(['reposted']);
    expect(r.findings[0]!.observed).toMatchObject({ linkHost: '127.0.0.2:8080' });
  });

  it('portal hosts match by host with port or by host name', () => {
    const l = [link('http://127.0.0.1:8080/art/p.html', '原文链接')];
    expect(codes(judge([{ over: { links: l } }], { portalHosts: ['127.0.0.1:8080'] }))).toEqual([]);
    expect(codes(judge([{ over: { links: l } }], { portalHosts: ['127.0.0.1'] }))).toEqual([]);
    expect(codes(judge([{ over: { links: l } }], { portalHosts: ['127.0.0.1:9999'] }))).toEqual(['reposted']);
  });

  it("the interpretation's 信息来源 is a higher-level body: reposted, even with a good link", () => {
    const r = judge([{ over: { source: '江西省人力资源和社会保障厅', links: [link(`${PORTAL}/p.html`, '原文')] } }]);
    expect(codes(r)).toEqual(['reposted']);
    expect(r.findings[0]!.highlight).toBe('江西省人力资源和社会保障厅');
  });

  it("the linked policy's 信息来源 (when fetched) is a higher-level body: reposted", () => {
    const { items, snap } = unitWith([{ over: { links: [link(`${PORTAL}/art/zhuanzai.html`, '原文')] } }]);
    const linked = item('国务院办公厅关于进一步稳就业的通知', '2020-05-01', { url: `${PORTAL}/art/zhuanzai.html` });
    snap.articles[linked.url] = article(linked, '政策文件', { source: '国务院办公厅' });
    const r = run(snap, ctx());
    expect(codes(r)).toEqual(['reposted']);
    expect(r.findings[0]!.url).toBe(items[0]!.url);
    expect(r.findings[0]!.observed.linkedSource).toBe('国务院办公厅');
  });

  const sources: [string, boolean][] = [
    ['江西省人力资源和社会保障厅', true],
    ['宜春市人民政府办公室', true],
    ['宜春市教育局', true],
    ['国务院办公厅', true],
    ['人力资源社会保障部', true],
    ['宜丰县人民政府办公室', false],
    ['县人社局', false],
    ['石市镇人民政府', false],
    ['黄岗山垦殖场', false],
    ['国家税务总局宜丰县税务局', false],
    ['宜丰县城市管理局', false],
    ['江西省宜丰县人民政府', false],
    ['人民日报', false],
  ];
  it.each(sources)('信息来源 %s → reposted %s', (source, reposted) => {
    const r = judge([{ over: { source, links: [link(`${PORTAL}/p.html`, '原文')] } }]);
    expect(codes(r)).toEqual(reposted ? ['reposted'] : []);
  });
});

describe.skipIf(!haveRealpages)('interpretation-link on the real 平潭 财政金融局 interpretations (needs ../shared/realpages)', () => {
  const HOSTS = ['www.pingtan.gov.cn'];

  /** The column as it really mixes things: the interpretation and its original policy. */
  function judgeReal(file: string, links: LinkRef[]) {
    const a = archivedText(realpage(`interpretation/${file}`)!);
    const year = Number(a.published!.slice(0, 4));
    const interp = item(a.title, a.published);
    const original = item(`平潭综合实验区管委会办公室关于印发${a.title.match(/《[^》]+》/u)?.[0] ?? '《某办法》'}的通知`, a.published);
    const snap = snapshot({
      columns: [column('财税相关政策及解读', [interp, original])],
      articles: [article(interp, '财税相关政策及解读', { text: a.body, source: a.source, links })],
    });
    return run(snap, ctx({ year, asOf: `${year + 1}-01-20`, portalHosts: HOSTS }));
  }

  it('77012: the bare link at the end of the body (to the old-system URL) is the link to the original', () => {
    const $ = cheerio.load(realpage('interpretation/pingtan-czj-zcjd-2022-77012-excerpt.html')!);
    const a = $('a[href*="gov_ml_show.jsp"]').first();
    const text = a.text().trim();
    expect(text).toContain('财政财务管理办法');
    const found = link(a.attr('href')!, text);
    const r = judgeReal('pingtan-czj-zcjd-2022-77012.txt', [found]);
    expect(r.assessed).toBe(true);
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toEqual([]);
    // the same page with the link gone, or dead
    expect(codes(judgeReal('pingtan-czj-zcjd-2022-77012.txt', []))).toEqual(['no-link']);
    expect(codes(judgeReal('pingtan-czj-zcjd-2022-77012.txt', [{ ...found, check: { status: 404, ok: false } }]))).toEqual(['broken-link']);
  });

  it('78341: 相关文件 named in plain text with its 文号 but not linked → no-link', () => {
    const r = judgeReal('pingtan-czj-zcjd-2023-78341.txt', []);
    expect(codes(r)).toEqual(['no-link']);
    expect(r.findings[0]!.observed.plainMention).toMatch(/^相关文件：平潭综合实验区管委会办公室关于印发/);
  });

  it('91314: no reference to the original at all → no-link', () => {
    const r = judgeReal('pingtan-czj-zcjd-2024-91314.txt', []);
    expect(codes(r)).toEqual(['no-link']);
    expect(r.findings[0]!.observed.plainMention).toBeUndefined();
  });
});
