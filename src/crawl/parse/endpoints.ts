/**
 * Lists filled by a platform endpoint instead of static markup, and the
 * endpoints' responses.
 *
 * - Jiangxi 集约化 (开普云 UCAP) pages call `loadPageData({unitid, webSiteCode:[…],
 *   channelCode:[…], perPage, …}, unitid)` and render with Handlebars. The
 *   platform's list API is `POST /queryList` with form fields `current`,
 *   `pageSize`, `webSiteCode[]`, `channelCode[]`, `sort=sortNum`, `order=desc`
 *   (jQuery's array encoding), answering `{data:{results:[{source:{title,
 *   pubDate, urls:'{"pc":…}', topStatus}}], total}}`. A page that names its
 *   own list address (`url:` in the params, `ajaxUrl = '…'`, or any
 *   `…queryList…` string) is followed instead of the default.
 * - Hanweb 大汉 jpage lists come from `GET /module/web/jpage/dataproxy.jsp?page=N&
 *   columnid=…&unitid=…&webid=…`, announced by the `<nextgroup>` of the
 *   `<script type="text/xml">` datastore (or a jpage config with `proxyUrl`).
 *   The answer is `<datastore>` XML with `<totalrecord>`/`<totalpage>` and
 *   CDATA `<record>`s holding `<li>` markup.
 */
import type { CheerioAPI } from 'cheerio';
import type { ListEndpoint, ParsedItem, ParsedList } from './types.ts';
import { loadHtml, resolveUrl, scriptTexts } from './dom.ts';
import { extractItems, itemFromRecord, type ItemContext } from './items.ts';
import { findAssignment, findCalls, parseJsLiteral, stripJsComments } from './script.ts';

const JIYUE_DEFAULT_PATH = '/queryList';

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return str(v[0]);
  return undefined;
}

function jiyueEndpoint(scripts: string[], pageUrl: string, base: string): ListEndpoint | undefined {
  const all = scripts.join('\n;\n');
  for (const args of findCalls(all, 'loadPageData')) {
    const first = args[0];
    if (!first) continue;
    let literal = first.startsWith('{') || first.startsWith('(') ? first : findAssignment(all, first);
    if (!literal) continue;
    const params = parseJsLiteral(literal);
    if (!params || typeof params !== 'object') continue;
    const p = params as Record<string, unknown>;
    const site = str(p['webSiteCode']);
    const channel = str(p['channelCode']);
    if (!site || !channel) continue;
    const perPage = Number(str(p['perPage']) ?? str(p['pageSize']) ?? 15) || 15;
    const declared =
      str(p['url']) ??
      str(parseJsLiteral(findAssignment(all, 'ajaxUrl') ?? '')) ??
      /["']([^"'\s]*queryList[^"'\s]*)["']/.exec(all)?.[1];
    const url = resolveUrl(declared ?? JIYUE_DEFAULT_PATH, pageUrl);
    if (!url) continue;
    return {
      kind: 'jiyue-loadPageData',
      url,
      method: 'POST',
      // The platform reads `pageSize`; the page's own params call it `perPage`: both are sent.
      params: {
        current: '1',
        pageSize: String(perPage),
        perPage: String(perPage),
        'webSiteCode[]': site,
        'channelCode[]': channel,
        sort: 'sortNum',
        order: 'desc',
        ...(str(p['unitid']) ? { unitid: str(p['unitid'])! } : {}),
      },
      pageParam: 'current',
      perPage,
      ...(base !== pageUrl ? { base } : {}),
    };
  }
  return undefined;
}

/** Endpoint from a dataproxy address (the `<nextgroup>` link): GET with its query, paged by `page`. */
export function hanwebEndpointFromUrl(href: string, pageUrl: string, perPage?: number): ListEndpoint | undefined {
  const abs = resolveUrl(href, pageUrl);
  if (!abs || !/dataproxy\.jsp/i.test(abs)) return undefined;
  const u = new URL(abs);
  const params: Record<string, string> = {};
  for (const [k, v] of u.searchParams) if (!(k in params)) params[k] = v;
  params['page'] = '1';
  u.search = '';
  return {
    kind: 'hanweb-dataproxy',
    url: u.toString(),
    method: 'GET',
    params,
    pageParam: 'page',
    ...(perPage ? { perPage } : {}),
  };
}

