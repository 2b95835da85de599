import { describe, expect, it } from 'vitest';
import type { LinkRef } from '../../src/model/snapshot.ts';
import { scoreUnits } from '../../src/scoring/score.ts';
import { judgeUnit } from '../../src/judge/run-rules.ts';
import { article, column, ctx, item, link, PORTAL, ruleRunner, scheme, snapshot, withSettings } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('dead-link');
const ELSEWHERE = 'http://other.example';

type Check = NonNullable<LinkRef['check']>;
const ok: Check = { status: 200, ok: true };
const gone = (status: number): Check => ({ status, ok: false, kind: 'http-error', error: `HTTP ${status}` });
const soft404: Check = { status: 200, ok: false, kind: 'soft-404', error: '页面显示“页面不存在”等错误提示' };
const dns: Check = { status: null, ok: false, kind: 'dns', error: '域名无法解析（ENOTFOUND），该网站不存在或已停用' };
const wall: Check = { status: 412, ok: false, kind: 'blocked', error: '网站返回反爬虫验证页面（HTTP 412），无法判断链接是否有效' };
const timeout: Check = { status: null, ok: false, kind: 'timeout', error: '请求超时（10 秒内未完成），已尝试 2 次' };

/** One 通知公告 column whose first article holds the given links. */
function unitWith(links: LinkRef[], more: { items?: number } = {}) {
  const items = Array.from({ length: more.items ?? 1 }, (_, i) => item(`关于做好第${i + 1}项工作的通知`, '2020-11-02'));
  const first = article(items[0]!, '通知公告', { title: items[0]!.title, links });
  return snapshot({ columns: [column('通知公告', items)], articles: [first, ...items.slice(1).map((it) => article(it, '通知公告'))] });
}
const findings = (r: ReturnType<typeof run>) => r.findings.map((f) => [f.observed['linkUrl'], f.observed['linkStatus']]);

describe('dead-link: what is a dead link', () => {
  it('404, 410, a soft 404 and a portal host that does not resolve are broken; a working link is not', () => {
    const r = run(
      unitWith([
        link(`${PORTAL}/a.pdf`, '附件1', { check: gone(404) }),
        link(`${PORTAL}/b.html`, '附件2', { check: gone(410) }),
        link(`${PORTAL}/c.html`, '相关文件', { check: soft404 }),
        link('http://old.portal.test/d.html', '旧网站链接', { check: dns }),
        link(`${PORTAL}/e.html`, '好链接', { check: ok }),
      ]),
      ctx({ portalHosts: ['portal.test', 'old.portal.test'] }),
    );
    expect(findings(r)).toEqual([
      [`${PORTAL}/a.pdf`, 404],
      [`${PORTAL}/b.html`, 410],
      [`${PORTAL}/c.html`, 200],
      ['http://old.portal.test/d.html', null],
    ]);
    expect(r.inconclusive).toEqual([]);
    expect(r.assessed).toBe(true);
    const [f] = r.findings;
    expect(f).toMatchObject({ rule: 'dead-link', code: 'broken', column: '通知公告', highlight: '附件1' });
    expect(f!.url).toMatch(/\/art\/\d+\.html$/);
    expect(f!.message).toBe('页面“关于做好第1项工作的通知”中的链接“附件1”无法打开（HTTP 404）');
    expect(f!.observed).toMatchObject({ where: '正文链接', linkText: '附件1', linkStatus: 404, pageTitle: '关于做好第1项工作的通知' });
    expect(r.findings[3]!.message).toContain('域名 old.portal.test 无法解析');
  });

  it('walls, busy servers, resets, timeouts and the network policy are "could not check", with the reason, never broken', () => {
    const checks: Check[] = [
      wall,
      gone(403),
      gone(412),
      gone(429),
      gone(500),
      gone(503),
      { status: null, ok: false, kind: 'network', error: '网络连接失败（ECONNRESET），已尝试 2 次' },
      timeout,
      { status: null, ok: false, kind: 'forbidden', error: '10.0.0.8 是内网地址，按网络访问规则未访问' },
      { status: 302, ok: false, kind: 'off-host', error: '重定向到单位名单以外的站点 x.example，未跟随' },
    ];
    const r = run(unitWith(checks.map((check, i) => link(`${PORTAL}/f${i}.html`, `链接${i}`, { check }))));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toHaveLength(1);
    expect(r.inconclusive[0]).toMatchObject({ rule: 'dead-link', codes: ['broken'], column: '通知公告' });
    expect(r.inconclusive[0]!.reason).toBe(
      '页面“关于做好第1项工作的通知”中的链接“链接0”（网站返回反爬虫验证页面（HTTP 412），无法判断链接是否有效）、“链接1”（HTTP 403）、“链接2”（HTTP 412）等 10 个链接未能检查，不能判断是否可以打开',
    );
  });

  it('a third party’s name that does not resolve is not proof (our resolver may be at fault)', () => {
    const r = run(unitWith([link(`${ELSEWHERE}/x.html`, '外部链接', { check: dns })]), ctx());
    // Off the portal: not looked at unless the scheme says so.
    expect(r.findings).toEqual([]);
    const all = run(unitWith([link(`${ELSEWHERE}/x.html`, '外部链接', { check: dns })]), ctx({ scheme: withSettings('dead-link', { offPortal: true }) }));
    expect(all.findings).toEqual([]);
    expect(all.inconclusive.map((i) => i.reason)).toEqual([expect.stringContaining('“外部链接”（域名无法解析')]);
  });

  it('a 2xx answer the crawl could not read or decode is a working link', () => {
    const r = run(
      unitWith([
        link(`${PORTAL}/big.html`, '大页面', { check: { status: 200, ok: false, kind: 'too-large', error: '页面超过 64 KB 上限' } }),
        link(`${PORTAL}/gbk.html`, '乱码页面', { check: { status: 200, ok: false, kind: 'decode', error: '解码出现大量乱码' } }),
      ]),
    );
    expect(r).toMatchObject({ findings: [], inconclusive: [], assessed: true });
  });
});

