import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../src/crawl/parse/article.ts';

const REAL = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'realpages');
const hasReal = existsSync(REAL);
if (!hasReal) console.warn(`[parse-article] ${REAL} is absent: real-page checks are skipped`);
const real = (path: string) => readFileSync(join(REAL, path), 'utf8');

const URL_ = 'http://127.0.0.1:8000/xxgk/wjw/zcjd/202012/t20201203_55.html';
const page = (head: string, body: string) => `<html><head>${head}</head><body>
<div class="header"><a href="/">网站首页</a><span>今天是2021年1月20日</span></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/wjw/">县卫生健康委员会</a> &gt; 政策解读</div>
${body}
<div class="footer"><a href="/wzdt/">网站地图</a><p>主办单位：宜丰县人民政府办公室 技术支持：某公司</p></div></body></html>`;

describe('parseArticle: metadata', () => {
  it('reads title, 发布日期, 成文日期, 信息来源 and 文号 from the visible header', () => {
    const a = parseArticle(page('<title>关于印发《宜丰县卫生健康工作要点》的通知_政策文件_宜丰县人民政府</title>', `
<div class="art-title"><h1>关于印发《宜丰县卫生健康工作要点》的通知</h1></div>
<div class="art-info"><span>发布日期：2020-12-03</span> <span>成文日期：2020年11月30日</span> <span>信息来源：县卫生健康委员会</span> <span>浏览次数：<script>document.write(12)</script></span></div>
<div class="doc">文号：宜卫发〔2020〕12号</div>
<div class="TRS_Editor"><p>各乡镇卫生院：</p><p>现将《宜丰县卫生健康工作要点》印发给你们，请认真贯彻执行。</p></div>`), URL_);
    expect(a).toMatchObject({
      title: '关于印发《宜丰县卫生健康工作要点》的通知',
      published: '2020-12-03',
      written: '2020-11-30',
      source: '县卫生健康委员会',
      docNumber: '宜卫发〔2020〕12号',
    });
    expect(a.text).toBe('各乡镇卫生院：\n现将《宜丰县卫生健康工作要点》印发给你们，请认真贯彻执行。');
  });

  it('reads 形成日期 (条例第二十六条 counts from when information is formed) as the 成文日期', () => {
    const a = parseArticle(page('<title>x</title>', `<div class="info">形成日期：2020年9月8日 发布日期：2020-09-11</div><div id="zoom"><p>正文内容。正文内容。正文内容。</p></div>`), URL_);
    expect(a).toMatchObject({ written: '2020-09-08', published: '2020-09-11' });
  });

  it('prefers what the page shows over <meta>, and never reads page-generation stamps', () => {
    const a = parseArticle(page(`<meta name="PubDate" content="2019-01-01 09:00"><meta name="Maketime" content="2021-01-15 10:00:00">
<meta name="HtmlGenerateTime" content="2021-01-16 11:00:00"><meta name="others" content="页面生成时间 2021-01-17 12:00:00"><meta name="ContentSource" content="县政府办">
<title>x</title>`, `<div class="info">发布时间：2020-12-03 10:30 来源：县卫生健康委员会</div><div id="zoom"><p>正文内容。正文内容。正文内容。</p></div>`), URL_);
    expect(a.published).toBe('2020-12-03');
    expect(a.source).toBe('县卫生健康委员会');
    const onlyStamps = parseArticle(page('<meta name="Maketime" content="2021-01-15 10:00:00"><meta name="HtmlGenerateTime" content="2021-01-16 11:00:00">', '<div id="zoom"><p>没有任何日期标注的正文内容。没有日期。</p></div>'), URL_);
    expect(onlyStamps.published).toBeNull();
  });

  it('does not take other labels that end in 时间/日期 (办理时间, 会议时间) for the publication date', () => {
    const a = parseArticle(page('', `<div class="TRS_Editor"><p>会议时间：2020年12月1日上午9时</p><p>办理时间：2020-12-02</p><p>会议地点：县政府三楼会议室。</p></div>`), URL_);
    expect(a.published).toBeNull();
    const b = parseArticle(page('', `<div class="info">时间：2020-12-03 10:30</div><div class="TRS_Editor"><p>会议时间：2020年12月1日上午9时，会议内容如下。</p></div>`), URL_);
    expect(b.published).toBe('2020-12-03');
  });

  it('falls back to <meta> PubDate / firstpublishedtime and ContentSource', () => {
    const a = parseArticle(page('<meta name="firstpublishedtime" content="2007-08-20-23:59:59"><meta name="ContentSource" content="县司法局">', '<div id="UCAP-CONTENT"><p>决议正文。决议正文。决议正文。</p></div>'), URL_);
    expect([a.published, a.source]).toEqual(['2007-08-20', '县司法局']);
  });

  it('ignores dates and sources in HTML comments and alt attributes', () => {
    const a = parseArticle(page('', `<div class="top">
<!--<p><strong>成文日期</strong>：2020年08月02日</p>-->
<p><strong>发布日期</strong>：2020年08月05日</p>
<span alt="时间：2017-11-08 20:26"><i>来源：</i>山西日报</span></div>
<div class="TRS_Editor"><p>正文第一段，内容足够长以便识别为正文。</p></div>`), URL_);
    expect(a.written).toBeNull();
    expect(a.published).toBe('2020-08-05');
    expect(a.source).toBe('山西日报');
  });

  it('reads labels with spaces inside (索 引 号, 发 布 日 期) and glued labels', () => {
    const a = parseArticle(page('', `<ul class="index_box"><li>索&ensp;引&ensp;号：<font>PZ00108-0300-2022-00064</font></li>
<li>发&ensp;布&ensp;日&ensp;期：2022-10-10</li><li>发文字号：<font>无</font></li></ul>
<div class="info">信息来源：县财政局发布时间：2022-10-11</div>
<div class="article_content"><p>解读正文，解读正文，解读正文。</p></div>`), URL_);
    expect(a.published).toBe('2022-10-10');
    expect(a.source).toBe('县财政局');
    expect(a.docNumber).toBeNull();
  });

  it('takes a 文号 standing alone at the top of the body when no label gives one', () => {
    const a = parseArticle(page('', `<div class="TRS_Editor"><p style="text-align:center">宜府发〔2020〕12号</p><p>各乡镇人民政府，县直各单位：现将有关事项通知如下。</p></div>`), URL_);
    expect(a.docNumber).toBe('宜府发〔2020〕12号');
  });

  it('strips the site suffix from <title> and does not take a logo <h1> for the title', () => {
    const a = parseArticle(page('<title>山西品牌丝路行（南美站）正式启动 - 山西省人民政府门户网站</title>', `<div class="logo"><h1><a href="/">山西省人民政府网站</a></h1></div>
<div class="detail"><h2>山西品牌丝路行（南美站）正式启动</h2><div class="TRS_Editor"><p>正文正文正文正文正文正文正文。</p></div></div>`), URL_);
    expect(a.title).toBe('山西品牌丝路行（南美站）正式启动');
    const b = parseArticle('<html><head><title>全国人大常委会决议__2007年第23号国务院公报_中国政府网</title></head><body><div id="UCAP-CONTENT"><p>正文正文正文正文正文。</p></div></body></html>', URL_);
    expect(b.title).toBe('全国人大常委会决议');
  });
});

