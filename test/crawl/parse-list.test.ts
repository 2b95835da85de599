import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEndpointResponse } from '../../src/crawl/parse/endpoints.ts';
import { isScriptItemUrl } from '../../src/crawl/parse/items.ts';
import { parseList, visibleDateCount } from '../../src/crawl/parse/list.ts';
import type { ListEndpoint } from '../../src/crawl/parse/types.ts';

const REAL = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'realpages');
const hasReal = existsSync(REAL);
if (!hasReal) console.warn(`[parse-list] ${REAL} is absent: real-page checks are skipped`);
const real = (path: string) => readFileSync(join(REAL, path), 'utf8');

const PAGE = 'http://127.0.0.1:8000/xxgk/jtj/tzgg/index.html';
const shell = (main: string) => `<html><head><title>通知公告</title></head><body>
<div class="header"><a href="/">网站首页</a><span>今天是2021年1月20日</span><a href="/xxgk/index.html">政府信息公开</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="../index.html">县教育体育局</a> &gt; 通知公告</div>
<div class="main">${main}</div>
<div class="footer"><a href="/wzdt.html">网站地图</a><p>主办单位：宜丰县人民政府办公室 2020-12-31 更新</p></div></body></html>`;

describe('parseList: list families', () => {
  it('reads <li><a>title</a><span>date</span></li> with absolute addresses and ignores chrome', () => {
    const r = parseList(shell(`<ul class="list">
<li><a href="./202012/t20201201_101.html" target="_blank">关于做好冬季校园安全工作的通知</a><span>2020-12-01</span></li>
<li><a href="./202011/t20201103_99.html">关于开展2020年教师资格认定的通知</a><span>2020/11/3</span></li>
<li><a href="./202010/t20201009_97.html">县教育体育局2020年国庆假期安排</a><span>2020年10月9日</span></li>
</ul>`), PAGE);
    expect(r.items).toEqual([
      { title: '关于做好冬季校园安全工作的通知', url: 'http://127.0.0.1:8000/xxgk/jtj/tzgg/202012/t20201201_101.html', date: '2020-12-01', dateSource: 'list' },
      { title: '关于开展2020年教师资格认定的通知', url: 'http://127.0.0.1:8000/xxgk/jtj/tzgg/202011/t20201103_99.html', date: '2020-11-03', dateSource: 'list' },
      { title: '县教育体育局2020年国庆假期安排', url: 'http://127.0.0.1:8000/xxgk/jtj/tzgg/202010/t20201009_97.html', date: '2020-10-09', dateSource: 'list' },
    ]);
    expect(r).toMatchObject({ nextPages: [], iframes: [], needsBrowser: false });
  });

  it('reads dates in <b>/<em>, takes a month-day’s year from the address, else from the caller', () => {
    const r = parseList(shell(`<ul>
<li><a href="/art/2020/12/1/art_3106_1.html">关于开展法治宣传月活动的通知</a><b>[12-01]</b></li>
<li><a href="/tgz/show.asp?id=9">棠浦镇2021年春节值班安排</a><em>[01-08]</em></li>
</ul>`), PAGE, { contextYear: 2021 });
    expect(r.items.map((i) => [i.date, i.dateSource])).toEqual([
      ['2020-12-01', 'inferred'],
      ['2021-01-08', 'inferred'],
    ]);
  });

  it('rolls month-days back a year where a newest-first list crosses New Year, and checks today', () => {
    const rows = [['01-08', 1], ['12-16', 2], ['12-15', 3], ['03-02', 4]]
      .map(([md, id]) => `<li><a href="/tgz/show.asp?id=${id}">第${id}号公告</a><span>[${md}]</span></li>`).join('');
    const r = parseList(shell(`<ul>${rows}</ul>`), PAGE, { contextYear: 2021 });
    expect(r.items.map((i) => i.date)).toEqual(['2021-01-08', '2020-12-16', '2020-12-15', '2020-03-02']);
    const late = parseList(shell(`<ul><li><a href="/tgz/show.asp?id=5">秸秆禁烧方案解读</a><span>[09-22]</span></li></ul>`), PAGE, { contextYear: 2021, today: '2021-01-20' });
    expect(late.items[0]!.date).toBe('2020-09-22');
  });

  it('reads tables with 序号/标题/发布日期 headers, the date from its own column', () => {
    const r = parseList(shell(`<table class="tab-list"><thead><tr><th>序号</th><th>标题</th><th>文号</th><th>发布日期</th></tr></thead><tbody>
<tr><td>1</td><td><a href="./content.jsp?id=7127" title="关于做好2021年高校毕业生就业见习工作的通知">关于做好2021年高校毕业生就业见习工作的通知</a></td><td>宜人社字〔2021〕1号</td><td>2021-01-14</td></tr>
<tr><td>2</td><td><a href="./content.jsp?id=7121">关于做好2020年度工伤认定工作的通知</a></td><td>无</td><td>2020-12-14</td></tr>
</tbody></table>`), 'http://127.0.0.1:8000/rsj/zwgk/list.jsp?cid=1205');
    expect(r.items.map((i) => [i.title, i.url, i.date])).toEqual([
      ['关于做好2021年高校毕业生就业见习工作的通知', 'http://127.0.0.1:8000/rsj/zwgk/content.jsp?id=7127', '2021-01-14'],
      ['关于做好2020年度工伤认定工作的通知', 'http://127.0.0.1:8000/rsj/zwgk/content.jsp?id=7121', '2020-12-14'],
    ]);
  });

  it('reads JEECMS rows: ul.news-list > li > span + h1 > a', () => {
    const r = parseList(shell(`<ul class="news-list">
<li><span>2017-09-28</span><h1><a href="http://www.yctravel.gov.cn/lykb/9010.jhtml">骑游同乐，美景共享！</a></h1></li>
<li><span>2017-09-18</span><h1><a href="http://www.yctravel.gov.cn/lykb/8978.jhtml">丰城市旅发委开展星级饭店复核</a></h1></li>
</ul>`), 'http://www.yctravel.gov.cn/lykb/index.jhtml');
    expect(r.items.map((i) => [i.title, i.date])).toEqual([
      ['骑游同乐，美景共享！', '2017-09-28'],
      ['丰城市旅发委开展星级饭店复核', '2017-09-18'],
    ]);
  });

  it('takes the date from the address when the row has none', () => {
    const r = parseList(shell(`<ul><li><a href="/art/2020/12/1/art_3106_61090.html">关于开展法治宣传的通知</a></li>
<li><a href="/xxgk/jtj/tzgg/202011/t20201120_88.html">关于秋季开学的通知</a></li></ul>`), PAGE);
    expect(r.items.map((i) => [i.date, i.dateSource])).toEqual([
      ['2020-12-01', 'url'],
      ['2020-11-20', 'url'],
    ]);
  });

  it('marks pinned (置顶) rows and drops the marker from the title', () => {
    const r = parseList(shell(`<ul>
<li><span class="zd">[置顶]</span><a href="./201901/t20190101_1.html">棠浦镇政府信息公开指南</a><span>2019-01-01</span></li>
<li><a href="./202012/t20201201_2.html">【置顶】关于防汛工作的通知</a><span>2020-12-01</span></li>
<li><a href="./202011/t20201101_3.html">关于秋冬季防火的通知</a><span>2020-11-01</span></li>
</ul>`), PAGE);
    expect(r.items.map((i) => [i.title, !!i.pinned])).toEqual([
      ['棠浦镇政府信息公开指南', true],
      ['关于防汛工作的通知', true],
      ['关于秋冬季防火的通知', false],
    ]);
  });

  it('takes the title from @title when the link text is cut with ... or padded with labels', () => {
    const r = parseList(shell(`<ul>
<li><a href="./202001/t20200119_1.html" title="定西市工信局关于对省级第二轮环保督察反馈第四项第十三项问题整改完成情况的公示">定西市工信局关于对省级第二轮环保督察反馈第四项...</a><b>2022-01-19</b></li>
<li><a href="./202001/t20200118_2.html" title="棉花种植面积核实种植户公示"><span class="type">政务信息</span>棉花<em>种植</em>面积核实<em>种植</em>户公示</a><b>2022-01-18</b></li>
<li><a href="./202001/t20200117_3.html" title="点击查看">关于新年假期的通知</a><b>2022-01-17</b></li>
</ul>`), PAGE);
    expect(r.items.map((i) => i.title)).toEqual([
      '定西市工信局关于对省级第二轮环保督察反馈第四项第十三项问题整改完成情况的公示',
      '棉花种植面积核实种植户公示',
      '关于新年假期的通知',
    ]);
  });

  it('prefers the page’s own list over a sidebar of other columns’ news', () => {
    const own = [1, 2, 3, 4].map((n) => `<li><a href="./20201${n}/t2020110${n}_${n}.html">通知公告第${n}号</a><span>2020-11-0${n}</span></li>`).join('');
    const side = [1, 2, 3, 4].map((n) => `<li><a href="/xwzx/gzdt/202012/t2020120${n}_${n}.html">县里新闻第${n}条</a><span>2020-12-0${n}</span></li>`).join('');
    const r = parseList(shell(`<div class="left"><ul class="list">${own}</ul></div><div class="right"><h3>热点新闻</h3><ul class="hot">${side}</ul></div>`), PAGE);
    expect(r.items.map((i) => i.title)).toEqual(['通知公告第1号', '通知公告第2号', '通知公告第3号', '通知公告第4号']);
  });

  describe('the column’s own list among sidebars of dated links', () => {
    const own = (n: number, cls = 'list') =>
      `<ul class="${cls}">${Array.from({ length: n }, (_, i) => `<li><a href="./2017${10 - i}/t2017${10 - i}19_${i + 1}.html">本栏目第${i + 1}条通知</a><span class="meta">作者：县教育体育局 发表于：2017/${10 - i}/19</span></li>`).join('')}</ul>`;
    // Other columns' latest items, dated only by their addresses (t20201201_…), in boxes that look like the list.
    const box = (title: string, dir: string, n: number, cls = 'list') =>
      `<div class="box"><div class="box-title"><h3>${title}</h3><a href="/${dir}/">更多&gt;&gt;</a></div><ul class="${cls}">${Array.from({ length: n }, (_, i) => `<li><a href="/${dir}/202012/t202012${String(i + 10)}_${900 + i}.html">${title}第${i + 1}条</a></li>`).join('')}</ul></div>`;
    const layout = (main: string, side: string) => `<div class="list-main"><div class="list-title"><h2>通知公告</h2></div>${main}<div class="page"><a href="index_1.html">下一页</a></div></div><div class="list-side">${side}</div>`;

    it('sidebars of the same markup (热点新闻, 推荐阅读, 视频新闻) are not merged into the list, nor taken for it', () => {
      const r = parseList(shell(layout(own(3), box('热点新闻', 'xwzx', 10) + box('推荐阅读', 'tjyd', 8) + box('视频新闻', 'spxw', 6))), PAGE, { column: '通知公告' });
      expect(r.items.map((i) => [i.title, i.date, i.dateSource])).toEqual([
        ['本栏目第1条通知', '2017-10-19', 'list'],
        ['本栏目第2条通知', '2017-09-19', 'list'],
        ['本栏目第3条通知', '2017-08-19', 'list'],
      ]);
      expect(r.ambiguous).toBeUndefined();
    });

    it('an untitled box of other columns’ items: the pager’s block, then the block that shows its dates', () => {
      const side = `<div class="other"><ul class="list">${Array.from({ length: 12 }, (_, i) => `<li><a href="/xxgk/jtj/zcwj/202012/t202012${i + 10}_${800 + i}.html">政策文件第${i + 1}号</a></li>`).join('')}</ul></div>`;
      expect(parseList(shell(layout(own(2), side)), PAGE).items.map((i) => i.title)).toEqual(['本栏目第1条通知', '本栏目第2条通知']);
      // No pager: the rows with visible dates are the column's, the rows dated by their addresses are not.
      const noPager = shell(`<div class="a">${own(2)}</div>${side}`);
      expect(parseList(noPager, PAGE).items.map((i) => i.title)).toEqual(['本栏目第1条通知', '本栏目第2条通知']);
    });

    it('the block titled with the column’s name is its own', () => {
      const notices = `<div><h3>通知公告</h3><ul>${[1, 2, 3].map((n) => `<li><a href="./t2020120${n}_${n}.html">通知${n}</a><span>2020-12-0${n}</span></li>`).join('')}</ul></div>`;
      const news = `<div><h3>工作动态</h3><ul>${[1, 2, 3].map((n) => `<li><a href="../gzdt/t2020110${n}_${n}.html">动态${n}</a><span>2020-11-0${n}</span></li>`).join('')}</ul></div>`;
      expect(parseList(shell(news + notices), PAGE, { column: '通知公告' }).items.map((i) => i.title)).toEqual(['通知1', '通知2', '通知3']);
    });

    it('two lists that nothing tells apart: no items, and it says so (never a pick)', () => {
      const a = `<div><ul>${[1, 2, 3].map((n) => `<li><a href="./t2020120${n}_${n}.html">甲类通知${n}</a><span>2020-12-0${n}</span></li>`).join('')}</ul></div>`;
      const b = `<div><ul>${[1, 2, 3, 4].map((n) => `<li><a href="./t2020110${n}_${n + 10}.html">乙类通知${n}</a><span>2020-11-0${n}</span></li>`).join('')}</ul></div>`;
      const r = parseList(shell(a + b), PAGE, { column: '政策文件' });
      expect(r.items).toEqual([]);
      expect(r.ambiguous).toMatch(/列表页有 2 组条目.*看不出哪一组是本栏目的列表/);
      expect(r.needsBrowser).toBe(false);
      // One of them twice the other's size is the list (a box of a few links beside it is not a rival).
      const big = `<div><ul>${Array.from({ length: 9 }, (_, n) => `<li><a href="./t2020100${n + 1}_${n + 20}.html">丙类通知${n}</a><span>2020-10-0${n + 1}</span></li>`).join('')}</ul></div>`;
      expect(parseList(shell(a + big), PAGE).items).toHaveLength(9);
    });
  });

  it('never reads items or pagers that sit inside HTML comments', () => {
    const r = parseList(shell(`<ul class="list"><!--
<li><a href="/ssz/c1/202011/101.shtml" title="旧的诱饵条目">旧的诱饵条目</a><b>2020-11-17</b></li>
<script>createPageHTML('page_div',10, 1,'zwgklist','shtml',200);</script>
<a href="index_2.html">下一页</a> -->
<li><a href="/ssz/c1/202012/102.shtml">真实条目</a><b>2020-12-01</b></li></ul><div id="page_div"></div>`), 'http://127.0.0.1:8000/ssz/c1/zwgklist.shtml');
    expect(r.items.map((i) => i.title)).toEqual(['真实条目']);
    expect(r.nextPages).toEqual([]);
    expect(r.pagesAnnounced).toBeUndefined();
  });
});

