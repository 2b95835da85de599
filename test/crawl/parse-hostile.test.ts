import { describe, expect, it } from 'vitest';
import { isArticleUrl } from '../../src/crawl/parse/addresses.ts';
import { parseArticle } from '../../src/crawl/parse/article.ts';
import { findDates, parseDateHit } from '../../src/crawl/parse/dates.ts';
import { MAX_TITLE, MAX_URL, resolveUrl } from '../../src/crawl/parse/dom.ts';
import { parseEndpointResponse, readHanwebDatastore } from '../../src/crawl/parse/endpoints.ts';
import { stripTags } from '../../src/crawl/parse/items.ts';
import { parseList } from '../../src/crawl/parse/list.ts';
import type { ListEndpoint } from '../../src/crawl/parse/types.ts';
import { policyNames } from '../../rules/interpretation-link.ts';

/**
 * The patterns over crawled text, on input crafted against each (issue 9).
 * Sizes are chosen so that the old backtracking patterns took from seconds to
 * hours: a regression shows as a run that never finishes. Each case also checks
 * that ordinary input still reads as before.
 */
const PAGE = 'http://127.0.0.1/xxgk/tzgg/index.html';
const row = (href: string, title = '关于做好冬季工作的通知', date = '2020-12-01') => `<li><a href="${href}">${title}</a><span>${date}</span></li>`;
const jiyue: ListEndpoint = { kind: 'jiyue-loadPageData', url: 'http://127.0.0.1/queryList', method: 'POST', params: { pageSize: '15' }, pageParam: 'current' };

