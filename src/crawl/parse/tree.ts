/**
 * A unit's column tree from its disclosure index page.
 *
 * - Jiangxi 集约化 pages carry the tree as a JSON literal passed to
 *   `renderChannelTemplate('subMenu', {...children:[…]})`: `code`, `name` or
 *   `showName` (sometimes wrapped in `<p>`), `urls` as a JSON string,
 *   `childCount`, `showOrNot:0` for hidden columns.
 * - Otherwise the tree is markup: nested `<ul>/<li>`, `<h3>` group headings
 *   followed by a `<ul>` (Handan/Gansu sideMenu, Gansu `li#erji_cNNN` inside
 *   tables), `<dl><dt>/<dd>`. The container is chosen by scoring every element
 *   on the links it holds: disclosure vocabulary and addresses under the index
 *   page's own directory count for it; chrome words, other units' names
 *   (…局, …镇), article addresses and long titles count against it. Header,
 *   footer, breadcrumbs and friendly links are never considered, and only
 *   columns on the index page's host are returned.
 */
import type { CheerioAPI } from 'cheerio';
import type { DiscoveredColumn } from './types.ts';
import { directoryOf, isArticleUrl, isUnder } from './addresses.ts';
import {
  bodyOf, CHROME_WORD_RE, closest, compactCjk, descendants, documentBase, elementChildren, inChrome, inlineText, isElement, isInvisibleTag,
  linkTarget, loadHtml, nameTokens, resolveUrl, sameDocument, sameHost, scriptTexts, type AnyNode, type Element,
} from './dom.ts';
import { stripTags, urlFromUrls } from './items.ts';
import { findAssignment, findCalls, parseJsLiteral, stripJsComments } from './script.ts';

/** Words of disclosure column names (政府信息公开 tree vocabulary); the weak ones also name news and service sections. */
const STRONG_RE = new RegExp(
  [
    '公开', '指南', '制度', '年报', '年度报告', '目录', '依申请', '机构', '职能', '职责', '领导', '分工', '规划', '计划', '政策',
    '文件', '法规', '规章', '规范性', '解读', '通知', '公告', '公示', '人事', '任免', '招聘', '招考', '财政', '预算', '决算',
    '三公', '经费', '收费', '采购', '招投标', '执法', '许可', '处罚', '审批', '权责', '清单', '应急', '建议', '提案', '议案',
    '重点领域', '重大', '项目', '民生', '扶贫', '救助', '公益', '资金', '概况', '简介',
  ].join('|'),
);
const WEAK_RE = /动态|新闻|要闻|信息|统计|数据|办事|服务|监管|安全|环境|教育|卫生|医疗|就业|征收|补贴|会议|决策|标准|回应|解答|意见|征集|工作|管理|建设|报告/;
const UNIT_RE = /(局|委员会|委|办公室|办|中心|人民政府|[市县区旗]政府|镇|乡|街道|街道办事处|管委会|林场|垦殖场|农场|厅)$/;
const NOT_UNIT_RE = /公开|指南|年报|制度|目录|信息|动态|文件|政策|公告|通知|解读|规划|计划|预决算/;
const SIDE_TOKENS = new Set([
  'side', 'left', 'tree', 'menu', 'nav', 'lm', 'column', 'columns', 'catalog', 'lanmu', 'xxgk', 'mulu', 'sidebar',
  'subnav', 'leftnav', 'zwgk', 'gk', 'dl',
]);
const LIST_TAGS = new Set(['ul', 'ol', 'dl', 'dd', 'menu']);

const NAME_MAX = 60;

/** A column name as shown: spaces between CJK removed, bullets and arrows dropped. */
function cleanName(s: string): string {
  // Cut first: the trailing-arrow pattern rescans a long run of `>` from each position in it.
  return compactCjk(s.slice(0, 4 * NAME_MAX)).replace(/^[·•●○■□◆◇▪▫►▶>»\-\s]+|[>»›\s]+$/g, '').slice(0, NAME_MAX);
}

function isUnitName(name: string): boolean {
  return name.length >= 3 && UNIT_RE.test(name) && !NOT_UNIT_RE.test(name);
}

// ---------------------------------------------------------------- 集约化 JSON

interface ChannelNode {
  name?: unknown;
  showName?: unknown;
  urls?: unknown;
  redirectLink?: unknown;
  showOrNot?: unknown;
  childCount?: unknown;
  children?: unknown;
}

