import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverColumns } from '../../src/crawl/parse/tree.ts';
import type { DiscoveredColumn } from '../../src/crawl/parse/types.ts';

const REAL = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'realpages');
const hasReal = existsSync(REAL);
if (!hasReal) console.warn(`[parse-tree] ${REAL} is absent: real-page checks are skipped`);
const real = (path: string) => readFileSync(join(REAL, path), 'utf8');

const keys = (cols: DiscoveredColumn[]) => cols.map((c) => c.path.join('/'));
const byKey = (cols: DiscoveredColumn[], key: string) => cols.find((c) => c.path.join('/') === key);

function expectUnique(cols: DiscoveredColumn[]): void {
  expect(new Set(keys(cols)).size).toBe(cols.length);
}

const CHROME = `
<div class="header"><a href="/">网站首页</a><a href="/xxgk/index.html">政府信息公开</a><a href="http://www.jiangxi.gov.cn/">江西省人民政府</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/zjyf/">走进宜丰</a></li></ul></div>
<form class="search"><input name="q"><a href="/search/adv.html">高级搜索</a></form>`;
const FOOTER = `
<div class="other-units"><h3>县政府部门</h3><ul>
<li><a href="/xxgk/wjw/index.html">县卫生健康委员会</a></li><li><a href="/xxgk/sfj/index.html">县司法局</a></li>
<li><a href="/xxgk/rsj/index.html">县人力资源和社会保障局</a></li><li><a href="/xxgk/xzz/index.html">新庄镇</a></li></ul></div>
<div class="footer"><div class="friend-links">友情链接：<a href="http://www.gov.cn/">中国政府网</a><a href="/xxgk/index.html">政府信息公开平台</a></div>
<p>主办单位：宜丰县人民政府办公室 网站标识码：3609240001</p></div>`;