describe('parseArticle: body text, headings, links', () => {
  it('flattens tables cell by cell, joins words split across <p>/<span> inside a cell, handles &nbsp;', () => {
    const a = parseArticle(page('', `<div class="TRS_Editor"><p>一、总体情况</p><p>本年度工作稳步推进。</p>
<table><tr><td colspan="3">第二十条第（一）项</td></tr>
<tr><td><p>法律</p><p>服<span>务</span>\n &nbsp; &nbsp;</p><p><span>机构</span></p></td><td>&nbsp;</td><td>62</td></tr>
<tr><td>行政规范性文件</td><td>33</td><td>440</td></tr></table>
<p>二、主动公开政府信息情况</p><p>（一）主动公开方面。全年主动公开信息。</p></div>`), URL_);
    expect(a.text).toBe(
      '一、总体情况\n本年度工作稳步推进。\n第二十条第（一）项\n法律服务机构 62\n行政规范性文件 33 440\n二、主动公开政府信息情况\n（一）主动公开方面。全年主动公开信息。',
    );
    expect(a.headings).toEqual(['一、总体情况', '第二十条第（一）项', '二、主动公开政府信息情况', '（一）主动公开方面']);
  });

  it('keeps body links with their context and leaves out chrome links', () => {
    const a = parseArticle(page('', `<div class="TRS_Editor"><p>为便于理解《宜丰县卫生健康工作要点》，现解读如下。</p>
<p>原文链接：<a href="/xxgk/wjw/zcwj/202012/t20201201_50.html">关于印发《宜丰县卫生健康工作要点》的通知</a></p>
<p><a href="javascript:window.print()">打印</a> <a href="#">返回顶部</a></p></div>
<div class="share"><a href="http://service.weibo.com/share">微博</a></div>`), URL_);
    expect(a.links.map((l) => [l.url, l.text])).toEqual([
      ['http://127.0.0.1:8000/xxgk/wjw/zcwj/202012/t20201201_50.html', '关于印发《宜丰县卫生健康工作要点》的通知'],
    ]);
    // Up to 30 characters either side of the link text, across paragraph breaks.
    const { context, text } = a.links[0]!;
    expect(context).toContain(`现解读如下。 原文链接：${text}`);
    expect(context.length).toBeLessThanOrEqual(text.length + 62);
  });

  it('also keeps a 相关文件 link placed after the body', () => {
    const a = parseArticle(page('', `<div class="article"><div id="zoom"><p>政策解读正文，政策解读正文，政策解读正文。</p></div>
<div class="xgwj">相关文件：<a href="/xxgk/wjw/zcwj/202012/t20201201_51.html">县卫健委关于某事项的通知</a></div></div>`), URL_);
    expect(a.links.map((l) => l.url)).toEqual(['http://127.0.0.1:8000/xxgk/wjw/zcwj/202012/t20201201_51.html']);
    expect(a.links[0]!.context).toContain('相关文件：');
  });

  it('reads the body of an old table-built page as lines, not as one table cell', () => {
    const a = parseArticle(page('', `<table width="1000"><tr><td width="200"><a href="/a/">栏目一</a></td><td width="780">
<table class="article"><tr><td class="atitle">棠浦镇关于开展秋冬季秸秆禁烧工作的通知</td></tr>
<tr><td class="ainfo">发布时间：2020年09月18日　来源：棠浦镇人民政府</td></tr>
<tr><td class="docno">文号：棠府发〔2020〕21号</td></tr>
<tr><td class="acontent"><p>各村（居）民委员会，镇直各单位：</p><p>现将秋冬季秸秆禁烧工作有关事项通知如下，请认真贯彻落实，确保不发生焚烧秸秆现象，切实保护大气环境质量和群众身体健康。</p><p>棠浦镇人民政府</p></td></tr>
</table></td></tr></table>`), URL_);
    expect(a.published).toBe('2020-09-18');
    expect(a.source).toBe('棠浦镇人民政府');
    expect(a.docNumber).toBe('棠府发〔2020〕21号');
    expect(a.text).toContain('各村（居）民委员会，镇直各单位：\n现将秋冬季秸秆禁烧工作');
  });
});