function jiyueRoot(scripts: string[]): ChannelNode | null {
  let best: ChannelNode | null = null;
  let bestSize = 0;
  const consider = (v: unknown, preferred: boolean) => {
    const node = (Array.isArray(v) ? v[0] : v) as ChannelNode | undefined;
    if (!node || typeof node !== 'object' || !Array.isArray(node.children)) return;
    const size = node.children.length + (preferred ? 1000 : 0);
    if (size > bestSize) {
      best = node;
      bestSize = size;
    }
  };
  for (const src of scripts) {
    for (const args of findCalls(src, 'renderChannelTemplate')) {
      if (!args[1]) continue;
      const target = parseJsLiteral(args[0] ?? '');
      consider(parseJsLiteral(args[1]), target === 'subMenu');
    }
    const parentTag = findAssignment(src, 'channelsTagParent');
    if (parentTag) consider(parseJsLiteral(parentTag), false);
  }
  return best;
}

function jiyueColumns(root: ChannelNode, pageUrl: string): DiscoveredColumn[] {
  const out: DiscoveredColumn[] = [];
  const seen = new Set<string>();
  const visit = (node: ChannelNode, parentPath: string[], parentHidden: boolean) => {
    const name = cleanName(typeof node.name === 'string' && node.name ? node.name : stripTags(String(node.showName ?? '')));
    if (!name) return;
    const path = [...parentPath, name];
    const href = urlFromUrls(node.urls) ?? (typeof node.redirectLink === 'string' ? node.redirectLink : null);
    const url = resolveUrl(href, pageUrl);
    const hidden = parentHidden || node.showOrNot === 0 || node.showOrNot === '0';
    const kids = Array.isArray(node.children) ? (node.children as ChannelNode[]) : [];
    const hasChildren = kids.length > 0 || Number(node.childCount) > 0;
    const key = path.join('/');
    if (url && sameHost(url, pageUrl) && !seen.has(key)) {
      seen.add(key);
      const col: DiscoveredColumn = { name, path, url };
      if (hidden) col.hidden = true;
      if (hasChildren) col.hasChildren = true;
      out.push(col);
    }
    for (const k of kids) visit(k, path, hidden);
  };
  for (const child of (root.children as ChannelNode[]) ?? []) visit(child, [], false);
  return out;
}

// ---------------------------------------------------------------- markup trees

interface LinkScore {
  url: string;
  score: number;
  strong: boolean;
}

function scoreLink(a: Element, base: string, pageUrl: string, dir: string): LinkScore | null {
  const url = linkTarget(a, base);
  if (!url) return null;
  const name = cleanName(inlineText(a) || a.attribs['title'] || '');
  if (!name) return null;
  // Chrome words and self-links (`href="#"` group headers of site maps and mega menus) count against.
  if (CHROME_WORD_RE.test(name) || sameDocument(url, pageUrl)) return { url, score: -1, strong: false };
  const strong = STRONG_RE.test(name);
  const vocab = strong ? 2 : WEAK_RE.test(name) ? 0.5 : 0;
  if (!sameHost(url, pageUrl)) return { url, score: vocab > 0 ? 0.5 : -0.5, strong: false };
  const under = isUnder(url, pageUrl, dir);
  if (isUnitName(name) && !under) return { url, score: -1.5, strong: false };
  // Document addresses are list items, unless a short column name points straight at one (机构职能 → one article).
  if (isArticleUrl(url)) return name.length <= 10 && vocab > 0 ? { url, score: vocab / 2, strong } : { url, score: -1, strong: false };
  if (name.length > 24) return { url, score: -1, strong: false };
  return { url, score: vocab + (under ? 0.5 : 0), strong };
}

function sideBonus(el: Element): number {
  let cur: AnyNode | null = el;
  for (let i = 0; i < 3 && cur && isElement(cur); i++, cur = cur.parent) {
    if (nameTokens(cur).some((t) => SIDE_TOKENS.has(t))) return 1.25;
  }
  return 1;
}

interface Scored {
  el: Element;
  score: number;
  links: number;
  depth: number;
}