describe('discoverColumns on markup', () => {
  it('reads a nested <ul>/<li> tree as paths and ignores header, search, other units and footer', () => {
    const html = `<html><body>${CHROME}
<div class="left-tree"><ul>
  <li><a href="/xxgk/jtj/jgzn/">机构职能</a></li>
  <li><a href="/xxgk/jtj/xxgkzn/">信息公开指南</a></li>
  <li><span>法规文件</span><ul>
    <li><a href="/xxgk/jtj/fgwj/gfxwj/">规范性文件</a></li>
    <li><a href="/xxgk/jtj/fgwj/zcwj/">政策文件</a></li>
  </ul></li>
  <li><a href="/xxgk/jtj/tzgg/">通知公告</a></li>
  <li><a href="/xxgk/jtj/ndbg/">年度报告</a></li>
</ul></div>
<div class="right"><ul><li><a href="/xxgk/jtj/tzgg/202012/t20201201_1.html">关于做好2020年冬季安全工作的通知</a><span>2020-12-01</span></li></ul></div>
${FOOTER}</body></html>`;
    const cols = discoverColumns(html, 'http://127.0.0.1:8000/xxgk/jtj/index.html');
    expect(keys(cols)).toEqual(['机构职能', '信息公开指南', '法规文件/规范性文件', '法规文件/政策文件', '通知公告', '年度报告']);
    expect(byKey(cols, '法规文件/规范性文件')!.url).toBe('http://127.0.0.1:8000/xxgk/jtj/fgwj/gfxwj/');
  });

  it('gives a group heading that links somewhere its own column and marks it hasChildren', () => {
    const html = `<body>${CHROME}<div class="sidebar"><ul>
<li><a href="/xxgk/wjw/fgwj/">法规文件</a><ul><li><a href="/xxgk/wjw/fgwj/gfxwj/">规范性文件</a></li><li><a href="/xxgk/wjw/fgwj/zcwj/">政策文件</a></li></ul></li>
<li><a href="/xxgk/wjw/tzgg/">通知公告</a></li><li><a href="/xxgk/wjw/zcjd/">政策解读</a></li></ul></div>${FOOTER}</body>`;
    const cols = discoverColumns(html, 'http://127.0.0.1:8000/xxgk/wjw/index.shtml');
    expect(keys(cols)).toEqual(['法规文件', '法规文件/规范性文件', '法规文件/政策文件', '通知公告', '政策解读']);
    expect(byKey(cols, '法规文件')!.hasChildren).toBe(true);
    expect(byKey(cols, '通知公告')!.hasChildren).toBeUndefined();
  });

  it('reads <h3> group headings followed by a <ul>, with names split by <br>', () => {
    const html = `<body>${CHROME}<div class="sideMenu">
<h3><em></em><div>政府信息<br>公开目录</div><span></span></h3>
<ul><li><span>·</span><a href="/ssz/c1/list.shtml">政策文件</a></li><li><span>·</span><a href="/ssz/c2/list.shtml">通知公告</a></li></ul>
<h3><a href="/ssz/c3/list.shtml">政府信息<br>公开年报</a></h3>
<h3>依申请公开</h3>
<ul><li><a href="/ssz/c4/list.shtml">申请指南</a></li></ul>
</div>${FOOTER}</body>`;
    const cols = discoverColumns(html, 'http://127.0.0.1:8000/ssz/c0/xxgk.shtml');
    expect(keys(cols)).toEqual(['政府信息公开目录/政策文件', '政府信息公开目录/通知公告', '政府信息公开年报', '依申请公开/申请指南']);
  });

  it('reads <dl>: the <dd>s after a <dt> belong to it, and a lone caption over the whole tree is dropped', () => {
    const html = `<body>${CHROME}<div class="left-menu"><dl><dt><a href="/rsj/zwgk/index.html">县人力资源和社会保障局</a></dt><dt>信息公开目录</dt>
<dd><a href="./list.jsp?cid=1201">机构职能</a></dd><dd><a href="./list.jsp?cid=1204">政策文件</a></dd><dd><a href="./list.jsp?cid=1205">通知公告</a></dd>
<dd><a href="./list.jsp?cid=1210">年度报告</a></dd></dl></div>${FOOTER}</body>`;
    const cols = discoverColumns(html, 'http://127.0.0.1:8000/rsj/zwgk/index.html');
    expect(keys(cols)).toEqual(['机构职能', '政策文件', '通知公告', '年度报告']);
    expect(cols[1]!.url).toBe('http://127.0.0.1:8000/rsj/zwgk/list.jsp?cid=1204');
  });

  it('keeps only the index page’s host, drops self-links and marks columns that are single documents', () => {
    const html = `<body><div class="column-tree"><ul>
<li><a href="/xxgk/hgs/index.html">信息公开首页</a></li>
<li><a href="/xxgk/hgs/jgzn/202001/t20200110_5.html">机构职能</a></li>
<li><a href="/xxgk/hgs/zcwj/">政策文件</a></li>
<li><a href="http://127.0.0.2:8000/zcwj/">政策解读</a></li>
<li><a href="/xxgk/hgs/tzgg/">通知公告</a></li>
</ul></div></body>`;
    const cols = discoverColumns(html, 'http://127.0.0.1:8000/xxgk/hgs/index.html');
    expect(keys(cols)).toEqual(['机构职能', '政策文件', '通知公告']);
    expect(byKey(cols, '机构职能')!.isArticle).toBe(true);
    expect(byKey(cols, '政策文件')!.isArticle).toBeUndefined();
  });

  it('reads only live markup: a tree entry inside an HTML comment does not exist', () => {
    const html = `<body><div class="lm"><ul><li><a href="/x/zcwj/">政策文件</a></li><!-- <li><a href="/x/old/">旧栏目通知公告</a></li> -->
<li><a href="/x/tzgg/">通知公告</a></li><li><a href="/x/ndbg/">年度报告</a></li></ul></div></body>`;
    expect(keys(discoverColumns(html, 'http://h/x/index.html'))).toEqual(['政策文件', '通知公告', '年度报告']);
  });

  describe('an index that links only one or two of its columns, or names them weakly', () => {
    const INDEX = 'http://127.0.0.1:8000/xxgk/ylj/index.html';
    const unitBox = `<div class="unit-info"><p>机构名称：县云岭局</p><p>办公地址：宜丰县新昌镇</p></div>`;
    const latest = `<div class="box"><h3>最新信息</h3><ul><li><a href="./tzgg/202012/t20201201_5.html">关于冬季安全的通知</a><span>2020-12-01</span></li></ul></div>`;

    it('one column: the one link to a list page under the index’s directory', () => {
      const html = `<body>${CHROME}${unitBox}<div class="entry"><a href="./tzgg/index.html">通知公告</a></div>${latest}${FOOTER}</body>`;
      expect(discoverColumns(html, INDEX)).toEqual([{ name: '通知公告', path: ['通知公告'], url: 'http://127.0.0.1:8000/xxgk/ylj/tzgg/index.html' }]);
    });

    it('weak names (要闻, 综合信息) that score no tree', () => {
      const html = `<body>${CHROME}<div class="cols"><a href="./yw/index.html">要闻</a> <a href="./zhxx/index.html">综合信息</a></div>${FOOTER}</body>`;
      expect(keys(discoverColumns(html, INDEX))).toEqual(['要闻', '综合信息']);
    });

    it('never a site-wide navigation or another unit’s tree outside the chrome', () => {
      const siteNav = `<div class="menu-bar"><a href="/zwfw/index.html">政务服务</a><a href="/hdjl/index.html">互动交流</a><a href="/zjyf/index.html">走进宜丰</a></div>`;
      const otherTree = `<div class="box"><a href="/xxgk/wjw/tzgg/index.html">通知公告</a><a href="/xxgk/wjw/index.html">县卫生健康委员会</a></div>`;
      expect(discoverColumns(`<body>${siteNav}${otherTree}${unitBox}</body>`, INDEX)).toEqual([]);
      const mixed = `<body>${siteNav}${otherTree}<a href="./ldxx/index.html">领导信息</a></body>`;
      expect(keys(discoverColumns(mixed, INDEX))).toEqual(['领导信息']);
    });
  });

  it('on a list page, keepSelf keeps the menu’s entry for the page’s own column', () => {
    const html = `<body>${CHROME}<div class="left-tree"><ul><li><a href="../tzgg/index.html">通知公告</a></li><li><a href="../ldxx/index.html">领导信息</a></li><li><a href="../zcwj/index.html">政策文件</a></li></ul></div>${FOOTER}</body>`;
    const page = 'http://127.0.0.1:8000/xxgk/ylj/tzgg/index.html';
    expect(keys(discoverColumns(html, page))).toEqual(['领导信息', '政策文件']);
    expect(keys(discoverColumns(html, page, { keepSelf: true }))).toEqual(['通知公告', '领导信息', '政策文件']);
  });

  it('returns nothing when no element holds a tree', () => {
    expect(discoverColumns(`<body>${CHROME}<p>栏目建设中。</p>${FOOTER}</body>`, 'http://127.0.0.1:8000/xxgk/x/index.html')).toEqual([]);
  });
});

