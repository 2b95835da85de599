/**
 * List items from markup: `<li><a>title</a><span>date</span></li>`, dates in
 * `<b>`/`<em>`/`<td>`, tables with a 发布日期 header, JEECMS
 * `li > span + h1 > a`, search-result blocks — and items from JSON records
 * (Jiangxi 集约化). A row is the repeated element around a link; the main
 * list is the biggest family of rows that carry dates or article addresses.
 */
import type { ParsedItem } from './types.ts';
import { directoryOf, isArticleUrl, isUnder } from './addresses.ts';
import { dateFromEpochMs, dateFromUrl, findDates, parseDateHit, standaloneDate, yearFromUrl, ymd } from './dates.ts';
import {
  blockText, CHROME_WORD_RE, clipTitle, closest, rawText, descendants, elementChildren, findFirst, inChrome, inlineText, isBlockTag, isElement, linkTarget,
  nameTokens, normalizeSpace, resolveUrl, type AnyNode, type Element,
} from './dom.ts';
import { isPagerContainer } from './pagination.ts';

export interface ItemContext {
  /** Base for relative addresses (page URL or `<base href>`). */
  base: string;
  pageUrl: string;
  /** The column's name, when known: a block titled with it is the column's own list. */
  column?: string;
  contextYear?: number;
  /** Today (YYYY-MM-DD): a month-day later than today's belongs to the year before. */
  today?: string;
}

const PAGER_TEXT_RE = /^(\d{1,5}|上一页|下一页|上页|下页|首页|尾页|末页|前页|后页|next|prev|previous|first|last|[<>«»‹›]+|go|跳转|确定)$/i;
const ROW_TAGS = new Set(['li', 'tr', 'dd', 'dt']);
const INLINE_RE = /^(h[1-6]|span|em|b|strong|font|i|label|small|u|a|td|th)$/;
const DATE_HEADER_RE = /发布日期|发布时间|公开日期|发文日期|成文日期|日期|时间/;
const BULLET_RE = /^[·•●○■□◆◇▪▫►▶>\-\s]+/;
const PIN_MARK_RE = /[[【(（]?\s*置顶\s*[\]】)）]?/g;

interface Row {
  row: Element;
  anchors: Element[];
}

function firstClass(el: Element): string {
  return (el.attribs['class'] ?? '').trim().split(/\s+/)[0] ?? '';
}

function rowKind(el: Element): string {
  return `${el.name}.${firstClass(el)}`;
}

// Counted once per parent: a list of thousands of rows must not recount its siblings for each link.
const kindCounts = new WeakMap<AnyNode, Map<string, number>>();

/** How many children of `parent` share each tag-and-first-class kind. */
function siblingKinds(parent: AnyNode): Map<string, number> {
  let counts = kindCounts.get(parent);
  if (!counts) {
    counts = new Map();
    for (const s of elementChildren(parent)) counts.set(rowKind(s), (counts.get(rowKind(s)) ?? 0) + 1);
    kindCounts.set(parent, counts);
  }
  return counts;
}

/** The repeated element that holds one list entry around link `a`. */
function rowOf(a: Element, root: AnyNode): Element | null {
  let cur: AnyNode | null = a.parent;
  for (let depth = 0; cur && cur !== root && isElement(cur) && depth < 5; depth++) {
    if (cur.name === 'body' || cur.name === 'html') break;
    if (ROW_TAGS.has(cur.name)) return cur;
    const el: Element = cur;
    // Inline wrappers, headings and table cells around the link are never the row itself.
    if (!INLINE_RE.test(el.name) && el.parent && (siblingKinds(el.parent).get(rowKind(el)) ?? 0) >= 2) return el;
    cur = el.parent;
  }
  return a.parent && isElement(a.parent) ? a.parent : null;
}