describe('parseArticle: 有效性, colon-less metadata tables, downloads, images', () => {
  it('reads 有效性 from a labelled line and from a metadata table, and not from a comment', () => {
    const line = parseArticle(page('', `<div class="info"><span>文号：宜府规〔2020〕2号</span> <span>有效性：现行有效</span> <span>发布日期：2020-06-01</span></div>
<div class="TRS_Editor"><p>正文正文正文正文正文。</p></div>`), URL_);
    expect([line.validity, line.docNumber, line.published]).toEqual(['现行有效', '宜府规〔2020〕2号', '2020-06-01']);
    const table = parseArticle(page('', `<table class="meta"><tr><th>文号</th><td>宜府规〔2020〕3号</td><th>成文日期</th><td>2020年5月28日</td></tr>
<tr><th>有 效 性</th><td>有效</td><th>发布日期</th><td>2020-06-02</td></tr></table>
<div class="TRS_Editor"><p>正文正文正文正文正文。</p></div>`), URL_);
    expect([table.validity, table.docNumber, table.written, table.published]).toEqual(['有效', '宜府规〔2020〕3号', '2020-05-28', '2020-06-02']);
    const commented = parseArticle(page('', `<div class="info"><!--<p>有效性：有效</p>--><p>发布日期：2020-06-01</p></div><div class="TRS_Editor"><p>正文正文正文正文。</p></div>`), URL_);
    expect(commented.validity).toBeNull();
    const none = parseArticle(page('', `<div class="info"><p>有效性：</p><p>发布日期：2020-06-01</p></div><div class="TRS_Editor"><p>正文正文正文正文。</p></div>`), URL_);
    expect(none.validity).toBeNull();
  });

  it('does not take a header row of a table in the body (文号 | 成文日期) for label and value', () => {
    const a = parseArticle(page('', `<div class="TRS_Editor"><p>现将清理结果公布如下：</p>
<table><tr><th>序号</th><th>文件名称</th><th>文号</th><th>成文日期</th></tr>
<tr><td>1</td><td>关于某事项的通知</td><td>宜府发〔2015〕3号</td><td>2015-03-01</td></tr></table></div>`), URL_);
    expect([a.docNumber, a.written]).toEqual([null, null]);
  });

  it('records attachments after the body and a toolbar 下载 button, not the site header’s or footer’s downloads', () => {
    const html = `<html><head><title>x</title></head><body>
<div class="header"><a href="/xzzx/">下载中心</a><a href="/files/sqb.doc">政府信息公开申请表</a></div>
<div class="article"><div class="TRS_Editor"><p>正文正文正文正文正文。</p></div>
<div class="fujian">附件：<a href="./P020200601_1.pdf">宜丰县某管理办法.pdf</a> <a href="/module/download/downfile.jsp?filename=a.docx&classid=0">附件2</a></div>
<div class="tools"><span onclick="downloadText()">【下载】</span> <a href="javascript:window.print()">【打印】</a> <a href="/soft/reader.exe">PDF阅读器下载</a></div></div>
<div class="footer"><a href="/files/guide.pdf">信息公开指南.pdf</a></div></body></html>`;
    const a = parseArticle(html, URL_);
    expect(a.downloads).toEqual([
      { url: 'http://127.0.0.1:8000/xxgk/wjw/zcjd/202012/P020200601_1.pdf', text: '宜丰县某管理办法.pdf' },
      { url: 'http://127.0.0.1:8000/module/download/downfile.jsp?filename=a.docx&classid=0', text: '附件2' },
      { url: URL_, text: '【下载】' },
    ]);
    expect(a.scriptedAttachments).toBe(false);
  });

  it('says when a download link is only a template a script fills in, or scripts build the attachment list', () => {
    const bound = parseArticle(page('', `<div class="TRS_Editor"><p>正文正文正文正文正文。</p></div><div class="qzb"><a ms-attr-href="qzbFile" title="文件下载">文件下载</a></div>`), URL_);
    expect([bound.downloads, bound.scriptedAttachments]).toEqual([[], true]);
    const script = parseArticle(page('<script>var apps = []; function showFujian(list){ /* 附件 */ }</script>', `<div class="TRS_Editor"><p>正文正文正文正文正文。</p></div>`), URL_);
    expect(script.scriptedAttachments).toBe(true);
    const plain = parseArticle(page('', `<div class="TRS_Editor"><p>正文正文正文正文正文。</p></div><p><a>下载</a></p>`), URL_);
    expect([plain.downloads, plain.scriptedAttachments]).toEqual([[], false]);
  });

  it('counts body images that may carry content, not icons and logos', () => {
    const a = parseArticle(page('', `<div class="TRS_Editor"><p>机构设置如下图：</p><p><img src="/u/jgt.png"></p><p><img src="/i/icon_pdf.gif"><img src="/u/x.jpg" width="16" height="16"></p></div>`), URL_);
    expect(a.images).toBe(1);
  });
});

