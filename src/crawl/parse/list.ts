/**
 * A column's list page → items, further pages, a recognised endpoint, iframes,
 * and whether only a browser can show the list. Everything is read from the
 * parsed DOM (one htmlparser2 parse), so markup inside HTML comments — decoy
 * items, a commented-out pager call — never counts.
 */
import type { CheerioAPI } from 'cheerio';
import type { ParsedItem, ParsedList } from './types.ts';
import { findDates } from './dates.ts';
import type { Element } from 'domhandler';
import { blockText, bodyOf, descendants, documentBase, inChrome, isChromeElement, loadHtml, resolveUrl, sameHost, scriptTexts, tagged } from './dom.ts';
import { findEndpoint, hanwebEndpointFromUrl, hanwebItems, readHanwebDatastore } from './endpoints.ts';
import { extractList, itemFromRecord, type ItemContext } from './items.ts';
import { findPagination } from './pagination.ts';
import { findAssignment, parseJsLiteral, stripJsComments } from './script.ts';

export interface ParseListOptions {
  /** Year for month-day dates (`[12-01]`) when the item's address does not give one. */
  contextYear?: number;
  /** Today (YYYY-MM-DD): month-days later than today's are read as last year's. */
  today?: string;
  /** The column's name: a list titled with it is the column's own among several. */
  column?: string;
}

function mergeItems(...lists: ParsedItem[][]): ParsedItem[] {
  const seen = new Set<string>();
  const out: ParsedItem[] = [];
  for (const list of lists) {
    for (const it of list) {
      if (seen.has(it.url)) continue;
      seen.add(it.url);
      out.push(it);
    }
  }
  return out;
}

/** 集约化 pages embed the column's first articles as `var listData = {articleList: [...]}`. */
function inlineJsonItems($: CheerioAPI, ctx: ItemContext): ParsedItem[] {
  const out: ParsedItem[] = [];
  for (const src of scriptTexts($).map(stripJsComments)) {
    const literal = findAssignment(src, 'listData');
    if (!literal) continue;
    const data = parseJsLiteral(literal) as { articleList?: unknown } | undefined;
    if (!data || !Array.isArray(data.articleList)) continue;
    for (const r of data.articleList) {
      const it = itemFromRecord(r, ctx);
      if (it) out.push(it);
    }
  }
  return out;
}

/** Hanweb `<script type="text/xml">` datastores embedded in the page. */
function embeddedRecordItems($: CheerioAPI, ctx: ItemContext): ParsedItem[] {
  const out: ParsedItem[] = [];
  for (const xml of scriptTexts($, (t) => t.includes('xml'))) {
    const ds = readHanwebDatastore(xml);
    if (ds) out.push(...hanwebItems(ds.records, ctx));
  }
  return out;
}