describe('parseList: pagination', () => {
  const list = `<ul><li><a href="./202012/t20201201_1.html">通知一</a><span>2020-12-01</span></li></ul>`;

  it('follows 下一页/下页 links and numbered pages, never the current page', () => {
    const r = parseList(shell(`${list}<div class="page"><a href="index.html">首页</a> <span class="now">1</span> <a href="index_1.html">2</a> <a href="index_1.html">下一页</a></div>`), PAGE);
    expect(r.nextPages).toEqual(['http://127.0.0.1:8000/xxgk/jtj/tzgg/index_1.html']);
  });

  it('reads targets from onclick="location.href=…" and announces every page of 共N条记录 M/N页', () => {
    const r = parseList(shell(`${list}<div class="pages"><span>共1648条记录 6/66页</span>
<a href="#" class="prev" onclick="location.href='index_5.jhtml'">&lt;&lt;</a><a class="Num" href="#" onclick="location.href='index.jhtml'">1</a>
<a class="Num on" href="#" onclick="location.href='index_6.jhtml'">6</a><a class="Num" href="#" onclick="location.href='index_7.jhtml'">7</a>
<a class="next" href="#" onclick="location.href='index_7.jhtml'">&gt;&gt;</a></div>`), 'http://www.yctravel.gov.cn/lykb/index_6.jhtml');
    expect(r.pagesAnnounced).toBe(66);
    expect(r.nextPages).toHaveLength(65);
    expect(r.nextPages[0]).toBe('http://www.yctravel.gov.cn/lykb/index.jhtml');
    expect(r.nextPages).toContain('http://www.yctravel.gov.cn/lykb/index_5.jhtml');
    expect(r.nextPages).toContain('http://www.yctravel.gov.cn/lykb/index_66.jhtml');
    expect(r.nextPages).not.toContain('http://www.yctravel.gov.cn/lykb/index_6.jhtml');
  });

  it('expands TRS createPageHTML(count, current0, "index", "html")', () => {
    const r = parseList(shell(`${list}<script>createPageHTML(5, 2, "index", "html");</script>`), 'http://127.0.0.1:8000/xxgk/jtj/tzgg/index_2.html');
    expect(r.pagesAnnounced).toBe(5);
    expect(r.nextPages.map((u) => u.split('/').pop())).toEqual(['index.html', 'index_1.html', 'index_3.html', 'index_4.html']);
  });

  it('expands the 6-argument createPageHTML(div, count, current1, name, ext, total)', () => {
    const r = parseList(shell(`${list}<div id="page_div"></div><script>createPageHTML('page_div',4, 1,'zwgklist','shtml',70);</script>`), 'http://127.0.0.1:8000/ssz/c1/zwgklist.shtml');
    expect(r.pagesAnnounced).toBe(4);
    expect(r.nextPages.map((u) => u.split('/').pop())).toEqual(['zwgklist_2.shtml', 'zwgklist_3.shtml', 'zwgklist_4.shtml']);
  });

  it('ignores createPageHTML definitions and calls commented out in the script', () => {
    const r = parseList(shell(`${list}<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}
// createPageHTML(9, 0, "index", "html");
/* createPageHTML(7, 0, "index", "html"); */</script>`), PAGE);
    expect(r.nextPages).toEqual([]);
  });

  it('reads var countPage / currentPage with document.write(…"index"+"_"+i+"."+"html"…)', () => {
    const r = parseList(shell(`${list}<script>
var currentPage = 0;//所在页从0开始
var countPage = 3//共多少页
document.write("&nbsp;<a href=\\"index"+"_" + nextPage + "."+"html\\">下一页</a>");
</script>`), 'http://egb.ordos.gov.cn/xxgk/xxgknb/');
    expect(r.pagesAnnounced).toBe(3);
    expect(r.nextPages).toEqual(['http://egb.ordos.gov.cn/xxgk/xxgknb/index_1.html', 'http://egb.ordos.gov.cn/xxgk/xxgknb/index_2.html']);
  });

  it('expands ?page=N pagers when the page count is stated', () => {
    const r = parseList(shell(`${list}<div class="pagination">共48条记录 第1/4页 <span>首页</span> <a href="./list.jsp?cid=1205&amp;page=2">下一页</a> <a href="./list.jsp?cid=1205&amp;page=4">尾页</a></div>`), 'http://127.0.0.1:8000/rsj/zwgk/list.jsp?cid=1205');
    expect(r.pagesAnnounced).toBe(4);
    expect(r.nextPages).toEqual([2, 3, 4].map((n) => `http://127.0.0.1:8000/rsj/zwgk/list.jsp?cid=1205&page=${n}`));
  });

  it('does not take a lone 首页 in the header or breadcrumb for a pager', () => {
    const r = parseList(shell(list), PAGE);
    expect(r.nextPages).toEqual([]);
  });
});