describe.skipIf(!hasReal)('parseArticle on real pages', () => {
  it('Handan detail: 发布日期 2020-08-02; 成文日期 is commented out; 文号 无 is none', () => {
    const a = parseArticle(real('article/handan-xxgk-trs-detail-jyj.html'), 'http://hdzfxxgk.hd.gov.cn/gszbm/auto23716/202008/t20200802_1352104.html');
    expect(a).toMatchObject({
      title: '邯郸市教育局关于印发《全市教育系统安全专项整治三年行动实施方案》的通知',
      published: '2020-08-02',
      written: null,
      source: '邯郸市教育局',
      docNumber: null,
    });
    expect(a.links.some((l) => /走进邯郸|网站首页|网站声明/.test(l.text))).toBe(false);
    // 有效期 is commented out, and the page offers no download.
    expect([a.validity, a.downloads, a.scriptedAttachments]).toEqual([null, [], false]);
  });

  it('zj-fgw Hanweb: 发布日期 2016-11-22, not Maketime 2019-03-22; source 省发改委; body between ZJEG_RSS markers', () => {
    const a = parseArticle(real('article/zj-fgw-hanweb-deqing-investment.html'), 'http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html');
    expect(a).toMatchObject({ title: '1-10月德清县固定资产投资结构趋稳趋优', published: '2016-11-22', written: null, source: '省发改委', docNumber: null });
    expect(a.text.startsWith('1-10月，全县固定资产投资完成246.79亿元')).toBe(true);
    expect(a.text.endsWith('（德清县发改局）')).toBe(true);
  });

  it('Shanxi TRS: visible 2019-09-18 and 山西日报, not the alt attributes 2017-11-08 / 省政府办公厅', () => {
    const a = parseArticle(real('article/shanxi-gov-trs-news.html'), 'http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml');
    expect(a).toMatchObject({ title: '山西品牌丝路行（南美站）正式启动', published: '2019-09-18', source: '山西日报' });
    expect(a.text).toContain('山西品牌丝路行首次登陆巴西');
    expect(a.text).not.toMatch(/字体|放大|分享/);
  });

  it('gov.cn gazette: firstpublishedtime 2007-08-20 (odd format), not 页面生成时间 2023-10-23; body in #UCAP-CONTENT', () => {
    const a = parseArticle(real('article/govcn-trs-gazette-2007.html'), 'https://www.gov.cn/gongbao/content/2007/content_711039.htm');
    expect(a.published).toBe('2007-08-20');
    expect(a.written).toBeNull();
    expect(a.title).toBe('全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇及调整2007年末国债余额限额的决议');
    expect(a.text).toContain('批准发行15500亿元特别国债购买外汇');
  });

  it('Pingtan 2024 annual report: 2025-03-10, the tables’ text in the body, the six section headings', () => {
    const a = parseArticle(real('annual-report/pingtan-trs-jiyue-2024-zfxxgknb.html'), 'https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm');
    expect(a).toMatchObject({ title: '平潭综合实验区2024年度政府信息公开工作年度报告', published: '2025-03-10', source: '平潭综合实验区管委会办公室' });
    expect(a.text).toContain('法律服务机构');
    expect(a.text).toContain('一、本年新收政府信息公开申请数量 217 1 0 0 0 0 218');
    expect(a.text).toContain('行政规范性文件 62 33 440');
    const sections = a.headings.filter((h) => /^[一二三四五六]、/.test(h));
    expect(sections).toEqual([
      '一、总体情况',
      '二、主动公开政府信息情况',
      '三、收到和处理政府信息公开申请情况',
      '四、政府信息公开行政复议、行政诉讼情况',
      '五、存在的主要问题及改进情况',
      '六、其他需要报告的事项',
    ]);
    expect(a.headings).toContain('（一）主动公开方面');
  });

  it('Pingtan interpretation excerpt: 成文/发布日期 from the metadata box, the bare link to the original', () => {
    const a = parseArticle(real('interpretation/pingtan-czj-zcjd-2022-77012-excerpt.html'), 'https://www.pingtan.gov.cn/zwgk/zfxxgk/dfbmptlj/ptzhsyqbm/ptzhsyqczj/fdzdgknr/6csxgzcjjd/202210/t20221010_77012.htm');
    expect(a).toMatchObject({ published: '2022-10-10', written: '2022-10-09', source: '平潭综合实验区财政金融局', docNumber: null });
    expect(a.title).toBe('平潭综合实验区财政金融局关于《平潭综合实验区区（县）对片区（乡镇）财政财务管理办法》的政策解读');
    expect(a.links.map((l) => l.url)).toEqual(['https://www.pingtan.gov.cn/site/main/info/gov_ml_show.jsp?documentid=26436']);
    expect(a.links[0]!.text).toContain('财政财务管理办法》的通知');
    // 有&ensp;效&ensp;性： <em>有效</em>; the 文件下载 link's target is an avalon binding, filled in at run time.
    expect([a.validity, a.downloads, a.scriptedAttachments]).toEqual(['有效', [], true]);
  });

  it('Shanghai 2019 report body fragment: title, 发布日期 in the body, headings incl. the one after <br />', () => {
    const a = parseArticle(real('annual-report/shanghai-szfbgt-2019-body.html'), 'https://www.shanghai.gov.cn/nw2319/nw2404/nw48480/index.html');
    expect(a.title).toBe('2019年上海市人民政府办公厅政府信息公开工作年度报告');
    expect(a.published).toBe('2020-01-31');
    expect(a.headings.filter((h) => /^[一二三四五六]、/.test(h))).toEqual([
      '一、总体情况',
      '二、主动公开政府信息情况',
      '三、收到和处理政府信息公开申请情况',
      '四、政府信息公开行政复议、行政诉讼情况',
      '五、政府信息公开工作存在的主要问题及改进情况',
      '六、其他需要报告的事项',
    ]);
    expect(a.text).toContain('<长江三角洲区域一体化发展规划纲要>');
  });

  it.each([
    ['interpretation/pingtan-czj-zcjd-2022-77012.txt', { written: '2022-10-09', published: '2022-10-10', docNumber: null }],
    ['leader/pingtan-czj-zwgk-ldxz-2016-61740.txt', { written: '2016-07-25', published: '2016-07-27', docNumber: '岚财金〔2016〕133号' }],
  ])('labelled fields in the archiver’s flattened text of %s', (file, want) => {
    const body = real(file).split('\n').slice(9).join('\n');
    const escaped = body.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    expect(parseArticle(`<div id="zoom">${escaped}</div>`, 'https://www.pingtan.gov.cn/x.htm')).toMatchObject(want);
  });
});