describe('dead-link: which links are looked at', () => {
  it('links off the portal are left alone by default; with offPortal they are judged like the portal’s own', () => {
    const links = [link(`${ELSEWHERE}/gone.html`, '外站失效链接', { check: gone(404) }), link(`${PORTAL}/gone.html`, '本站失效链接', { check: gone(404) })];
    expect(findings(run(unitWith(links)))).toEqual([[`${PORTAL}/gone.html`, 404]]);
    const all = run(unitWith(links), ctx({ scheme: withSettings('dead-link', { offPortal: true }) }));
    expect(findings(all)).toEqual([
      [`${ELSEWHERE}/gone.html`, 404],
      [`${PORTAL}/gone.html`, 404],
    ]);
  });

  it('mailto: and javascript: links are not links to check', () => {
    const r = run(unitWith([link('mailto:office@portal.test', '来信', { check: undefined }), link('javascript:void(0)', '打印', { check: undefined })]), ctx({ scheme: withSettings('dead-link', { offPortal: true }) }));
    expect(r).toMatchObject({ findings: [], inconclusive: [] });
  });

  it('a link shared by two pages is one finding per page; the same link twice on one page is one', () => {
    const dead = `${PORTAL}/shared.pdf`;
    const items = [item('关于甲的通知', '2020-11-02'), item('关于乙的通知', '2020-11-01')];
    const snap = snapshot({
      columns: [column('通知公告', items)],
      articles: [
        article(items[0]!, '通知公告', { links: [link(dead, '附件', { check: gone(404) }), link(dead, '附件下载', { check: gone(404) })] }),
        article(items[1]!, '通知公告', { links: [link(dead, '附件', { check: gone(404) })] }),
      ],
    });
    expect(run(snap).findings.map((f) => [f.url, f.observed['linkUrl']])).toEqual([
      [items[0]!.url, dead],
      [items[1]!.url, dead],
    ]);
  });

  it('the list’s own links: an item whose article answered 404 is a dead link on the list page', () => {
    const items = [item('关于甲的通知', '2020-11-02'), item('关于乙的通知', '2020-11-01'), item('关于丙的通知', '2020-10-01')];
    const failed = (status: number, kind: 'http-error' | 'timeout') => ({
      ...article(items[0]!, '通知公告'),
      fetched: false,
      failure: { url: '', kind, ...(status ? { status } : {}), reason: status ? `服务器返回 HTTP ${status}` : '请求超时', attempts: 2 },
    });
    const snap = snapshot({
      columns: [column('通知公告', items)],
      articles: [{ ...failed(404, 'http-error'), url: items[0]!.url }, { ...failed(0, 'timeout'), url: items[1]!.url }, article(items[2]!, '通知公告')],
    });
    const r = run(snap);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      url: snap.columns[0]!.url,
      column: '通知公告',
      message: '栏目“通知公告”列表中的“关于甲的通知”无法打开（HTTP 404）',
      observed: { where: '列表条目', linkUrl: items[0]!.url, linkText: '关于甲的通知', linkStatus: 404 },
      highlight: '关于甲的通知',
    });
    expect(r.inconclusive.map((i) => [i.url, i.reason])).toEqual([[snap.columns[0]!.url, '页面“通知公告”中的链接“关于乙的通知”（请求超时）未能检查，不能判断是否可以打开']]);
  });

  it('a script-only item is not a link', () => {
    const it0 = item('关于甲的通知', '2020-11-02', { scriptOnly: true });
    const snap = snapshot({
      columns: [column('通知公告', [it0])],
      articles: [{ ...article(it0, '通知公告'), fetched: false, failure: { url: it0.url, kind: 'parse', reason: '只能通过页面脚本打开', attempts: 0 } }],
    });
    expect(run(snap)).toEqual({ findings: [], inconclusive: [], assessed: false });
  });
});