describe('parseList: broken markup and script-only links', () => {
  const expected = [
    ['关于做好冬季安全工作的通知', 'http://127.0.0.1:8000/xxgk/jtj/tzgg/t20201201_1.html', '2020-12-01'],
    ['关于开展教师资格认定的通知', 'http://127.0.0.1:8000/xxgk/jtj/tzgg/t20201103_2.html', '2020-11-03'],
    ['关于国庆假期安排的通知', 'http://127.0.0.1:8000/xxgk/jtj/tzgg/t20201009_3.html', '2020-10-09'],
  ];
  const rows = (open: (title: string, href: string, date: string) => string) => expected.map(([t, u, d]) => open(t!, u!.replace(/.*\//, './'), d!)).join('\n');
  const titlesAndDates = (items: { title: string; url: string; date: string | null }[]) => items.map((i) => [i.title, i.url, i.date]);

  it('<li> left open while a <span> is open: items are not nested into one another', () => {
    const r = parseList(shell(`<ul class="list">\n${rows((t, h, d) => `<li><a href="${h}">${t}</a><span class="date">${d}`)}\n</ul>`), PAGE);
    expect(titlesAndDates(r.items)).toEqual(expected);
  });

  it('an unclosed breadcrumb <div class="position"> that swallows the list does not make the list chrome', () => {
    const r = parseList(shell(`<div class="position">当前位置：通知公告</span>\n<ul class="list">\n${rows((t, h, d) => `<li><a href="${h}">${t}</a><span>${d}</span></li>`)}\n</ul>`), PAGE);
    expect(titlesAndDates(r.items)).toEqual(expected);
    // A real breadcrumb (no dated links) is still chrome: its links never become items.
    expect(r.items.map((i) => i.title)).not.toContain('县教育体育局');
  });

  it('items opened only by javascript: links are kept with a stand-in address (never fetched), dates counted', () => {
    const r = parseList(shell(`<ul class="list">
<li><a href="javascript:openDoc('a101')">关于做好冬季安全工作的通知</a><span>2020-12-01</span></li>
<li><a href="#" onclick="showDetail(102);return false">关于开展教师资格认定的通知</a><span>2020-11-03</span></li>
<li><a href="javascript:void(0)">没有日期的脚本链接</a></li>
</ul>`), PAGE);
    expect(r.items).toEqual([
      { title: '关于做好冬季安全工作的通知', url: `${PAGE}#item-a101`, date: '2020-12-01', dateSource: 'list', scriptOnly: true },
      { title: '关于开展教师资格认定的通知', url: `${PAGE}#item-102`, date: '2020-11-03', dateSource: 'list', scriptOnly: true },
    ]);
    expect(r.items.every((i) => isScriptItemUrl(i.url))).toBe(true);
    expect(isScriptItemUrl('http://127.0.0.1:8000/xxgk/jtj/tzgg/t20201201_1.html')).toBe(false);
  });

  it('visibleDateCount: dates in the page body count, dates in header and footer do not', () => {
    expect(visibleDateCount(shell('<p>暂无信息</p>'))).toBe(0);
    expect(visibleDateCount(shell('<p>2020-12-01 关于冬季工作的通知</p><p>2020年11月3日 关于检查的通知</p>'))).toBe(2);
  });
});

describe('parseList: endpoints, iframes, client-side lists', () => {
  it('recognises a Hanweb datastore in <script type="text/xml"> and its dataproxy endpoint', () => {
    const html = shell(`<div id="3106"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=2&path=/&columnid=3106&unitid=5106&webname=%25E5%25AE%259C&permissiontype=0"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href="/art/2020/12/3/art_3106_61091.html" title="关于开展宪法宣传周活动的通知">关于开展宪法宣传周活动的通知</a><span>2020-12-03</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2020/11/5/art_3106_61080.html" title="关于法律援助工作的公告">关于法律援助工作的公告</a><span>2020-11-05</span></li>]]></record>
</recordset></datastore></script></div>`);
    const r = parseList(html, 'http://127.0.0.1:8000/col/col3106/index.html');
    expect(r.items.map((i) => [i.title, i.date, i.url])).toEqual([
      ['关于开展宪法宣传周活动的通知', '2020-12-03', 'http://127.0.0.1:8000/art/2020/12/3/art_3106_61091.html'],
      ['关于法律援助工作的公告', '2020-11-05', 'http://127.0.0.1:8000/art/2020/11/5/art_3106_61080.html'],
    ]);
    expect(r.endpoint).toMatchObject({
      kind: 'hanweb-dataproxy',
      url: 'http://127.0.0.1:8000/module/web/jpage/dataproxy.jsp',
      method: 'GET',
      pageParam: 'page',
      params: { columnid: '3106', unitid: '5106', webid: '2', page: '1' },
    });
    // The double-encoded webname goes back out exactly as the page wrote it.
    expect(new URLSearchParams(r.endpoint!.params).toString()).toContain('webname=%25E5%25AE%259C');
  });

  it('parses dataproxy and 集约化 answers', () => {
    const hanweb: ListEndpoint = { kind: 'hanweb-dataproxy', url: 'http://h/module/web/jpage/dataproxy.jsp', method: 'GET', params: { page: '1' }, pageParam: 'page', perPage: 15 };
    const xml = `<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>31</totalrecord><recordset>
<record><![CDATA[<li><a href="/art/2020/12/3/art_1_2.html" title="公告全称">公告...</a><b>2020-12-03</b></li>]]></record></recordset></datastore>`;
    const h = parseEndpointResponse(hanweb, xml, hanweb.url);
    expect(h.items).toEqual([{ title: '公告全称', url: 'http://h/art/2020/12/3/art_1_2.html', date: '2020-12-03', dateSource: 'list' }]);
    expect(h.pagesAnnounced).toBe(3);

    const jiyue: ListEndpoint = { kind: 'jiyue-loadPageData', url: 'http://j/queryList', method: 'POST', params: { pageSize: '15' }, pageParam: 'current', perPage: 15, base: 'http://j/xzz/' };
    const ucap = JSON.stringify({ data: { total: 444, results: [
      { source: { title: '<p>《管理办法》政策解读</p>', pubDate: '2025-07-29 16:59', urls: '{"pc":"/jxssthjt/col/col42150/content/content_1.html"}', topStatus: 1 } },
      { source: { title: '一图读懂', pubDate: 1749181130585, urls: '{"pc":"art/2025/6/6/art_9_2.html"}', topStatus: 0 } },
    ] } });
    const j = parseEndpointResponse(jiyue, ucap, jiyue.url);
    expect(j.pagesAnnounced).toBe(30);
    expect(j.items).toEqual([
      { title: '《管理办法》政策解读', url: 'http://j/jxssthjt/col/col42150/content/content_1.html', date: '2025-07-29', dateSource: 'list', pinned: true },
      { title: '一图读懂', url: 'http://j/xzz/art/2025/6/6/art_9_2.html', date: '2025-06-06', dateSource: 'list' },
    ]);
    expect(parseEndpointResponse(jiyue, 'not json', jiyue.url).items).toEqual([]);
  });

  it('reports content iframes on the portal host, not third-party widgets', () => {
    const r = parseList(shell(`<iframe src="http://tianqi.2345.com/plugin/widget/index.htm"></iframe><div class="content"><iframe src="list_frame.html" width="100%"></iframe></div>`), PAGE);
    expect(r.iframes).toEqual(['http://127.0.0.1:8000/xxgk/jtj/tzgg/list_frame.html']);
    expect(r.needsBrowser).toBe(false);
  });

  it('asks for a browser when templates render an empty list and no endpoint is known', () => {
    const r = parseList(shell(`<div id="list"></div><script id="tpl" type="text/x-handlebars-template">{{#each data}}<li>{{title}}</li>{{/each}}</script>
<script>$.ajax({url: '/api/list', success: function (d) { $('#list').html(render(d)); }});</script>`), PAGE);
    expect(r).toMatchObject({ items: [], needsBrowser: true });
    expect(r.endpoint).toBeUndefined();
  });

  it('does not ask for a browser for a plain empty column', () => {
    const r = parseList(shell('<ul class="list"></ul><p>暂无信息</p>'), PAGE);
    expect(r).toMatchObject({ items: [], needsBrowser: false, nextPages: [] });
  });

  it('knows a script-drawn list from general signs, not names: an empty box a script names or that says it is loading, and a script that can fetch', () => {
    // The request is in a script file of the portal's own; the page only names the box.
    const named = parseList(shell(`<ul id="infoBox"></ul><script src="/js/site.js"></script><script>drawInfo('infoBox', 'tzgg');</script>`), PAGE);
    expect(named.needsBrowser).toBe(true);
    const loading = parseList(shell(`<div class="con"><ul><li class="x">数据加载中……</li></ul></div><script src="/js/site.js"></script>`), PAGE);
    expect(loading.needsBrowser).toBe(true);
    // No script that could fetch anything: the empty box is the column's answer.
    expect(parseList(shell(`<ul id="infoBox"><li>正在加载</li></ul>`), PAGE).needsBrowser).toBe(false);
    // A script file, but no box left for it (an empty pager box does not count).
    expect(parseList(shell(`<ul class="list"></ul><div id="page_div"></div><script src="/js/jquery.js"></script><script>createPageHTML('page_div', 1, 1, 'index', 'html');</script>`), PAGE).needsBrowser).toBe(false);
  });
});

describe.skipIf(!hasReal)('parseList on real pages', () => {
  it('Handan TRS table: the one row dated 2020-08-05, countPage=56 → 55 more pages', () => {
    const r = parseList(real('list/handan-xxgk-trs-list-countPage.html'), 'http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/');
    expect(r.items).toEqual([{
      title: '邯郸市教育局关于印发《邯郸市学校安全工作目标管理考核办法》的通知',
      url: 'http://hdzfxxgk.hd.gov.cn/gszbm/auto23716/202008/t20200805_1353179.html',
      date: '2020-08-05',
      dateSource: 'list',
    }]);
    expect(r.pagesAnnounced).toBe(56);
    expect(r.nextPages).toEqual(Array.from({ length: 55 }, (_, i) => `http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index_${i + 1}.html`));
  });

  it('Ordos annual-report column: ten rows incl. 2020-09-03, countPage 2', () => {
    const r = parseList(real('list/ordos-engebei-trs-xxgknb-column-countPage.html'), 'http://egb.ordos.gov.cn/xxgk/xxgknb/');
    expect(r.items).toHaveLength(10);
    expect(r.items[0]).toEqual({
      title: '鄂尔多斯市2019年政府信息公开工作年度报告',
      url: 'http://egb.ordos.gov.cn/xxgk/xxgknb/202009/t20200903_2748784.html',
      date: '2020-09-03',
      dateSource: 'list',
    });
    // The list date wins over the address date (t20181102 listed as 2018-03-26).
    expect(r.items.find((i) => i.url.endsWith('t20181102_2290635.html'))!.date).toBe('2018-03-26');
    expect(r.items.every((i) => i.dateSource === 'list')).toBe(true);
    expect(r.pagesAnnounced).toBe(2);
    expect(r.nextPages).toEqual(['http://egb.ordos.gov.cn/xxgk/xxgknb/index_1.html']);
  });

  it('Yichun JEECMS page 6/66: 2017 items, onclick pages index_5/index_7 and all 66 pages', () => {
    const r = parseList(real('list/yichun-yctravel-jeecms-lykb-page6.html'), 'http://www.yctravel.gov.cn/lykb/index_6.jhtml');
    expect(r.items.length).toBeGreaterThanOrEqual(20);
    expect(r.items[0]).toEqual({ title: '骑游同乐，美景共享！宜丰千人骑游活动完美落幕！', url: 'http://www.yctravel.gov.cn/lykb/9010.jhtml', date: '2017-09-28', dateSource: 'list' });
    expect(r.items.every((i) => i.date!.startsWith('2017-'))).toBe(true);
    expect(r.pagesAnnounced).toBe(66);
    expect(r.nextPages).toContain('http://www.yctravel.gov.cn/lykb/index_5.jhtml');
    expect(r.nextPages).toContain('http://www.yctravel.gov.cn/lykb/index_7.jhtml');
    expect(r.nextPages).toHaveLength(65);
  });

  it('Dingxi dataproxy answer: 45 records, titles from @title, dates from <b>, the endpoint from <nextgroup>', () => {
    const r = parseList(real('list/dingxi-hanweb-dataproxy-xml-col12377.html'), 'http://zwgk.dingxi.gov.cn/module/web/jpage/dataproxy.jsp?page=1');
    expect(r.items).toHaveLength(45);
    expect(r.items.some((i) => i.title.endsWith('...'))).toBe(false);
    expect(r.items[1]).toEqual({
      title: '定西市工信局关于对省级第二轮环保督察反馈第四项第十三项问题整改完成情况的公示',
      url: 'http://zwgk.dingxi.gov.cn/art/2022/1/19/art_12377_1486583.html',
      date: '2022-01-19',
      dateSource: 'list',
    });
    expect(r.items.find((i) => i.url.includes('art_12480_'))!.title).toBe('甘肃省人民政府教育督导委员会办公室关于开展2021年市（州）人民政府履行教育职责情况满意度调查的通知');
    expect(r.endpoint).toMatchObject({ kind: 'hanweb-dataproxy', method: 'GET', pageParam: 'page', url: 'http://zwgk.dingxi.gov.cn/module/web/jpage/dataproxy.jsp' });
    expect(r.endpoint!.params).toMatchObject({ columnid: '12377', unitid: '38486', webid: '110', appid: '1', page: '1' });
  });

  it('Gansu: the commented-out items and createPageHTML do not count; page_list.js means a browser is needed', () => {
    const r = parseList(real('list/gansu-jyt-xxgk-wjtz-commented-items.html'), 'http://jyt.gansu.gov.cn/jyt/c110634/zwgklist.shtml');
    expect(r.items).toEqual([]);
    expect(r.nextPages).toEqual([]);
    expect(r.pagesAnnounced).toBeUndefined();
    expect(r.endpoint).toBeUndefined();
    expect(r.needsBrowser).toBe(true);
  });

  it('Jiangxi 集约化: loadPageData → POST /queryList endpoint; the embedded listData gives the first items', () => {
    const r = parseList(real('list/jiangxi-sthjt-jiyue-col42150-zcjd-clientrender.html'), 'http://sthjt.jiangxi.gov.cn/jxssthjt/col/col42150/index.html');
    expect(r.endpoint).toMatchObject({
      kind: 'jiyue-loadPageData',
      url: 'http://sthjt.jiangxi.gov.cn/queryList',
      method: 'POST',
      pageParam: 'current',
      perPage: 15,
      params: { unitid: '380055', 'webSiteCode[]': 'jxssthjt', 'channelCode[]': 'col42150', pageSize: '15', current: '1' },
    });
    expect(r.needsBrowser).toBe(false);
    expect(r.items).toHaveLength(50);
    expect(r.items[0]).toEqual({
      title: '《江西省生态环境分类执法监管办法》政策解读',
      url: 'http://sthjt.jiangxi.gov.cn/jxssthjt/col/col42150/content/content_1951206363677671424.html',
      date: '2025-07-29',
      dateSource: 'list',
    });
  });

  it('Jiujiang search results: titles from @title, 发布时间 dates, addresses on other county sites kept', () => {
    const r = parseList(real('list/jiujiang-irs-search-results-browserdom.html'), 'https://sousuo.jiangxi.gov.cn/jsearchfront/search.do?q=种植');
    expect(r.items).toHaveLength(10);
    expect(r.items[0]).toEqual({
      title: '棉花种植面积核实种植户公示',
      url: 'http://www.ruichang.gov.cn/zwgk/zfxxgkml/xzxxgk/hgz/zdlyxxrcshgz/202511/t20251105_7049699.html',
      date: '2025-11-05',
      dateSource: 'list',
    });
    expect(r.nextPages).toEqual([]);
  });

  it('Pingtan leader column: the one static item, not the avalon templates', () => {
    const r = parseList(real('leader/pingtan-trs-jiyue-ldzc-cjs-gzfg-list.html'), 'https://www.pingtan.gov.cn/zwgk/ldzc/cjs/gzfg/');
    expect(r.items).toEqual([{ title: '工作分工', url: 'https://www.pingtan.gov.cn/zwgk/ldzc/cjs/gzfg/202604/t20260407_106037.htm', date: '2026-04-07', dateSource: 'list' }]);
    expect(r.needsBrowser).toBe(false);
  });
});