describe('parseArticle: tables and definition lists with their structure', () => {
  it('keeps data tables as rows × cells, spans repeated in every place they cover, and <dl> as term rows', () => {
    const a = parseArticle(page('<title>领导分工</title>', `<div class="TRS_Editor"><p>领导分工如下：</p>
<table><tr><th>姓名</th><th>职务</th><th>分工</th></tr>
<tr><td><p>张三</p></td><td>副局长</td><td rowspan="2">负责办公室、<br>政务公开工作</td></tr>
<tr><td>李四</td><td>副局长</td></tr>
<tr><td colspan="2">王五 局长</td><td>主持全面工作</td></tr></table>
<dl><dt>分管领导</dt><dd>刘卫国 副镇长</dd><dd>联系电话：0795-1234567</dd><dt>承办科室</dt><dd>党政办</dd></dl></div>`), URL_);
    expect(a.tables).toEqual([
      {
        rows: [
          ['姓名', '职务', '分工'],
          ['张三', '副局长', '负责办公室、 政务公开工作'],
          ['李四', '副局长', '负责办公室、 政务公开工作'],
          ['王五 局长', '王五 局长', '主持全面工作'],
        ],
      },
      { kind: 'dl', rows: [['分管领导', '刘卫国 副镇长', '联系电话：0795-1234567'], ['承办科室', '党政办']] },
    ]);
    // The text is as before: tables flattened cell by cell.
    expect(a.text.split('\n')).toContain('张三 副局长 负责办公室、 政务公开工作');
  });

  it('a layout table is looked into, not kept; chrome and pages without tables keep none; a hostile span is bounded', () => {
    const layout = parseArticle(page('', `<div class="TRS_Editor"><table><tr><td><p>正文第一段很长的内容。</p><table><tr><td>甲</td><td>乙</td></tr></table></td></tr></table></div>`), URL_);
    expect(layout.tables).toEqual([{ rows: [['甲', '乙']] }]);
    expect(parseArticle(page('', '<div class="TRS_Editor"><p>没有表格。</p></div>'), URL_).tables).toBeUndefined();
    const huge = parseArticle(page('', `<div class="TRS_Editor"><table><tr><td colspan="100000" rowspan="100000">甲</td></tr>${'<tr><td>乙</td></tr>'.repeat(300)}</table></div>`), URL_);
    const rows = huge.tables![0]!.rows;
    expect(rows.length).toBeLessThanOrEqual(200);
    expect(Math.max(...rows.map((r) => r.length))).toBeLessThanOrEqual(20);
  });
});