describe('discoverColumns on the 集约化 JSON tree', () => {
  const tree = {
    code: 'col2100', showName: '政府信息公开', urls: JSON.stringify({ pc: '/xzz/col/col2100/index.html' }), showOrNot: 1,
    children: [
      { code: 'col2101', name: '机构职能', showName: '机构职能', urls: JSON.stringify({ pc: '/xzz/col/col2101/index.html' }), childCount: 0, showOrNot: 1 },
      { code: 'col2104', showName: '<p>政策文件</p>', urls: JSON.stringify({ pc: '/xzz/col/col2104/index.html' }), childCount: 2, showOrNot: 1 },
      { code: 'col2109', name: '内部栏目', showName: '内部栏目', urls: JSON.stringify({ pc: '/xzz/col/col2109/index.html' }), childCount: 0, showOrNot: 0 },
    ],
  };
  const page = `<html><head><base href="/xzz/"></head><body>
<ul id="subMenuBox"><script id="subMenu" type="text/x-handlebars-template">{{#each items}}<li><a href='{{pcUrl}}'>{{name}}</a></li>{{/each}}</script>
<script>
  // renderChannelTemplate('subMenu', ({"children":[{"name":"注释里的栏目","urls":"{\\"pc\\":\\"/xzz/col/col9/index.html\\"}"}]}).children);
  renderChannelTemplate('subMenu', (${JSON.stringify(tree)}).children, 'subMenuBox', true, { titleMax: 10 });
</script></ul>${FOOTER}</body></html>`;

  it('reads names (tags stripped), addresses from the urls JSON string, hidden and childCount', () => {
    const cols = discoverColumns(page, 'http://127.0.0.1:8000/xzz/col/col2100/index.html');
    expect(keys(cols)).toEqual(['机构职能', '政策文件', '内部栏目']);
    expect(cols[1]).toEqual({ name: '政策文件', path: ['政策文件'], url: 'http://127.0.0.1:8000/xzz/col/col2104/index.html', hasChildren: true });
    expect(cols[2]!.hidden).toBe(true);
    expect(cols[0]!.hidden).toBeUndefined();
  });
});