// On whitespace collapsed to single spaces: `\s*` next to `\s*` backtracks cubically on a padded address.
const NO_OP_SCRIPT_RE = /^javascript: ?(void ?\(? ?0 ?\)?|;)? ?;? ?$/i;

/** The script a link runs instead of an address (`javascript:openDoc('12')`, an onclick), or null. */
function scriptCall(a: Element): string | null {
  const href = (a.attribs['href'] ?? '').trim();
  if (/^javascript:/i.test(href) && !NO_OP_SCRIPT_RE.test(href.replace(/\s+/g, ' '))) return href.slice(11);
  const onclick = a.attribs['onclick']?.trim();
  return onclick || null;
}

/**
 * Stand-in address of an item that opens only through a script: the list page
 * with `#item-` and the script's first quoted argument (the document's id,
 * stable from night to night), or the item's position when there is none.
 */
function scriptItemUrl(pageUrl: string, call: string, n: number): string {
  const arg = /\(\s*['"]?([\w.\-]{1,64})['"]?\s*[,)]/.exec(call)?.[1];
  const u = new URL(pageUrl);
  u.hash = `item-${arg ?? n}`;
  return u.toString();
}

/** True for the stand-in address of a script-only item (real item addresses never keep a hash). */
export function isScriptItemUrl(url: string): boolean {
  return /#item-[^#]*$/.test(url);
}

/** Title text of a link: the text, or `@title` when the text is cut short or padded with labels. */
function cleanTitle(s: string): string {
  return clipTitle(normalizeSpace(s)).replace(PIN_MARK_RE, '').replace(BULLET_RE, '').trim();
}

function chooseTitle(text: string, titleAttr: string | undefined): string {
  const t = cleanTitle(text);
  const ti = cleanTitle(titleAttr ?? '');
  if (ti.length < 2 || /^(点击|查看|详细|详情)/.test(ti)) return t;
  if (!t) return ti;
  const bare = t.replace(/(\.{2,}|…+|。。。)$/, '').trim();
  if (bare !== t && ti.startsWith(bare.slice(0, Math.max(1, bare.length - 2)))) return ti;
  if (bare !== t) return ti;
  if (ti.length > t.length && ti.includes(t)) return ti;
  if (t.length > ti.length && t.includes(ti)) return ti;
  return t;
}

const PIN_CLASS_RE = /(^|[\s_-])(zhiding|zd|istop|settop|stick|sticky|ding|is-top)([\s_-]|$)/i;
const PIN_BADGE_RE = /(^|[\s_-])top([\s_-]|$)/i;

function isPinned(row: Element): boolean {
  if (rawText(row).includes('置顶')) return true;
  for (const el of [row, ...descendants(row)]) {
    const names = `${el.attribs['class'] ?? ''} ${el.attribs['id'] ?? ''}`;
    // A `top` class marks a badge inside the row; on the row itself it is usually layout.
    if (PIN_CLASS_RE.test(names) || (el !== row && PIN_BADGE_RE.test(names))) return true;
    if (el.name === 'img') {
      const alt = `${el.attribs['alt'] ?? ''} ${el.attribs['title'] ?? ''}`;
      if (/置顶|顶/.test(alt) || /(zhiding|settop|istop|ding|top)\.(gif|png|jpe?g)/i.test(el.attribs['src'] ?? '')) return true;
    }
  }
  return false;
}

// One look per table, not one per row.
const tableHeads = new WeakMap<Element, { date: number; title: number } | null>();

/** Column index of the date (and title) in a table with a header row. */
function tableColumns(tr: Element): { date: number; title: number } | null {
  const table = closest(tr, (e) => e.name === 'table');
  if (!table) return null;
  let head = tableHeads.get(table);
  if (head === undefined) tableHeads.set(table, (head = tableHead(table)));
  return head;
}

function tableHead(table: Element): { date: number; title: number } | null {
  const rows = descendants(table, (e) => e.name === 'tr').filter((r) => closest(r, (e) => e.name === 'table') === table);
  for (const r of rows.slice(0, 3)) {
    const cells = elementChildren(r).filter((c) => c.name === 'th' || c.name === 'td');
    const texts = cells.map((c) => inlineText(c).replace(/\s+/g, ''));
    if (texts.some((t) => /(标题|名称|题名|主题|文件名)/.test(t) || t === '序号') && texts.some((t) => DATE_HEADER_RE.test(t) && t.length <= 8)) {
      let date = texts.findIndex((t) => /发布日期|发布时间|公开日期/.test(t));
      if (date < 0) date = texts.findIndex((t) => DATE_HEADER_RE.test(t) && t.length <= 8);
      const title = texts.findIndex((t) => /(标题|名称|题名|主题|文件名)/.test(t));
      return { date, title };
    }
  }
  return null;
}

interface RowDate {
  date: string | null;
  source: ParsedItem['dateSource'];
  /** The year was taken from the caller's context year (not from the item's address). */
  contextual?: boolean;
}

function hitDate(hit: { date: string; kind: 'full' | 'month-day' } | null, urlYear: number | null | undefined): RowDate | null {
  return hit ? { date: hit.date, source: hit.kind === 'full' ? 'list' : 'inferred', contextual: hit.kind !== 'full' && urlYear === null } : null;
}

function rowDate(row: Element, primary: Element, url: string, ctx: ItemContext): RowDate {
  const urlYear = yearFromUrl(url);
  const year = urlYear ?? ctx.contextYear;
  if (row.name === 'tr') {
    const cols = tableColumns(row);
    if (cols && cols.date >= 0) {
      const cell = elementChildren(row).filter((c) => c.name === 'th' || c.name === 'td')[cols.date];
      const hit = cell ? hitDate(parseDateHit(inlineText(cell), year === undefined ? {} : { contextYear: year }), urlYear) : null;
      if (hit) return hit;
    }
  }
  // An element of its own holding just a date: <span>2020-12-01</span>, <b>, <td>, <em>[12-01]</em>.
  const holdsLink = new Set<AnyNode>();
  for (const a of descendants(row, (e) => e.name === 'a' || e.name === 'li' || e.name === 'tr')) {
    for (let p: AnyNode | null = a; p && p !== row; p = p.parent) holdsLink.add(p);
  }
  for (const el of descendants(row)) {
    if (holdsLink.has(el)) continue;
    const hit = hitDate(standaloneDate(rawText(el), year), urlYear);
    if (hit) return hit;
  }
  // Loose text beside the link.
  const outside = blockText(row, { skip: (e) => e === primary });
  const hit = findDates(outside, year)[0];
  if (hit) return hitDate(hit, urlYear)!;
  const fromUrl = dateFromUrl(url);
  if (fromUrl) return { date: fromUrl, source: 'url' };
  return { date: null, source: null };
}

/** Title of the row's link without a date element nested inside it. */
function linkText(a: Element): string {
  const text = blockText(a, { skip: (e) => e !== a && standaloneDate(inlineText(e)) !== null }).replace(/\n/g, ' ');
  return text;
}

interface Candidate {
  item: ParsedItem;
  row: Element;
  dated: boolean;
  local: boolean;
  contextual: boolean;
}

/** The list of a page: its items, or why it could not be told which of several lists is the column's own. */
export interface ListBlock {
  items: ParsedItem[];
  /** Chinese: two or more lists compete and nothing on the page tells which is the column's (then `items` is empty). */
  ambiguous?: string;
}

/** Static list items under `root` (see {@link extractList}). */
export function extractItems(root: AnyNode, ctx: ItemContext): ParsedItem[] {
  return extractList(root, ctx).items;
}

/**
 * Static list items under `root`. Chrome (header, footer, breadcrumbs, share
 * bars, navigation menus) is ignored. The remaining rows form blocks (one
 * container's rows with their look-alike siblings in the same box: a list
 * split into several `<ul>`s); the column's own block is told from the others
 * by what the page shows (see {@link ownBlock}), never by luck.
 */
export function extractList(root: AnyNode, ctx: ItemContext): ListBlock {
  const rows = new Map<Element, Row>();
  for (const a of descendants(root, (e) => e.name === 'a')) {
    if (!a.attribs['href'] && !a.attribs['onclick']) continue;
    if (inChrome(a) || closest(a, (e) => e.name === 'nav')) continue;
    const text = inlineText(a);
    const t = text.replace(/\s+/g, '');
    if (!t && !a.attribs['title']) continue;
    if (PAGER_TEXT_RE.test(t) || CHROME_WORD_RE.test(t)) continue;
    const row = rowOf(a, root);
    if (!row) continue;
    const entry = rows.get(row) ?? { row, anchors: [] };
    entry.anchors.push(a);
    rows.set(row, entry);
  }

  const dir = directoryOf(ctx.pageUrl);
  const candidates: Candidate[] = [];
  let scripted = 0;
  for (const { row, anchors } of rows.values()) {
    // A list entry with a list inside is a tree node, not an item.
    if ((row.name === 'li' || row.name === 'dd') && descendants(row).some((d) => d.name === 'ul' || d.name === 'ol')) continue;
    const urls = new Set(anchors.map((a) => linkTarget(a, ctx.base)).filter((u): u is string => !!u));
    if (urls.size > 3) continue;
    const primary = anchors
      .map((a) => ({ a, len: Math.max(inlineText(a).length, (a.attribs['title'] ?? '').length) }))
      .sort((x, y) => y.len - x.len)[0]!.a;
    const target = linkTarget(primary, ctx.base);
    const script = target === null && urls.size === 0 ? scriptCall(primary) : null;
    if (target === null && script === null) continue;
    // An item that opens only through a script still counts for freshness; its stand-in address is never fetched.
    const url = target ?? scriptItemUrl(ctx.pageUrl, script!, ++scripted);
    const title = chooseTitle(linkText(primary), primary.attribs['title']);
    if (!title) continue;
    const { date, source, contextual } = rowDate(row, primary, url, ctx);
    const dated = source === 'list' || source === 'inferred';
    if (!dated && (script !== null || !isArticleUrl(url))) continue;
    const item: ParsedItem = { title, url, date, dateSource: source };
    if (script !== null) item.scriptOnly = true;
    if (isPinned(row)) item.pinned = true;
    candidates.push({ item, row, dated, local: isUnder(url, ctx.pageUrl, dir), contextual: !!contextual });
  }
  if (candidates.length === 0) return { items: [] };

  const picked = ownBlock(blocksOf(candidates), root, ctx);
  if ('ambiguous' in picked) return { items: [], ambiguous: picked.ambiguous };
  const chosen = picked.rows;

  rollYears(chosen, ctx);
  const seen = new Set<string>();
  const out: ParsedItem[] = [];
  for (const c of chosen) {
    if (seen.has(c.item.url)) continue;
    seen.add(c.item.url);
    out.push(c.item);
  }
  return { items: out };
}

// ---------------------------------------------------------------- which block is the column's list

interface Block {
  rows: Candidate[];
  /** The rows' container (the first one's, for a list split in parts). */
  container: Element | null;
  /** Bigger for more rows, dated rows and rows under the page's directory. */
  score: number;
  title: string | null;
}

/** A list box titled like these is a sidebar, not the column's list (热点新闻, 推荐阅读, 视频新闻…). */
const SIDEBAR_TITLE_RE = /热点|热门|推荐|排行|点击|视频|图片|图文|相关|猜你|专题|焦点|头条|精彩|友情|最新|最近|其他栏目|阅读/;
const SIDEBAR_TOKENS = new Set([
  'side', 'sidebar', 'aside', 'hot', 'hots', 'rank', 'ranking', 'tuijian', 'recommend', 'remen', 'redian', 'video', 'videos',
  'related', 'relate', 'xgxx', 'xgwz', 'rdxw', 'rdtj', 'tjyd', 'phb', 'djph', 'rmwz', 'rmtj', 'tj', 'rm', 'rd',
]);
const CRUMB_TOKENS = new Set(['breadcrumb', 'breadcrumbs', 'crumb', 'crumbs', 'position', 'location', 'dqwz', 'weizhi', 'wz']);
const CRUMB_TEXT_RE = /^(当前位置|您现在的位置|你的位置|您的位置|所在位置|现在位置)/;
const MORE_RE = /(更多|more|>>|»|＞＞)+\s*$/i;

/** Row families: one container's rows, joined by look-alike containers beside it in the same box. */
function blocksOf(candidates: Candidate[]): Block[] {
  const byKey = new Map<string, { rows: Candidate[]; container: Element | null }>();
  const ids = new Map<AnyNode | null, number>();
  const id = (n: AnyNode | null) => {
    if (!ids.has(n)) ids.set(n, ids.size);
    return ids.get(n)!;
  };
  for (const c of candidates) {
    const container = c.row.parent && isElement(c.row.parent) ? c.row.parent : null;
    // Rows of one container are one block whatever their class (a pinned row's); a look-alike container
    // in the same box (a <ul> split in two) joins it; a sidebar box elsewhere is a block of its own.
    const shape = container ? `${container.name}.${firstClass(container)}>${c.row.name}` : 'root';
    const key = `${id(container?.parent ?? null)}\u0000${shape}`;
    const b = byKey.get(key) ?? { rows: [], container };
    b.rows.push(c);
    byKey.set(key, b);
  }
  return [...byKey.values()].map((b) => ({
    ...b,
    score: b.rows.length + 2 * b.rows.filter((c) => c.dated).length + b.rows.filter((c) => c.local).length + (b.rows[0]!.row.name === 'tr' && tableColumns(b.rows[0]!.row) ? 5 : 0),
    title: boxTitle(b.container),
  }));
}

/** The title written above a list box: a short heading before the list, at its level or one of the two above. */
function boxTitle(container: Element | null): string | null {
  let cur: AnyNode | null = container;
  for (let level = 0; cur && isElement(cur) && level < 3; level++, cur = cur.parent) {
    if (cur.name === 'body') break;
    let looked = 0;
    for (let sib: AnyNode | null = cur.prev; sib && looked < 3; sib = sib.prev) {
      if (!isElement(sib)) continue;
      looked++;
      const t = inlineText(sib).replace(MORE_RE, '').trim();
      if (!t) continue;
      if (t.length <= 16 && !standaloneDate(t)) return t;
      break;
    }
  }
  return null;
}

function tokensUp(el: Element | null, levels: number): string[] {
  const out: string[] = [];
  let cur: AnyNode | null = el;
  for (let i = 0; cur && isElement(cur) && i < levels && cur.name !== 'body'; i++, cur = cur.parent) {
    out.push(cur.name === 'aside' ? 'aside' : '', ...nameTokens(cur));
  }
  return out;
}

function depthOf(n: AnyNode): number {
  let d = 0;
  for (let p = n.parent; p; p = p.parent) d++;
  return d;
}

/** Depth of the nearest element holding both (deeper = closer together). */
function commonDepth(a: AnyNode, b: AnyNode): number {
  const up = new Set<AnyNode>();
  for (let p: AnyNode | null = a; p; p = p.parent) up.add(p);
  for (let p: AnyNode | null = b; p; p = p.parent) if (up.has(p)) return depthOf(p);
  return 0;
}

/** The pager of the page (a pager box, or the parent of its 下一页/尾页 link or of its createPageHTML call), or null. */
function pagerOf(root: AnyNode): Element | null {
  const box = findFirst(root, (e) => isPagerContainer(e) && !inChrome(e));
  if (box) return box;
  const link = findFirst(root, (e) => e.name === 'a' && /^(下一页|下页|尾页|末页|上一页|上页)$/.test(inlineText(e)) && !inChrome(e));
  if (link?.parent && isElement(link.parent)) return link.parent;
  const call = findFirst(root, (e) => e.name === 'script' && /createPageHTML\s*\(/.test(rawScript(e)) && !/function\s+createPageHTML/.test(rawScript(e)));
  return call?.parent && isElement(call.parent) ? call.parent : null;
}

function rawScript(el: Element): string {
  return el.children.map((c) => (c.type === 'text' ? c.data : '')).join('');
}

function crumbOf(root: AnyNode): Element | null {
  return findFirst(root, (e) => nameTokens(e).some((t) => CRUMB_TOKENS.has(t)) || (isBlockTag(e.name) && CRUMB_TEXT_RE.test(rawText(e).trim())));
}

/** The blocks of `pool` closest to `anchor` (all of them when it is equally near all, or absent). */
function nearest(pool: Block[], anchor: Element | null): Block[] {
  if (!anchor) return pool;
  const depth = pool.map((b) => (b.container ? commonDepth(b.container, anchor) : 0));
  const max = Math.max(...depth);
  return pool.filter((_, i) => depth[i] === max);
}

/**
 * The column's own list among the blocks: sidebars (titled 热点新闻, 推荐阅读,
 * 视频新闻…, or marked side/hot/rank) are left out; then, as long as more than
 * one remains, the page says which by, in turn: a title with the column's name,
 * being the pager's block, rows that show their dates, rows under the page's
 * own directory, being the breadcrumb's block; last, one block at least twice
 * the size of any other. Otherwise the page does not say, and neither does the parser.
 */
function ownBlock(blocks: Block[], root: AnyNode, ctx: ItemContext): Block | { ambiguous: string } {
  const column = ctx.column ? ctx.column.replace(/\s/g, '') : '';
  const own = (b: Block) => !!column && !!b.title && b.title.replace(/\s/g, '').includes(column);
  const sidebar = (b: Block) =>
    !own(b) && ((!!b.title && SIDEBAR_TITLE_RE.test(b.title)) || tokensUp(b.container, 4).some((t) => SIDEBAR_TOKENS.has(t)));
  let pool = blocks.some((b) => !sidebar(b)) ? blocks.filter((b) => !sidebar(b)) : blocks;
  const share = (b: Block, f: (c: Candidate) => boolean) => b.rows.filter(f).length / b.rows.length;
  const tellers: ((pool: Block[]) => Block[])[] = [
    (p) => p.filter(own),
    (p) => nearest(p, pagerOf(root)),
    (p) => p.filter((b) => share(b, (c) => c.dated) >= 0.5),
    (p) => p.filter((b) => share(b, (c) => c.local) >= 0.5),
    (p) => nearest(p, crumbOf(root)),
  ];
  for (const tell of tellers) {
    if (pool.length <= 1) break;
    const told = tell(pool);
    if (told.length > 0) pool = told;
  }
  const [first, second] = [...pool].sort((a, b) => b.score - a.score);
  if (!second || first!.score >= 2 * second.score) return first!;
  const names = pool.map((b) => b.title).filter((t): t is string => !!t);
  return {
    ambiguous: `列表页有 ${pool.length} 组条目${names.length ? `（${names.map((t) => `“${t}”`).join('、')}）` : ''}，页面上看不出哪一组是本栏目的列表，未作判断`,
  };
}

/**
 * Month-day dates in a newest-first list: the context year holds until the
 * month-day goes up, which means the list has crossed into the year before.
 * Dated-in-full rows in between re-anchor the year. Pinned rows sit outside
 * the order and are left alone.
 */
function rollYears(rows: Candidate[], ctx: ItemContext): void {
  if (ctx.contextYear === undefined || !rows.some((r) => r.contextual)) return;
  let year = ctx.contextYear;
  let prev: string | null = ctx.today && +ctx.today.slice(0, 4) === year ? ctx.today.slice(5) : null;
  for (const r of rows) {
    if (r.item.pinned || !r.item.date) continue;
    const md = r.item.date.slice(5);
    if (!r.contextual) {
      if (r.item.dateSource === 'list') {
        year = +r.item.date.slice(0, 4);
        prev = md;
      }
      continue;
    }
    if (prev !== null && md > prev) year--;
    r.item.date = ymd(year, +md.slice(0, 2), +md.slice(3, 5));
    if (!r.item.date) r.item.dateSource = null;
    prev = md;
  }
}

/** Strip tags from titles that JSON APIs return wrapped in `<p>` or with highlight markup. */
export function stripTags(s: string): string {
  // `[^<>]`: an unclosed `<` ends at the next `<`, so a run of them is not rescanned to the end for each.
  return normalizeSpace(s.replace(/<[^<>]*>/g, '').replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"'));
}

/** The address in a 集约化 `urls` field: a JSON string or object with `pc`/`common`, or a plain string. */
export function urlFromUrls(urls: unknown): string | null {
  let v = urls;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('{')) {
      try {
        v = JSON.parse(s);
      } catch {
        return null;
      }
    } else return s || null;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of ['pc', 'common', 'PC', 'url', 'default']) if (typeof o[k] === 'string' && o[k]) return o[k] as string;
    for (const val of Object.values(o)) if (typeof val === 'string' && val) return val;
  }
  return null;
}

const TITLE_KEYS = ['title', 'showTitle', 'doctitle', 'docTitle', 'name', 'aT'];
const DATE_KEYS = ['pubDate', 'publishTime', 'publishDate', 'pubTime', 'releaseTime', 'docreltime', 'docRelTime', 'createTime', 'date', 'time', 'aPd'];
const URL_KEYS = ['redirectUrl', 'url', 'link', 'href', 'pcUrl', 'docpuburl', 'chnldocurl'];

/** One list item from a JSON record (集约化 `articleList`/`results[].source`, or a similar API). */
export function itemFromRecord(record: unknown, ctx: ItemContext): ParsedItem | null {
  if (!record || typeof record !== 'object') return null;
  let r = record as Record<string, unknown>;
  if (r['source'] && typeof r['source'] === 'object') r = r['source'] as Record<string, unknown>;
  const rawTitle = TITLE_KEYS.map((k) => r[k]).find((v): v is string => typeof v === 'string' && v.trim() !== '');
  if (!rawTitle) return null;
  let href: string | null = null;
  for (const k of URL_KEYS) if (typeof r[k] === 'string' && (r[k] as string).trim()) href = (r[k] as string).trim();
  href ??= urlFromUrls(r['urls'] ?? r['aU']);
  const url = resolveUrl(href, ctx.base);
  if (!url) return null;
  let date: string | null = null;
  let dateSource: ParsedItem['dateSource'] = null;
  for (const k of DATE_KEYS) {
    const v = r[k];
    const d = typeof v === 'number' ? dateFromEpochMs(v) : typeof v === 'string' ? (/^\d{12,13}$/.test(v) ? dateFromEpochMs(+v) : parseDateHit(v)?.date ?? null) : null;
    if (d) {
      date = d;
      dateSource = 'list';
      break;
    }
  }
  if (!date) {
    date = dateFromUrl(url);
    dateSource = date ? 'url' : null;
  }
  const item: ParsedItem = { title: clipTitle(stripTags(rawTitle)), url, date, dateSource };
  const top = r['topStatus'] ?? r['aTs'] ?? r['isTop'] ?? r['top'];
  if ((typeof top === 'number' && top > 0) || top === true || top === '1') item.pinned = true;
  return item;
}