const TEMPLATE_TYPE_RE = /template|handlebars|x-tmpl|jsrender|mustache|x-jquery-tmpl|text\/html|x-underscore|x-art/;
const RENDER_SCRIPT_RE = /page_list\.js|jquery\.jpage|jpage\.js|list2\.trsapi|listmodel|vue(\.min)?\.js|react(-dom)?(\.min)?\.js|avalon|angular|layui|laytpl|art-?template/i;
const AJAX_RE = /\$\.(ajax|get|post|getJSON)\s*\(|\bfetch\s*\(|XMLHttpRequest|axios\.|\.load\s*\(\s*["']/;

/** Signs that the list is drawn by scripts: templates, framework bindings, list loaders, AJAX into an empty box. */
function clientRendered($: CheerioAPI): boolean {
  let sign = false;
  $('script').each((_, el) => {
    const type = (el.attribs['type'] ?? '').toLowerCase();
    if (TEMPLATE_TYPE_RE.test(type)) sign = true;
    if (RENDER_SCRIPT_RE.test(el.attribs['src'] ?? '')) sign = true;
  });
  if (sign) return true;
  if ($('[ms-repeat],[ms-for],[v-for],[ng-repeat],[x-for],[data-bind]').length > 0) return true;
  return scriptTexts($).some((s) => AJAX_RE.test(stripJsComments(s)));
}

const LIST_BOXES = new Set(['ul', 'ol', 'tbody', 'table', 'dl', 'div', 'section']);
const LOADING = /^(正在|数据)?(加载|载入|读取)|^loading|^请稍候/i;
/** Pager boxes are filled by scripts too, but hold no items. */
const PAGER_BOX = /page|pager|fenye|pagination/i;

/** The text directly inside an element, before any child element. */
function leadingText(el: Element): string {
  let out = '';
  for (const c of el.children) {
    if (c.type !== 'text') break;
    out += c.data;
  }
  return out.trim();
}

/**
 * General signs (no platform or function names) of a list a script draws: a
 * box left for it that an inline script names by its id or that says it is
 * loading (its first item does), holding no links and no other text, on a page
 * with a script that can fetch data (an inline request, or a script file of its own).
 */
function scriptDrawn($: CheerioAPI): boolean {
  const inline = scriptTexts($).map(stripJsComments).join('\n');
  if (!AJAX_RE.test(inline) && !tagged($, 'script').some((el) => el.attribs['src'])) return false;
  const named = (id: string) => inline.includes(`'${id}'`) || inline.includes(`"${id}"`) || inline.includes(`#${id}`);
  const loading = (box: Element) => {
    const first = box.children.find(isElementNode);
    return LOADING.test(leadingText(box)) || (first !== undefined && LOADING.test(leadingText(first)));
  };
  return descendants(bodyOf($), (e) => LIST_BOXES.has(e.name)).some((box) => {
    const id = box.attribs['id'] ?? '';
    if (PAGER_BOX.test(`${id} ${box.attribs['class'] ?? ''}`)) return false;
    const candidate = loading(box) || (id !== '' && named(id));
    if (!candidate || descendants(box, (e) => e.name === 'a' && e.attribs['href'] !== undefined).length > 0) return false;
    const text = blockText(box).trim();
    return text === '' || LOADING.test(text);
  });
}

const isElementNode = (n: { type: string }): n is Element => n.type === 'tag';

/** iframes in the content area on the portal's own host (weather widgets and the like are elsewhere). */
function contentIframes($: CheerioAPI, pageUrl: string, base: string): string[] {
  const out: string[] = [];
  $('iframe[src], frame[src]').each((_, el) => {
    if (inChrome(el)) return;
    const src = resolveUrl(el.attribs['src'], base);
    if (!src || !sameHost(src, pageUrl) || out.includes(src)) return;
    out.push(src);
  });
  return out;
}

export function parseList(html: string, pageUrl: string, opts: ParseListOptions = {}): ParsedList {
  const ctxBase = {
    pageUrl,
    ...(opts.contextYear !== undefined ? { contextYear: opts.contextYear } : {}),
    ...(opts.today !== undefined ? { today: opts.today } : {}),
    ...(opts.column !== undefined ? { column: opts.column } : {}),
  };
  // The dataproxy answer itself (a Hanweb XML datastore) may be handed over as a page.
  if (/^\s*(<\?xml[^>]*>\s*)?<datastore[\s>]/i.test(html)) {
    const ds = readHanwebDatastore(html)!;
    const endpoint = ds.nextgroup ? hanwebEndpointFromUrl(ds.nextgroup, pageUrl) : undefined;
    return {
      items: hanwebItems(ds.records, { base: pageUrl, ...ctxBase }),
      nextPages: [],
      ...(ds.totalPages !== undefined ? { pagesAnnounced: ds.totalPages } : {}),
      ...(endpoint ? { endpoint } : {}),
      iframes: [],
      needsBrowser: false,
    };
  }
  const $ = loadHtml(html);
  const base = documentBase($, pageUrl);
  const ctx: ItemContext = { base, ...ctxBase };
  const body = bodyOf($);
  const list = extractList(body, ctx);
  const items = mergeItems(list.items, embeddedRecordItems($, ctx), inlineJsonItems($, ctx));
  const pager = findPagination($, pageUrl, base);
  const endpoint = findEndpoint($, pageUrl, base);
  const iframes = contentIframes($, pageUrl, base);
  const needsBrowser = items.length === 0 && !list.ambiguous && !endpoint && iframes.length === 0 && (clientRendered($) || scriptDrawn($));
  return {
    items,
    ...(list.ambiguous && items.length === 0 ? { ambiguous: list.ambiguous } : {}),
    nextPages: pager.nextPages,
    ...(pager.pagesAnnounced !== undefined ? { pagesAnnounced: pager.pagesAnnounced } : {}),
    ...(endpoint ? { endpoint } : {}),
    iframes,
    needsBrowser,
  };
}

/**
 * Dates in a page's visible text outside page chrome. A list page that shows
 * two or more yet gave no items has items the parsers did not recognise.
 */
export function visibleDateCount(html: string, contextYear?: number): number {
  const $ = loadHtml(html);
  const body = bodyOf($);
  return findDates(blockText(body, { skip: isChromeElement }), contextYear).length;
}