/** Every element holding two or more links, with its tree score. */
function scoreContainers($: CheerioAPI, base: string, pageUrl: string): Scored[] {
  const dir = directoryOf(pageUrl);
  const body = bodyOf($);
  const perElement = new Map<Element, Map<string, LinkScore>>();
  let n = 0;
  for (const a of descendants(body, (e) => e.name === 'a')) {
    if (inChrome(a)) continue;
    const ls = scoreLink(a, base, pageUrl, dir);
    if (!ls) continue;
    // Links to the same address count once; self-links count every time (they mark site maps).
    const key = ls.score < 0 && sameDocument(ls.url, pageUrl) ? `${ls.url}#${n++}` : ls.url;
    for (let cur: AnyNode | null = a.parent; cur && isElement(cur); cur = cur.parent) {
      if (cur.name === 'html') break;
      const m = perElement.get(cur) ?? new Map<string, LinkScore>();
      const prev = m.get(key);
      if (!prev || prev.score < ls.score) m.set(key, ls);
      perElement.set(cur, m);
    }
  }
  const scored: Scored[] = [];
  for (const [el, links] of perElement) {
    if (links.size < 2 || inChrome(el)) continue;
    let sum = 0;
    let strong = 0;
    for (const l of links.values()) {
      sum += l.score;
      if (l.strong) strong++;
    }
    let depth = 0;
    for (let p: AnyNode | null = el.parent; p; p = p.parent) depth++;
    // A disclosure tree is mostly disclosure vocabulary; site maps and news menus are not.
    const quality = 0.5 + strong / links.size;
    scored.push({ el, score: sum * quality * sideBonus(el), links: links.size, depth });
  }
  return scored;
}

function bestContainer($: CheerioAPI, base: string, pageUrl: string): Element | null {
  const scored = scoreContainers($, base, pageUrl);
  if (scored.length === 0) return null;
  const max = Math.max(...scored.map((s) => s.score));
  if (max < 3) return null;
  // Among near-best containers take the tightest: a parent that only adds a few neutral links loses.
  const near = scored.filter((s) => s.score >= 0.9 * max).sort((x, y) => x.links - y.links || y.depth - x.depth);
  return near[0]!.el;
}

interface TNode {
  name: string;
  url: string | null;
  children: TNode[];
}

function anchorsIn(el: Element): Element[] {
  return descendants(el, (e) => e.name === 'a' && !inChrome(e));
}

function hasListInside(el: Element): boolean {
  return descendants(el).some((d) => LIST_TAGS.has(d.name) || d.name === 'li');
}

/** A heading-like element: one link at most, no list inside, short text. */
function isLabel(el: Element, base: string): boolean {
  if (hasListInside(el) || LIST_TAGS.has(el.name) || el.name === 'li' || el.name === 'table') return false;
  const urls = new Set(anchorsIn(el).map((a) => linkTarget(a, base) ?? '#'));
  if (urls.size > 1) return false;
  const text = cleanName(inlineText(el));
  return text.length > 0 && text.length <= 30;
}

function labelNode(el: Element, base: string): TNode {
  const a = el.name === 'a' ? el : anchorsIn(el)[0];
  const name = cleanName(inlineText(a ?? el) || (a?.attribs['title'] ?? ''));
  return { name, url: a ? linkTarget(a, base) : null, children: [] };
}

function liNode(li: Element, base: string): TNode {
  // The label is the first link (or the text) outside the nested lists.
  const nested = elementChildren(li).filter((c) => LIST_TAGS.has(c.name) || (c.name !== 'a' && !isLabel(c, base) && anchorsIn(c).length > 0));
  const outside = (e: Element) => !nested.some((n) => n === e || descendants(n).includes(e));
  const a = anchorsIn(li).find(outside);
  const labelText = a
    ? inlineText(a) || a.attribs['title'] || ''
    : elementChildren(li).filter(outside).map((c) => inlineText(c)).join('') ||
      li.children.filter((c) => c.type === 'text').map((c) => (c as { data: string }).data).join('');
  const node: TNode = { name: cleanName(labelText), url: a ? linkTarget(a, base) : null, children: [] };
  for (const n of nested) walk(n, node.children, base);
  return node;
}

/** What may follow a heading as its child list: a list, or a small block of links. */
function isSubList(el: Element): boolean {
  if (LIST_TAGS.has(el.name)) return true;
  if (descendants(el).some((d) => d.name === 'li')) return true;
  const kids = elementChildren(el);
  const linked = kids.filter((k) => k.name === 'a' || descendants(k).some((d) => d.name === 'a'));
  return linked.length >= 2 && linked.length * 2 >= kids.length;
}

function walk(el: Element, out: TNode[], base: string): void {
  let pending: TNode | null = null;
  let pendingInOut = false;
  let pendingFromDt = false;
  for (const child of el.children) {
    if (child.type === 'text') {
      const t = cleanName(child.data);
      if (t.length >= 2 && t.length <= 20) {
        // Bare text names a group only if a list follows.
        pending = { name: t, url: null, children: [] };
        pendingInOut = false;
        pendingFromDt = false;
      }
      continue;
    }
    if (!isElement(child) || isInvisibleTag(child.name) || inChrome(child)) continue;
    if (child.name === 'li') {
      out.push(liNode(child, base));
      pending = null;
      continue;
    }
    // <dd>s after a <dt> all belong to it.
    if (child.name === 'dd' && pending && pendingFromDt) {
      walk(child, pending.children, base);
      continue;
    }
    if (child.name === 'a' || isLabel(child, base)) {
      const node = labelNode(child, base);
      if (node.name) {
        out.push(node);
        pending = node;
        pendingInOut = true;
        pendingFromDt = child.name === 'dt';
      }
      continue;
    }
    if (anchorsIn(child).length === 0) continue;
    // A list right after a heading holds the heading's children.
    if (pending && isSubList(child)) {
      walk(child, pending.children, base);
      if (!pendingInOut) out.push(pending);
    } else walk(child, out, base);
    pending = null;
  }
}

