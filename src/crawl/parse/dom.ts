/**
 * Shared DOM helpers for the pure parsers: one htmlparser2 parse per page
 * (forgiving of broken government markup, drops nothing but comments from
 * text), text extraction with block boundaries, URL resolution honouring
 * `<base href>`, and the small vocabulary used to recognise page chrome.
 */
import { load, type CheerioAPI } from 'cheerio';
import { parseDocument } from 'htmlparser2';
import type { AnyNode, Element } from 'domhandler';

export type { AnyNode, Element };

/**
 * Parse with htmlparser2 (HTML mode, the fast path). It does not apply the
 * HTML5 tree-building rules, so on badly nested markup (`<li>` left open
 * while a `<span>` is) list items end up inside one another; such a tree is
 * parsed again with parse5, which builds what a browser would. Comments stay
 * comment nodes either way, so they never reach text.
 */
export function loadHtml(html: string): CheerioAPI {
  const doc = parseDocument(html, { decodeEntities: true });
  return misnested(doc) ? load(html) : load(doc);
}

/** An `<li>` inside an `<li>` with no list between them, or a link inside a link: no browser builds that. */
function misnested(n: AnyNode, inLi = false, inA = false): boolean {
  if (!('children' in n)) return false;
  for (const c of n.children as AnyNode[]) {
    if (!isElement(c) || c.type !== 'tag') continue;
    const tag = c.name;
    if ((tag === 'li' && inLi) || (tag === 'a' && inA)) return true;
    const li = tag === 'li' || (inLi && tag !== 'ul' && tag !== 'ol' && tag !== 'menu');
    if (misnested(c, li, inA || tag === 'a')) return true;
  }
  return false;
}

export function isElement(node: AnyNode | null | undefined): node is Element {
  return !!node && (node.type === 'tag' || node.type === 'script' || node.type === 'style');
}

/** Tags whose content is never visible text. */
const INVISIBLE = new Set([
  'script', 'style', 'noscript', 'template', 'head', 'title', 'select', 'option', 'textarea',
  'object', 'embed', 'svg', 'canvas', 'iframe', 'frame', 'frameset', 'button', 'input', 'map',
]);

const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'center', 'dd', 'details', 'dialog',
  'dir', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4',
  'h5', 'h6', 'header', 'hgroup', 'hr', 'html', 'li', 'main', 'menu', 'nav', 'ol', 'p', 'pre', 'section',
  'summary', 'table', 'tbody', 'tfoot', 'thead', 'tr', 'ul', 'datastore', 'record',
]);

export function isBlockTag(tag: string): boolean {
  return BLOCK.has(tag);
}

export function isInvisibleTag(tag: string): boolean {
  return INVISIBLE.has(tag);
}