/** A jpage config in a script: `proxyUrl:'/module/web/jpage/dataproxy.jsp'`, `columnid`, `unitid`, `webid`… */
function hanwebEndpointFromScript(scripts: string[], pageUrl: string): ListEndpoint | undefined {
  for (const src of scripts) {
    if (!/dataproxy\.jsp/i.test(src)) continue;
    const proxy = /["']([^"']*dataproxy\.jsp)[^"']*["']/i.exec(src)?.[1];
    const grab = (key: string) => new RegExp(`\\b${key}\\s*[:=]\\s*["']?([^"',}\\s&]+)`, 'i').exec(src)?.[1];
    const columnid = grab('columnid');
    const unitid = grab('unitid');
    if (!proxy || !columnid || !unitid) continue;
    const query = new URLSearchParams({ col: '1', appid: '1', webid: grab('webid') ?? '1', path: '/', columnid, unitid, permissiontype: '0' });
    const perPage = Number(grab('perPage') ?? grab('perpage')) || undefined;
    return hanwebEndpointFromUrl(`${proxy}?${query}`, pageUrl, perPage);
  }
  return undefined;
}

export interface HanwebDatastore {
  records: string[];
  nextgroup?: string;
  totalRecords?: number;
  totalPages?: number;
}

/*
 * The datastore is read with indexOf, not with lazy patterns: `<record>[\s\S]*?</record>`
 * rescans the rest of the answer for every unclosed `<record>`, and an answer
 * of empty `<record>` tags took minutes.
 */

/** The text without its comments (those inside CDATA sections are data and stay). */
function dropXmlComments(xml: string): string {
  let out = '';
  let copied = 0;
  let at = 0;
  // The next opener of each kind at or after `at` (-1: none left).
  let cdata = xml.indexOf('<![CDATA[');
  let comment = xml.indexOf('<!--');
  while (comment >= 0) {
    if (cdata >= 0 && cdata < comment) {
      const end = xml.indexOf(']]>', cdata + 9);
      // An unclosed section is plain text: the comments after it still go.
      if (end < 0) cdata = -1;
      else at = end + 3;
    } else {
      const end = xml.indexOf('-->', comment + 4);
      if (end < 0) break; // no comment after this one can close either
      out += xml.slice(copied, comment);
      copied = at = end + 3;
    }
    if (cdata >= 0 && cdata < at) cdata = xml.indexOf('<![CDATA[', at);
    if (comment < at) comment = xml.indexOf('<!--', at);
  }
  return out + xml.slice(copied);
}

/** Contents of each `<tag>…</tag>` in order, trimmed, a CDATA wrapper removed; at most `limit`. */
function elementTexts(xml: string, tag: string, limit = Infinity): string[] {
  const open = new RegExp(`<${tag}>`, 'gi');
  const close = new RegExp(`</${tag}>`, 'gi');
  const out: string[] = [];
  while (out.length < limit && open.exec(xml)) {
    close.lastIndex = open.lastIndex;
    const c = close.exec(xml);
    if (!c) break; // no later element can close either
    const text = xml.slice(open.lastIndex, c.index).trim();
    out.push(text.startsWith('<![CDATA[') && text.endsWith(']]>') ? text.slice(9, -3) : text);
    open.lastIndex = close.lastIndex;
  }
  return out;
}

/** Read a Hanweb `<datastore>` (response body or `<script type="text/xml">` content). */
export function readHanwebDatastore(xml: string): HanwebDatastore | null {
  if (!/<datastore[\s>]/i.test(xml)) return null;
  const body = dropXmlComments(xml);
  const records = elementTexts(body, 'record');
  const next = elementTexts(body, 'nextgroup', 1)[0];
  const href = next !== undefined ? /href\s*=\s*["']([^"']+)["']/i.exec(next)?.[1] : undefined;
  const num = (tag: string) => {
    const m = new RegExp(`<${tag}>\\s*(\\d+)\\s*</${tag}>`, 'i').exec(body);
    return m ? +m[1]! : undefined;
  };
  const out: HanwebDatastore = { records };
  if (href) out.nextgroup = href.replace(/&amp;/g, '&');
  const tr = num('totalrecord');
  const tp = num('totalpage');
  if (tr !== undefined) out.totalRecords = tr;
  if (tp !== undefined) out.totalPages = tp;
  return out;
}

/** Items of Hanweb records: each record is an `<li>` (or `<tr>`) fragment. */
export function hanwebItems(records: string[], ctx: ItemContext): ParsedItem[] {
  if (records.length === 0) return [];
  const $ = loadHtml(`<ul>${records.join('\n')}</ul>`);
  return extractItems($.root().get(0)!, ctx);
}

/** The list endpoint a page uses, if it is one we recognise. */
export function findEndpoint($: CheerioAPI, pageUrl: string, base: string = pageUrl): ListEndpoint | undefined {
  const scripts = scriptTexts($).map(stripJsComments);
  const jiyue = jiyueEndpoint(scripts, pageUrl, base);
  if (jiyue) return jiyue;
  for (const xml of scriptTexts($, (t) => t.includes('xml'))) {
    const ds = readHanwebDatastore(xml);
    if (ds?.nextgroup) {
      const ep = hanwebEndpointFromUrl(ds.nextgroup, pageUrl);
      if (ep) return ep;
    }
  }
  return hanwebEndpointFromScript(scripts, pageUrl);
}

/** Where the records live in a JSON list answer: `data.results`, `data.list`, `rows`… */
function jsonRecords(json: unknown): { records: unknown[]; total?: number; pages?: number } {
  const queue: unknown[] = [json];
  let total: number | undefined;
  let pages: number | undefined;
  while (queue.length) {
    const v = queue.shift();
    if (Array.isArray(v)) {
      if (v.some((x) => x && typeof x === 'object' && itemLike(x))) {
        return { records: v, ...(total !== undefined ? { total } : {}), ...(pages !== undefined ? { pages } : {}) };
      }
      continue;
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of ['total', 'totalCount', 'totalRecord', 'totalrecord', 'count', 'recordCount', 'totalElements']) {
        const n = Number(o[k]);
        if (total === undefined && Number.isFinite(n) && o[k] !== null && o[k] !== '') total = n;
      }
      for (const k of ['pages', 'totalPage', 'totalPages', 'pageCount', 'totalpage']) {
        const n = Number(o[k]);
        if (pages === undefined && Number.isInteger(n) && n > 0) pages = n;
      }
      queue.push(...Object.values(o));
    }
  }
  return { records: [], ...(total !== undefined ? { total } : {}), ...(pages !== undefined ? { pages } : {}) };
}