function flatten(nodes: TNode[], pageUrl: string, out: DiscoveredColumn[], seen: Set<string>, prefix: string[], keepSelf: boolean): boolean {
  const dir = directoryOf(pageUrl);
  let emitted = false;
  for (const n of nodes) {
    const path = n.name ? [...prefix, n.name] : prefix;
    const keep =
      !!n.url && !!n.name && sameHost(n.url, pageUrl) && (keepSelf || !sameDocument(n.url, pageUrl)) && !CHROME_WORD_RE.test(n.name) &&
      !(isUnitName(n.name) && !isUnder(n.url, pageUrl, dir));
    const key = path.join('/');
    let col: DiscoveredColumn | null = null;
    if (keep && !seen.has(key)) {
      seen.add(key);
      col = { name: n.name, path, url: n.url! };
      if (isArticleUrl(n.url!)) col.isArticle = true;
      out.push(col);
      emitted = true;
    }
    const childEmitted = flatten(n.children, pageUrl, out, seen, path, keepSelf);
    if (col && childEmitted) col.hasChildren = true;
    emitted ||= childEmitted;
  }
  return emitted;
}

export interface DiscoverOptions {
  /**
   * Keep the link to the page itself: on a column's list page, its menu's entry
   * for that column (which tells that the menu is the unit's own tree).
   */
  keepSelf?: boolean;
}

export function discoverColumns(html: string, pageUrl: string, opts: DiscoverOptions = {}): DiscoveredColumn[] {
  const $ = loadHtml(html);
  const root = jiyueRoot(scriptTexts($).map(stripJsComments));
  if (root) {
    const cols = jiyueColumns(root, pageUrl);
    if (cols.length > 0) return cols;
  }
  const base = documentBase($, pageUrl);
  const container = bestContainer($, base, pageUrl);
  if (!container) return sparseColumns($, base, pageUrl);
  let nodes: TNode[] = [];
  walk(container, nodes, base);
  // A lone caption over the whole tree (信息公开目录, or the unit's own name linking back here) is not a column group.
  for (;;) {
    const roots = nodes.filter((n) => n.children.length > 0 || (n.url !== null && !sameDocument(n.url, pageUrl)));
    const only = roots[0];
    if (roots.length !== 1 || !only || only.children.length === 0 || (only.url !== null && !sameDocument(only.url, pageUrl))) break;
    nodes = only.children;
  }
  const out: DiscoveredColumn[] = [];
  flatten(nodes, pageUrl, out, new Set(), [], opts.keepSelf === true);
  return out;
}

/** Links that a sparse index has too few of to make a tree; more than this is not sparse. */
const MAX_SPARSE = 12;
const PAGER_NAME_RE = /^(\d{1,4}|上一页|下一页|上页|下页|首页|尾页|末页|go|跳转)$/i;

/**
 * An index that links only one or two of its columns, or names them weakly
 * (要闻, 综合信息), scores no tree. Its columns are then the links to list pages
 * under the index's own directory: the site's navigation and other units'
 * indexes lie elsewhere. (The rest of the tree is found through the list
 * pages' own menus, by the crawl.)
 */
function sparseColumns($: CheerioAPI, base: string, pageUrl: string): DiscoveredColumn[] {
  const dir = directoryOf(pageUrl);
  const out: DiscoveredColumn[] = [];
  const seen = new Set<string>();
  for (const a of descendants(bodyOf($), (e) => e.name === 'a')) {
    if (inChrome(a) || closest(a, (e) => e.name === 'nav')) continue;
    const url = linkTarget(a, base);
    const name = cleanName(inlineText(a) || a.attribs['title'] || '');
    if (!url || seen.has(url) || !name || name.length > 24 || CHROME_WORD_RE.test(name) || PAGER_NAME_RE.test(name)) continue;
    if (!isUnder(url, pageUrl, dir) || sameDocument(url, pageUrl) || isArticleUrl(url) || isUnitName(name)) continue;
    seen.add(url);
    out.push({ name, path: [name], url });
  }
  return out.length <= MAX_SPARSE ? out : [];
}