const CJK = '\\u3400-\\u9fff\\uf900-\\ufaff';
/** Whitespace as it appears on Chinese pages: nbsp, en/em spaces, ideographic space; zero-width marks are dropped. */
const SPACE_RE = /[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
const ZERO_WIDTH_RE = /[\u200b-\u200d\u2060\ufeff]/g;

/** Collapse every kind of whitespace to one space and trim. */
export function normalizeSpace(text: string): string {
  return text.replace(ZERO_WIDTH_RE, '').replace(SPACE_RE, ' ').trim();
}

const CJK_GAP_RE = new RegExp(`(?<=[${CJK}\\d（）《》〔〕])\\s+(?=[${CJK}（）《》〔〕])|(?<=[${CJK}（）《》〔〕])\\s+(?=[\\d])`, 'g');

/** Normalise and drop spaces between CJK characters (`规　　章` → `规章`, `政府信息\n公开指南` → `政府信息公开指南`). */
export function compactCjk(text: string): string {
  return normalizeSpace(text).replace(CJK_GAP_RE, '');
}

/** Full-width digits and punctuation that matter for dates and numbers, folded to ASCII. */
export function foldWidth(text: string): string {
  return text.replace(/[\uff10-\uff19\uff0d\uff0f\uff0e\uff1a]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

export interface TextOptions {
  /** Record where each `<a>` lands in the output (offsets into the returned string). */
  onLink?: (el: Element, start: number, end: number) => void;
  /** Subtrees to leave out. */
  skip?: (el: Element) => boolean;
}

/**
 * Visible text of a subtree with block boundaries as newlines. Table cells are
 * separated by spaces, rows by newlines; inside a cell, paragraphs are joined
 * without a separator because Word-exported tables split words across `<p>`s.
 * Every line is whitespace-normalised; empty lines are dropped.
 */
export function blockText(root: AnyNode | AnyNode[], opts: TextOptions = {}): string {
  const st: TextState = { out: [], len: 0, cellDepth: 0, opts, links: [] };
  if (Array.isArray(root)) for (const n of root) walkText(st, n);
  else walkText(st, root);
  const raw = st.out.join('');
  const text = finishText(raw);
  if (opts.onLink) {
    const map = offsetMap(raw, text);
    for (const l of st.links) opts.onLink(l.el, map[l.start] ?? text.length, map[l.end] ?? text.length);
  }
  return text;
}

// Module-level walkers with explicit state, not closures: tsx (esbuild keepNames) wraps every
// named inner function in a `__name` call, paid each time the outer function runs.
interface TextState {
  out: string[];
  len: number;
  cellDepth: number;
  opts: TextOptions;
  links: Array<{ el: Element; start: number; end: number }>;
}

function pushText(st: TextState, s: string): void {
  st.out.push(s);
  st.len += s.length;
}

const NEWLINES_RE = /[\r\n]+/g;

function walkText(st: TextState, node: AnyNode): void {
  if (node.type === 'root') {
    for (const child of node.children) walkText(st, child);
    return;
  }
  if (node.type === 'text') {
    // Newlines in source text are plain whitespace; only blocks and <br> break lines.
    pushText(st, node.data.replace(NEWLINES_RE, ' '));
    return;
  }
  if (!isElement(node)) return;
  const tag = node.name;
  const skip = st.opts.skip;
  if (INVISIBLE.has(tag) || (skip && skip(node))) return;
  if (tag === 'br') {
    pushText(st, st.cellDepth > 0 ? ' ' : '\n');
    return;
  }
  // Layout cells (old table-built pages) hold whole articles: they read like blocks, not like data cells.
  const isCell = (tag === 'td' || tag === 'th') && !isLayoutCell(node);
  const block = BLOCK.has(tag) || tag === 'td' || tag === 'th';
  if (isCell) pushText(st, CELL_START);
  else if (block && st.cellDepth === 0) pushText(st, '\n');
  if (isCell) st.cellDepth++;
  const start = st.len;
  for (const child of node.children) walkText(st, child);
  if (tag === 'a' && st.opts.onLink) st.links.push({ el: node, start, end: st.len });
  if (isCell) {
    st.cellDepth--;
    pushText(st, CELL_END);
  } else if (block && st.cellDepth === 0) pushText(st, '\n');
}

/**
 * A table cell that frames page content rather than holding a datum: it holds a
 * nested table, long text, or two or more finished sentences in separate blocks.
 */
function isLayoutCell(cell: Element): boolean {
  let chars = 0;
  let sentences = 0;
  const visit = (n: AnyNode): boolean => {
    if (n.type === 'text') {
      chars += n.data.replace(/\s/g, '').length;
      return chars > LAYOUT_CELL_CHARS;
    }
    if (!isElement(n)) return false;
    if (n.name === 'table') return true;
    if (BLOCK.has(n.name) && /[。：；！？:;!?]\s*$/.test(rawText(n))) sentences++;
    return n.children.some(visit) || sentences >= 2;
  };
  return cell.children.some(visit);
}

const LAYOUT_CELL_CHARS = 120;

// Cell boundaries are marked in the raw text so each cell can be compacted on its own.
const CELL_START = '\u0001';
const CELL_END = '\u0002';
const CELL_RE = /\u0001([^\u0001\u0002]*)\u0002/g;

function finishText(raw: string): string {
  if (!raw.includes(CELL_START)) return raw.split('\n').map(normalizeSpace).filter((line) => line.length > 0).join('\n');
  return raw
    .split('\n')
    .map((line) => {
      let prev: string;
      do {
        prev = line;
        line = line.replace(CELL_RE, (_, cell: string) => ` ${compactCjk(cell)} `);
      } while (line !== prev);
      return normalizeSpace(line.replace(/[\u0001\u0002]/g, ' '));
    })
    .filter((line) => line.length > 0)
    .join('\n');
}

const IGNORABLE_RE = /[\s\u0001\u0002\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]/;

/** Raw offset → output offset. Normalising only drops whitespace, so the other characters line up in order. */
function offsetMap(raw: string, text: string): number[] {
  const map: number[] = new Array(raw.length + 1);
  let j = 0;
  for (let i = 0; i < raw.length; i++) {
    map[i] = j;
    const c = raw[i]!;
    if (IGNORABLE_RE.test(c)) continue;
    while (j < text.length && text[j] !== c) j++;
    if (j < text.length) j++;
  }
  map[raw.length] = text.length;
  return map;
}

/** Concatenated text nodes of a subtree (visible tags only), unnormalised: the cheap form for short snippets. */
export function rawText(root: AnyNode): string {
  const out: string[] = [];
  collectRaw(out, root);
  return out.join('');
}

function collectRaw(out: string[], n: AnyNode): void {
  if (n.type === 'text') out.push(n.data);
  else if ((isElement(n) && !INVISIBLE.has(n.name)) || n.type === 'root') for (const c of (n as Element).children) collectRaw(out, c);
}

/** Longest title kept (characters). Real titles stay far below; a crafted one is cut before the title patterns see it. */
export const MAX_TITLE = 300;

/** A title cut to MAX_TITLE, with an ellipsis where it was cut. */
export function clipTitle(s: string): string {
  return s.length > MAX_TITLE ? `${s.slice(0, MAX_TITLE - 1)}…` : s;
}

/** Plain text of a subtree on one line (inline use: link text, labels, names). */
export function inlineText(root: AnyNode | AnyNode[]): string {
  return normalizeSpace(blockText(root).replace(/\n/g, ' '));
}

/**
 * Longest address taken from a page. Real ones stay far below (browsers and
 * servers commonly stop near 2 KB); a crafted one is dropped here, so the
 * address patterns downstream never see more.
 */
export const MAX_URL = 2048;

/** Resolve against the page URL and `<base href>`; null for javascript:, mailto:, bare '#', garbage and over-long addresses. */
export function resolveUrl(href: string | undefined | null, base: string): string | null {
  if (!href || href.length > MAX_URL) return null;
  const h = href.trim();
  if (!h || h === '#' || /^(javascript|mailto|tel|data|about|vbscript):/i.test(h)) return null;
  try {
    const u = new URL(h, base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    u.hash = '';
    const out = u.toString();
    return out.length > MAX_URL ? null : out;
  } catch {
    return null;
  }
}

/** Target of a link: its href, or the address in `onclick="location.href='…'"` / `window.open('…')`. */
export function linkTarget(a: Element, base: string): string | null {
  const raw = a.attribs['href'];
  const href = resolveUrl(raw, base);
  if (href && !/#$/.test(raw ?? '')) return href;
  const onclick = a.attribs['onclick'] ?? '';
  const m = /(?:location(?:\.href)?|window\.open|window\.navigate)\s*(?:=|\()\s*['"]([^'"]+)['"]/.exec(onclick);
  return m ? resolveUrl(m[1], base) : href;
}

/** The document's base for relative links: `<base href>` resolved against the page URL. */
export function documentBase($: CheerioAPI, pageUrl: string): string {
  const href = findFirst($.root()[0]!, (e) => e.name === 'base' && e.attribs['href'] !== undefined)?.attribs['href'];
  if (href) {
    try {
      return new URL(href.trim(), pageUrl).toString();
    } catch {
      /* keep page URL */
    }
  }
  return pageUrl;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

export function sameHost(a: string, b: string): boolean {
  const ha = hostOf(a);
  return ha !== '' && ha === hostOf(b);
}

/** Same document, ignoring hash and a trailing default file name (`/col/` = `/col/index.html`). */
export function sameDocument(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      const x = new URL(u);
      x.hash = '';
      x.pathname = x.pathname.replace(/\/(index|default)\.(s?html?|jhtml|jsp|aspx?|php)$/i, '/');
      return x.toString();
    } catch {
      return u;
    }
  };
  return norm(a) === norm(b);
}

/** Lower-cased class and id tokens of an element, split on camelCase, dashes and underscores. */
export function nameTokens(el: Element): string[] {
  const raw = `${el.attribs['class'] ?? ''} ${el.attribs['id'] ?? ''}`;
  return raw
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_\-]+/)
    .filter(Boolean);
}

const CHROME_TOKENS = new Set([
  'header', 'head', 'footer', 'foot', 'bottom', 'copyright', 'copy', 'banner', 'topbar', 'breadcrumb', 'breadcrumbs', 'crumb', 'crumbs', 'position', 'location', 'dqwz', 'weizhi', 'yqlj',
  'friend', 'friendlink', 'links', 'link', 'share', 'bdshare', 'sitemap', 'wzdt', 'print', 'toolbar', 'tools',
  'qrcode', 'ewm', 'login', 'logo', 'fbottom', 'foot1', 'jiucuo', 'conac', 'cnzz', 'weather', 'tianqi',
]);

/** Link texts that belong to page chrome, never to content or column trees. */
export const CHROME_WORD_RE =
  /^(首页|网站首页|返回首页|主页|网站地图|站点地图|联系我们|设为首页|加入收藏|收藏本站|收藏|无障碍|无障碍浏览|关怀版|长者模式|english|繁体|繁體|简体|登录|注册|帮助|网站声明|隐私声明|版权声明|更多|more|更多信息|查看更多|更多>+|>>|»|打印|打印本页|关闭|关闭窗口|返回|返回顶部|分享|高级搜索|搜索|智能问答|微信|微博|qq空间)$/i;


/**
 * Page chrome: header, footer, breadcrumbs, search, share bars, friendly links.
 * Judged by tag, and by class/id tokens unless the element swallowed content:
 * an unclosed `<div class="position">` breadcrumb holds the whole list after it,
 * so a block with dated links is not chrome whatever its name says (however
 * short the list: breadcrumbs, share bars and link boxes never date their links).
 */
export function isChromeElement(el: Element): boolean {
  let v = chromeCache.get(el);
  if (v === undefined) {
    const tag = el.name;
    v = tag === 'header' || tag === 'footer' || tag === 'select' || tag === 'form' ||
      ((el.attribs['class'] !== undefined || el.attribs['id'] !== undefined) && nameTokens(el).some((t) => CHROME_TOKENS.has(t)) && !swallowedContent(el));
    chromeCache.set(el, v);
  }
  return v;
}

const LOOSE_DATE_RE = /(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}/;

/**
 * Links with a date beside them in at least two different parents (list rows);
 * one date for many links is a header's "今天是…" line.
 */
function swallowedContent(el: Element): boolean {
  // Each parent is looked at once: a box of many undated links must not be re-read for every link in it.
  const looked = new Set<AnyNode>();
  let rows = 0;
  for (const a of descendants(el, (e) => e.name === 'a')) {
    if (!a.parent || looked.has(a.parent)) continue;
    looked.add(a.parent);
    if (LOOSE_DATE_RE.test(rawText(a.parent)) && ++rows >= 2) return true;
  }
  return false;
}

const chromeCache = new WeakMap<Element, boolean>();

/** True when the element or an ancestor (up to `stop`) is chrome. */
export function inChrome(el: Element, stop?: AnyNode | null): boolean {
  let cur: AnyNode | null = el;
  while (cur && cur !== stop) {
    if (isElement(cur)) {
      if (cur.name === 'body' || cur.name === 'html') return false;
      if (isChromeElement(cur)) return true;
    }
    cur = cur.parent;
  }
  return false;
}

export function closest(el: AnyNode, pred: (e: Element) => boolean, stop?: AnyNode | null): Element | null {
  let cur: AnyNode | null = el;
  while (cur && cur !== stop) {
    if (isElement(cur) && pred(cur)) return cur;
    cur = cur.parent;
  }
  return null;
}

export function elementChildren(el: AnyNode): Element[] {
  return 'children' in el ? (el.children as AnyNode[]).filter(isElement) : [];
}

/** Depth-first list of descendant elements (excluding the root). */
export function descendants(root: AnyNode, pred?: (e: Element) => boolean): Element[] {
  const out: Element[] = [];
  collectElements(out, root, pred);
  return out;
}

function collectElements(out: Element[], n: AnyNode, pred: ((e: Element) => boolean) | undefined): void {
  if (!('children' in n)) return;
  for (const c of n.children as AnyNode[]) {
    if (!isElement(c)) continue;
    if (!pred || pred(c)) out.push(c);
    collectElements(out, c, pred);
  }
}

/** The first descendant element (document order) that matches, or null. */
export function findFirst(root: AnyNode, pred: (e: Element) => boolean): Element | null {
  if (!('children' in root)) return null;
  for (const c of root.children as AnyNode[]) {
    if (!isElement(c)) continue;
    if (pred(c)) return c;
    const found = findFirst(c, pred);
    if (found) return found;
  }
  return null;
}

// A tag-name walk instead of a CSS selector: cheerio compiles a selector on every call,
// and these run several times on every page.
/** Elements with this tag name, in document order (`$('tag')` without the selector engine). */
export function tagged($: CheerioAPI, tag: string): Element[] {
  return descendants($.root()[0]!, (e) => e.name === tag);
}

/** The page's `<body>`, or the document root when there is none. */
export function bodyOf($: CheerioAPI): AnyNode {
  const root = $.root()[0]!;
  return findFirst(root, (e) => e.name === 'body') ?? root;
}

/** Raw text of `<script>` elements (only those in the DOM: scripts inside HTML comments are not). */
export function scriptTexts($: CheerioAPI, typePred: (type: string) => boolean = isJsType): string[] {
  let scripts = scriptCache.get($);
  if (!scripts) {
    scripts = tagged($, 'script').map((el) => ({ type: (el.attribs['type'] ?? '').toLowerCase(), text: $(el).text() }));
    scriptCache.set($, scripts);
  }
  return scripts.filter((s) => typePred(s.type)).map((s) => s.text);
}

// Several parsers read one page's scripts: select and collect them once per document.
const scriptCache = new WeakMap<CheerioAPI, Array<{ type: string; text: string }>>();

function isJsType(type: string): boolean {
  return type === '' || /javascript|ecmascript|module|babel|jsx/.test(type);
}

/** Meta tags by lower-cased name/property/http-equiv → content (first non-empty wins). */
export function metaMap($: CheerioAPI): Map<string, string> {
  const out = new Map<string, string>();
  for (const el of tagged($, 'meta')) {
    const key = (el.attribs['name'] ?? el.attribs['property'] ?? el.attribs['http-equiv'] ?? '').toLowerCase();
    const c = el.attribs['content']?.trim();
    if (key && c && !out.has(key)) out.set(key, c);
  }
  return out;
}

/** Bounds on the structure kept of one table (crawled pages are hostile: a table may claim any span). */
const GRID = { rows: 200, cells: 20, chars: 500, rowspan: 50 };

/** A cell's text: its blocks joined by spaces, not closed up (a space may be all that parts a name from a title). */
function cellText(cell: Element): string {
  return normalizeSpace(blockText(cell.children).replace(/\n/g, ' ')).slice(0, GRID.chars);
}

/**
 * A data table as rows × cells of text, each spanning cell repeated in every
 * row and column it covers; null for a layout table (one holding a table).
 */
export function tableGrid(table: Element): string[][] | null {
  if (descendants(table, (e) => e.name === 'table').length > 0) return null;
  const rows: string[][] = [];
  // Cells still spanning down from rows above: column → [text, rows left].
  const carried = new Map<number, [string, number]>();
  for (const tr of descendants(table, (e) => e.name === 'tr')) {
    if (rows.length >= GRID.rows) break;
    const row: string[] = [];
    const take = (col: number) => {
      const c = carried.get(col);
      if (!c) return false;
      row.push(c[0]);
      if (--c[1] <= 0) carried.delete(col);
      return true;
    };
    for (const cell of elementChildren(tr)) {
      if (cell.name !== 'td' && cell.name !== 'th') continue;
      while (row.length < GRID.cells && take(row.length));
      const text = cellText(cell);
      const across = spanOf(cell, 'colspan', GRID.cells);
      const down = spanOf(cell, 'rowspan', GRID.rowspan);
      for (let i = 0; i < across && row.length < GRID.cells; i++) {
        if (down > 1) carried.set(row.length, [text, down - 1]);
        row.push(text);
      }
    }
    while (row.length < GRID.cells && take(row.length));
    if (row.some((c) => c !== '')) rows.push(row);
  }
  return rows;
}

function spanOf(cell: Element, attr: string, max: number): number {
  const n = Number.parseInt(cell.attribs[attr] ?? '1', 10);
  return Number.isFinite(n) && n > 1 ? Math.min(n, max) : 1;
}

/** A definition list as rows: each `<dt>` with the `<dd>`s after it (grouping `<div>`s looked into). */
export function definitionRows(dl: Element): string[][] {
  const rows: string[][] = [];
  const items = elementChildren(dl).flatMap((c) => (c.name === 'div' ? elementChildren(c) : [c]));
  for (const el of items) {
    if (el.name !== 'dt' && el.name !== 'dd') continue;
    const last = rows[rows.length - 1];
    if (el.name === 'dd' && last && last.length < GRID.cells) last.push(cellText(el));
    else if (rows.length < GRID.rows) rows.push(el.name === 'dt' ? [cellText(el)] : ['', cellText(el)]);
  }
  return rows.filter((r) => r.some((c) => c !== ''));
}