describe('crafted input, read in one pass', () => {
  it('a javascript: address padded with spaces', () => {
    const list = parseList(`<ul>${row(`javascript:${' '.repeat(20_000)}x`)}${row(`javascript:${' '.repeat(5_000)}void(0)${' '.repeat(5_000)};`, '关于另一项工作的通知', '2020-11-01')}${row('./t20201020_3.html', '关于第三项工作的通知', '2020-10-20')}</ul>`, PAGE);
    // The first opens only by script (counted, never fetched); `void(0)` is no script at all.
    expect(list.items.map((i) => [i.title, Boolean(i.scriptOnly)])).toEqual([
      ['关于做好冬季工作的通知', true],
      ['关于第三项工作的通知', false],
    ]);
  });

  it('a datastore of empty or unclosed <record>s, comments and CDATA', () => {
    expect(readHanwebDatastore(`<datastore>${'<record>'.repeat(200_000)}</datastore>`)!.records).toEqual([]);
    expect(readHanwebDatastore(`<datastore>${'<record></record>'.repeat(100_000)}</datastore>`)!.records).toHaveLength(100_000);
    expect(readHanwebDatastore(`<datastore>${'<!--'.repeat(100_000)}<record>x</record>`)!.records).toEqual(['x']);
    expect(readHanwebDatastore(`<datastore>${'<![CDATA['.repeat(100_000)}<!-- a --><record>y</record>`)!.records).toEqual(['y']);
    // Ordinary: CDATA unwrapped, a comment outside CDATA dropped, one inside kept as data.
    const ds = readHanwebDatastore(`<datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&amp;columnid=3">]]></nextgroup>
<recordset><!-- <record>decoy</record> --><record> <![CDATA[<li><!-- kept -->甲</li>]]> </record><RECORD>乙</RECORD></recordset><totalrecord>2</totalrecord></datastore>`)!;
    expect(ds.records).toEqual(['<li><!-- kept -->甲</li>', '乙']);
    expect(ds.nextgroup).toBe('/module/web/jpage/dataproxy.jsp?page=1&columnid=3');
    expect(ds.totalRecords).toBe(2);
  });

  it('a JSONP answer with trailing padding', () => {
    const body = JSON.stringify({ data: { results: [{ source: { title: '关于春节值班的通知', pubDate: Date.parse('2020-12-20T09:00:00+08:00'), urls: '{"pc":"t20201220_1.html"}' } }], total: 1 } });
    expect(parseEndpointResponse(jiyue, `cb(${body});${' '.repeat(1_000_000)}`, PAGE).items.map((i) => i.date)).toEqual(['2020-12-20']);
    const junk = parseEndpointResponse(jiyue, `cb(${body})${' '.repeat(1_000_000)}x`, PAGE);
    expect(junk.items).toEqual([]);
    expect(junk.unreadable).toContain('JSON');
    expect(parseEndpointResponse(jiyue, body, PAGE).items).toHaveLength(1);
  });

  it('an article label line followed by a long run of openers', () => {
    const a = parseArticle(`<div id="zoom"><p>发布时间：2020-12-01${'('.repeat(200_000)}</p><p>信息来源：县政府办（</p><p>正文。</p></div>`, 'http://127.0.0.1/xxgk/t20201201_1.html');
    expect(a.published).toBe('2020-12-01');
    expect(a.source).toBe('县政府办');
  });

  it('bracketed month-days followed by long runs of spaces', () => {
    expect(findDates(`[12-01${' '.repeat(100_000)}x [12-02${' '.repeat(100_000)}x`, 2020)).toEqual([]);
    expect(parseDateHit(`12-01${' '.repeat(100_000)}日x`, { contextYear: 2020 })).toBeNull();
    // Ordinary spacing still reads.
    expect(findDates('发布于 [12-01 日 ] 与 【12 月 3 日】', 2020).map((h) => h.date)).toEqual(['2020-12-01', '2020-12-03']);
    expect(parseDateHit('12-01 日', { contextYear: 2020 })?.date).toBe('2020-12-01');
  });

  it('a pager script with a long identifier', () => {
    const script = `<script>var countPage = 3; var currentPage = 0; var ${'a'.repeat(200_000)} = 1;
for (var i = 1; i < countPage; i++) document.write("<a href=" + "index" + "_" + i + "." + "html" + ">" + i + "</a>");</script>`;
    const list = parseList(`<ul>${row('./t20201201_1.html')}</ul>${script}`, PAGE);
    expect(list.nextPages).toEqual(['http://127.0.0.1/xxgk/tzgg/index_1.html', 'http://127.0.0.1/xxgk/tzgg/index_2.html']);
  });

  it('unclosed tags in API titles and unclosed 《 in an interpretation title', () => {
    expect(stripTags(`${'<'.repeat(200_000)}标题`)).toHaveLength(200_002);
    expect(stripTags('<p>关于<em>春节</em>值班的通知</p>')).toBe('关于春节值班的通知');
    expect(policyNames(`${'《'.repeat(200_000)}x`)).toEqual([]);
    expect(policyNames('关于《宜丰县实施方案》的政策解读')).toEqual(['宜丰县实施方案']);
  });

  it('script document addresses: a word for a page, a document id in the query', () => {
    expect(isArticleUrl('http://127.0.0.1/NewsShow.aspx?id=12')).toBe(true);
    expect(isArticleUrl('http://127.0.0.1/cms/detail.jsp?x=1&docid=3')).toBe(true);
    expect(isArticleUrl('http://127.0.0.1/show.aspx?page=2')).toBe(false);
    expect(isArticleUrl('http://127.0.0.1/list.aspx?id=3')).toBe(false);
    expect(isArticleUrl(`http://127.0.0.1/${'show'.repeat(400)}x.aspx?id=1`)).toBe(true);
  });
});

describe('lengths capped before any pattern sees them', () => {
  it('titles at MAX_TITLE characters, addresses over MAX_URL dropped', () => {
    const list = parseList(`<ul>${row('./t20201201_1.html', `关于${'很长'.repeat(1000)}的通知`)}${row(`./t20201202_2.html?q=${'a'.repeat(MAX_URL)}`)}${row('./t20201203_3.html', '关于第三项工作的通知', '2020-12-03')}</ul>`, PAGE);
    expect(list.items.map((i) => i.title.length)).toEqual([MAX_TITLE, 10]);
    expect(list.items[0]!.title.endsWith('…')).toBe(true);
    expect(resolveUrl(`/x?q=${'a'.repeat(MAX_URL)}`, PAGE)).toBeNull();
    const article = parseArticle(`<html><head><title>${'标题'.repeat(100_000)}</title></head><body><div id="zoom"><p>正文。</p></div></body></html>`, 'http://127.0.0.1/xxgk/t20201201_1.html');
    expect(article.title.length).toBeLessThanOrEqual(MAX_TITLE);
  });
});