describe('parseArticle: data tables and personal numbers', () => {
  const ID = '360922198503151237';

  it('keeps a statistics table with its spans spread out; the inner table of a layout table is data, the outer one not', () => {
    const a = parseArticle(page('', `<div class="TRS_Editor"><p>申请情况如下。</p>
<table border="1"><tr><td rowspan="2" colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="2">申请人情况</td></tr>
<tr><td>自然人</td><td>总　计</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>12</td><td>12</td></tr></table>
<table><tr><td><table><tr><td>内</td><td>层</td></tr><tr><td>1</td><td>2</td></tr></table></td></tr></table></div>`), URL_);
    const note = '（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）';
    expect(a.tables).toEqual([
      {
        rows: [
          [note, note, note, '申请人情况', '申请人情况'],
          [note, note, note, '自然人', '总 计'],
          ['一、本年新收政府信息公开申请数量', '一、本年新收政府信息公开申请数量', '一、本年新收政府信息公开申请数量', '12', '12'],
        ],
      },
      { rows: [['内', '层'], ['1', '2']] },
    ]);
  });

  it('masks ID numbers in every field and records where they were', () => {
    const a = parseArticle(page('<title>关于张三（' + ID + '）的公示</title>', `<h1>关于张三（${ID}）的公示</h1>
<div class="TRS_Editor"><p>申请人张三，身份证号${ID}，经审核符合条件。</p>
<table><tr><td>姓名</td><td>身份证号</td></tr><tr><td>张三</td><td>${ID}</td></tr></table>
<p>附件：<a href="/f/1.xls">张三${ID}.xls</a></p></div>`), URL_);
    expect(JSON.stringify(a)).not.toContain(ID);
    expect(a.title).toBe('关于张三（3609**********1237）的公示');
    expect(a.tables![0]!.rows[1]![1]).toBe('3609**********1237');
    expect(a.links[0]!.text).toBe('张三3609**********1237.xls');
    expect(a.personalData.map((h) => [h.field, h.kind, h.masked, h.valid])).toEqual([
      ['title', 'id-number', '3609**********1237', true],
      ['text', 'id-number', '3609**********1237', true],
      ['text', 'id-number', '3609**********1237', true],
      ['text', 'id-number', '3609**********1237', true],
    ]);
    for (const h of a.personalData) expect((h.field === 'title' ? a.title : a.text).slice(h.at, h.at + 18)).toBe('3609**********1237');
  });
});