describe.skipIf(!hasReal)('discoverColumns on real pages', () => {
  it('Handan guide page: the sideMenu tree, not the 84 departments, the site map or off-host links', () => {
    const cols = discoverColumns(real('index/handan-xxgk-guide-dept-tree.html'), 'http://hdzfxxgk.hd.gov.cn/zfxxgkzn/');
    expectUnique(cols);
    expect(keys(cols)).toEqual([
      '政府信息公开制度',
      '法定主动公开内容',
      '法定主动公开内容/机构职责',
      '法定主动公开内容/规划计划',
      '法定主动公开内容/收费项目',
      '法定主动公开内容/重大建设项目',
      '法定主动公开内容/社会公益事业',
      '法定主动公开内容/公共资源配置',
      '法定主动公开内容/应急管理',
      '政府信息公开年报',
      '依申请公开',
    ]);
    expect(byKey(cols, '法定主动公开内容')!.hasChildren).toBe(true);
    // The comment bug duplicates 财政财务…应急管理 in live markup; paths stay unique and off-host entries (领导分工) stay out.
    expect(cols.every((c) => new URL(c.url).hostname === 'hdzfxxgk.hd.gov.cn')).toBe(true);
    expect(keys(cols).some((k) => /市教育局|邯郸新闻|走进邯郸|网站声明/.test(k))).toBe(false);
  });

  it('Gansu 信息公开 tree: li#erji_cNNN inside tables under <h3> groups, links off the portal left out', () => {
    const cols = discoverColumns(real('list/gansu-jyt-xxgk-wjtz-commented-items.html'), 'http://jyt.gansu.gov.cn/jyt/c110634/zwgklist.shtml');
    expectUnique(cols);
    expect(cols.length).toBe(47);
    expect(keys(cols).slice(0, 6)).toEqual(['规章', '政府信息公开指南', '政府信息公开制度', '政府文件/政策法规', '政府文件/政府文件', '政府文件/政策解读']);
    expect(byKey(cols, '法定主动公开内容/通知公告')!.url).toBe('http://jyt.gansu.gov.cn/jyt/c107293/zwgklzyj.shtml');
    expect(keys(cols).filter((k) => k.startsWith('政府信息公开年报/'))).toHaveLength(17);
    expect(byKey(cols, '依申请公开/申请结果查询')!.url).toBe('http://jyt.gansu.gov.cn/jyt/c110286/ysqgkcx.shtml');
    expect(keys(cols).some((k) => /助企纾困|行政许可和其他/.test(k))).toBe(false);
  });

  it('Jiangxi 集约化 page: the JSON subMenu tree with the hidden col42381', () => {
    const cols = discoverColumns(real('list/jiangxi-sthjt-jiyue-col42150-zcjd-clientrender.html'), 'http://sthjt.jiangxi.gov.cn/jxssthjt/col/col42150/index.html');
    expectUnique(cols);
    expect(cols).toHaveLength(12);
    const hidden = cols.find((c) => c.url.endsWith('/col42381/index.html'))!;
    expect(hidden).toMatchObject({ name: '政府信息公开', hidden: true, hasChildren: true });
    expect(byKey(cols, '权责清单')!.url).toBe('http://sthjt.jiangxi.gov.cn/jxssthjt/col/col42143/index.html');
    expect(byKey(cols, '政策法规解读· 以案释法')!.hidden).toBeUndefined();
    expect(byKey(cols, '机构信息')!.hasChildren).toBe(true);
  });

  it('Ordos column page: the left 信息公开 menu (the page itself excluded)', () => {
    const cols = discoverColumns(real('list/ordos-engebei-trs-xxgknb-column-countPage.html'), 'http://egb.ordos.gov.cn/xxgk/xxgknb/');
    expect(keys(cols)).toEqual(['信息公开规定', '信息公开制度', '信息公开指南', '信息公开目录', '依申请公开', '信息公开查询', '人事信息', '财务公开', '政府采购', '应急管理']);
    expect(byKey(cols, '信息公开指南')!.url).toBe('http://egb.ordos.gov.cn/xxgk/xxgkzn/');
  });
});