function itemLike(x: object): boolean {
  const o = ('source' in x && (x as { source: unknown }).source && typeof (x as { source: unknown }).source === 'object'
    ? (x as { source: object }).source
    : x) as Record<string, unknown>;
  return typeof (o['title'] ?? o['showTitle'] ?? o['doctitle']) === 'string';
}

/**
 * The JSON inside a JSONP answer (`cb({...});`), or the text as it is. Cut by
 * hand: `^cb\(([\s\S]*)\)\s*;?\s*$` backtracks quadratically on trailing spaces.
 */
function unwrapJsonp(text: string): string {
  const call = /^[\w$.]+\(/.exec(text);
  if (!call) return text;
  let end = text.trimEnd();
  if (end.endsWith(';')) end = end.slice(0, -1).trimEnd();
  return end.endsWith(')') ? end.slice(call[0].length, -1) : text;
}

/** Parse what an endpoint answered. `pagesAnnounced` comes from the total the answer states. */
export function parseEndpointResponse(endpoint: ListEndpoint, body: string, pageUrl: string, contextYear?: number): ParsedList {
  const ctx: ItemContext = { base: endpoint.base ?? pageUrl, pageUrl, ...(contextYear !== undefined ? { contextYear } : {}) };
  const empty: ParsedList = { items: [], nextPages: [], iframes: [], needsBrowser: false };
  if (endpoint.kind === 'hanweb-dataproxy') {
    const ds = readHanwebDatastore(body);
    if (!ds) return { ...empty, unreadable: '列表接口返回的内容不是可识别的 XML 数据' };
    const pages = ds.totalPages ?? (ds.totalRecords !== undefined && endpoint.perPage ? Math.ceil(ds.totalRecords / endpoint.perPage) : undefined);
    return { ...empty, items: hanwebItems(ds.records, ctx), ...(pages !== undefined ? { pagesAnnounced: pages } : {}) };
  }
  let json: unknown;
  try {
    json = JSON.parse(unwrapJsonp(body.replace(/^\uFEFF/, '')));
  } catch {
    return { ...empty, unreadable: '列表接口返回的内容不是可识别的 JSON 数据' };
  }
  const { records, total, pages: statedPages } = jsonRecords(json);
  const items: ParsedItem[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    const it = itemFromRecord(r, ctx);
    if (it && !seen.has(it.url)) {
      seen.add(it.url);
      items.push(it);
    }
  }
  const perPage = endpoint.perPage ?? (Number(endpoint.params['pageSize']) || undefined);
  const pages = statedPages ?? (total !== undefined && perPage ? Math.max(1, Math.ceil(total / perPage)) : undefined);
  return { ...empty, items, ...(pages !== undefined ? { pagesAnnounced: pages } : {}) };
}