describe('dead-link: what was not checked is said', () => {
  it('links of the sampled pages without a check (a bound or the time bound) are counted once each, as not checked', () => {
    const unchecked = [link(`${PORTAL}/u1.html`, '甲', { check: undefined }), link(`${PORTAL}/u2.html`, '乙', { check: undefined }), link(`${PORTAL}/u1.html`, '甲again', { check: undefined })];
    const r = run(unitWith(unchecked));
    expect(r.findings).toEqual([]);
    expect(r.inconclusive).toEqual([
      { rule: 'dead-link', url: `${PORTAL}/xxgk/jtj/index.html`, codes: ['broken'], reason: '抽查页面上另有 2 个链接未检查（超过每个单位 300 个链接、每页链接数或抓取用时的上限）' },
    ]);
  });

  it('pages outside the sample, read for other rules, count only with their checked links', () => {
    // Items 6 and 7 of the column are beyond the sample of 5; the sixth's link was checked (an interpretation's), the seventh's was not.
    const snap = unitWith([], { items: 7 });
    const [, , , , , sixth, seventh] = snap.columns[0]!.items;
    snap.articles[sixth!.url]!.links = [link(`${PORTAL}/gone.html`, '原文', { check: gone(404) })];
    snap.articles[seventh!.url]!.links = [link(`${PORTAL}/never.html`, '附件', { check: undefined })];
    const r = run(snap);
    expect(findings(r)).toEqual([[`${PORTAL}/gone.html`, 404]]);
    expect(r.inconclusive).toEqual([]);
  });

  it('a unit with nothing to look at is not assessed', () => {
    expect(run(snapshot({ columns: [column('通知公告', [])] }))).toEqual({ findings: [], inconclusive: [], assessed: false });
  });
});

describe('dead-link in the 2020 scheme: advisory (提示)', () => {
  it('the plan samples every judged column and only checks links (portal only, bounded)', () => {
    const need = (scheme().rules.find((r) => r.meta.id === 'dead-link')!.meta.needs(scheme().settings['dead-link']));
    expect(need).toEqual([{ kind: 'articles', columns: 'judged', max: 5, links: 'check', maxLinkChecks: 300, linkScope: 'portal' }]);
  });

  it('a broken link is reported with deduction 0 and advisory: true; the score does not move', () => {
    const dead = unitWith([link(`${PORTAL}/a.pdf`, '附件1', { check: gone(404) })]);
    const clean = unitWith([link(`${PORTAL}/a.pdf`, '附件1', { check: ok })]);
    const c = ctx();
    const [withDead] = scoreUnits([judgeUnit(dead, c)], c.scheme);
    const [withClean] = scoreUnits([judgeUnit(clean, c)], c.scheme);
    const f = withDead!.findings.find((x) => x.rule === 'dead-link');
    expect(f).toMatchObject({ code: 'broken', advisory: true, deduction: 0, indicator: '不可用链接（国办秘函〔2019〕19号）' });
    expect(withDead!.score).toBe(withClean!.score);
    expect(withDead!.indicators.some((i) => i.key === 'dead-link')).toBe(false);
  });
});
