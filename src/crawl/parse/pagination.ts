/**
 * Further pages of a list page. Sources, all read from the parsed DOM so that
 * anything inside an HTML comment is ignored:
 * - TRS `createPageHTML(count, current0, "index", "html")` and the 6-argument
 *   variant `createPageHTML('page_div', count, current1, 'zwgklist', 'shtml', total)`;
 * - inline `var countPage = 56; var currentPage = 0; document.write(…"index"+"_"+i+"."+"html"…)`;
 * - pager links: 下一页/下页/next, numbered links, 尾页, `onclick="location.href='index_5.jhtml'"`;
 * - counters in the text: `共1648条记录 6/66页`, `共 2 页`.
 * When the address pattern and the page count are both known, every page is
 * announced up front (the engine bounds how many it follows).
 */
import type { CheerioAPI } from 'cheerio';
import {
  blockText, closest, descendants, inChrome, inlineText, linkTarget, nameTokens, resolveUrl, sameDocument,
  sameHost, scriptTexts, tagged,
  type AnyNode, type Element,
} from './dom.ts';
import { findAssignment, findCalls, joinStringConcats, parseJsLiteral, stripJsComments } from './script.ts';

export interface PagerInfo {
  nextPages: string[];
  pagesAnnounced?: number;
}

/** Never announce more than this many pages from a pattern. */
const MAX_GENERATED = 1000;

type Role = 'next' | 'prev' | 'first' | 'last' | 'num';
interface PagerLink {
  url: string;
  role: Role;
  /** Page number (1-based) when the link says it. */
  n?: number;
}

const NEXT_RE = /^(下一页|下页|后页|下一頁|next|>|>>|›|»|＞|＞＞)$/i;
const PREV_RE = /^(上一页|上页|前页|上一頁|prev|previous|<|<<|‹|«|＜|＜＜)$/i;
const FIRST_RE = /^(首页|第一页|first|\|<)$/i;
const LAST_RE = /^(尾页|末页|最后一页|最后页|last|>\|)$/i;
const PAGER_TOKENS = new Set([
  'page', 'pages', 'pager', 'paging', 'pagination', 'pagebar', 'fenye', 'fy', 'turnpage', 'pagelist', 'pagenav',
  'page_box', 'pagebox', 'pg', 'paginate', 'jpage', 'pagediv',
]);
const CURRENT_TOKENS = new Set(['on', 'cur', 'current', 'active', 'now', 'selected', 'curr', 'hover', 'checked']);

export function isPagerContainer(el: Element): boolean {
  return nameTokens(el).some((t) => PAGER_TOKENS.has(t) || /^page(s|r|bar|box|nav|list|div|_?num)?$/.test(t));
}

function classifyLink(a: Element, text: string): Role | null {
  const t = text.replace(/\s+/g, '');
  const tokens = nameTokens(a);
  if (NEXT_RE.test(t) || tokens.includes('next')) return 'next';
  if (PREV_RE.test(t) || tokens.includes('prev')) return 'prev';
  if (FIRST_RE.test(t) || tokens.includes('first')) return 'first';
  if (LAST_RE.test(t) || tokens.includes('last')) return 'last';
  if (/^\d{1,5}$/.test(t)) return 'num';
  return null;
}

interface ScriptPager {
  pages: Map<number, string>;
  current: number;
  count: number;
}

/** createPageHTML calls and countPage/currentPage blocks in live (uncommented) scripts. */
function scriptPagers($: CheerioAPI, base: string): ScriptPager[] {
  const out: ScriptPager[] = [];
  for (const raw of scriptTexts($)) {
    const src = stripJsComments(raw);
    for (const args of findCalls(src, 'createPageHTML')) {
      const v = args.map((a) => parseJsLiteral(a));
      if (typeof v[0] === 'number' && typeof v[1] === 'number' && typeof v[2] === 'string' && typeof v[3] === 'string') {
        // TRS 4-argument form: current is 0-based, page 0 is name.ext, page k is name_k.ext.
        out.push(trsPages(v[0], v[1], v[2], v[3], base));
      } else if (typeof v[1] === 'number' && typeof v[2] === 'number' && typeof v[3] === 'string' && typeof v[4] === 'string') {
        // 6-argument form: current is 1-based, page 1 is name.ext, page k (k ≥ 2) is name_k.ext.
        const count = v[1];
        const pages = new Map<number, string>();
        for (let k = 1; k <= Math.min(count, MAX_GENERATED); k++) {
          const u = resolveUrl(k === 1 ? `${v[3]}.${v[4]}` : `${v[3]}_${k}.${v[4]}`, base);
          if (u) pages.set(k, u);
        }
        out.push({ pages, current: v[2], count });
      }
    }
    const countSrc = findAssignment(src, 'countPage');
    if (countSrc !== undefined && /^\d+$/.test(countSrc)) {
      const cur = findAssignment(src, 'currentPage');
      const joined = joinStringConcats(src);
      // The name starts after a non-word character: each run of word characters is read once, not from each of its letters.
      const m = /(?<![\w-])([A-Za-z][\w-]*)_["']\s*\+\s*[\w$]+\s*\+\s*["']\.(\w+)/.exec(joined);
      out.push(trsPages(+countSrc, cur && /^\d+$/.test(cur) ? +cur : 0, m?.[1] ?? 'index', m?.[2] ?? 'html', base));
    }
  }
  return out;
}

function trsPages(count: number, current0: number, name: string, ext: string, base: string): ScriptPager {
  const pages = new Map<number, string>();
  for (let k = 0; k < Math.min(count, MAX_GENERATED); k++) {
    const u = resolveUrl(k === 0 ? `${name}.${ext}` : `${name}_${k}.${ext}`, base);
    if (u) pages.set(k + 1, u);
  }
  return { pages, current: current0 + 1, count };
}

/** `6/66页`, `共66页`, `第6页`, `页次：6/66` in the pager (or, failing that, the page). */
function textCounters(text: string): { current?: number; total?: number } {
  const t = text.replace(/\s+/g, '');
  const out: { current?: number; total?: number } = {};
  const slash = /(\d{1,5})\/(\d{1,5})页/.exec(t) ?? /页次[:：]?(\d{1,5})\/(\d{1,5})/.exec(t);
  if (slash && +slash[1]! <= +slash[2]!) {
    out.current = +slash[1]!;
    out.total = +slash[2]!;
  }
  const total = /共(\d{1,5})页/.exec(t) ?? /共计(\d{1,5})页/.exec(t);
  if (total && out.total === undefined) out.total = +total[1]!;
  const cur = /第(\d{1,5})页/.exec(t) ?? /当前第?(\d{1,5})页/.exec(t);
  if (cur && out.current === undefined) out.current = +cur[1]!;
  return out;
}

interface Pattern {
  make: (n: number) => string;
  parse: (url: string) => number | null;
}

/** Learn `prefix_N.ext` or `?page=N` addressing from links whose page number is known. */
function inferPattern(known: Array<{ n: number; url: string }>, firstUrl: string | undefined): Pattern | null {
  const suffix = /^(.*?)_(\d+)(\.[A-Za-z]+)(\?.*)?$/;
  const query = /^(.*[?&](?:page|pageNo|pageno|pageIndex|pageindex|pn|p|currentPage|curpage|pageNum|pagenum|PageIndex|PageNo)=)(\d+)(.*)$/;
  for (const re of [suffix, query]) {
    let offset: number | null = null;
    let prefix = '';
    let tail = '';
    let ok = true;
    let count = 0;
    for (const k of known) {
      const m = re.exec(k.url);
      if (!m) continue;
      const off = +m[2]! - k.n;
      const pre = m[1]!;
      const post = re === suffix ? m[3]! + (m[4] ?? '') : m[3]!;
      if (offset === null) {
        offset = off;
        prefix = pre;
        tail = post;
      } else if (off !== offset || pre !== prefix || post !== tail) {
        ok = false;
        break;
      }
      count++;
    }
    if (!ok || offset === null || count === 0) continue;
    const off = offset;
    const sep = re === suffix ? '_' : '';
    const pageOne = firstUrl ?? (re === suffix ? `${prefix}${tail}` : `${prefix}${1 + off}${tail}`);
    return {
      make: (n) => (n === 1 && re === suffix ? pageOne : `${prefix}${sep}${n + off}${tail}`),
      parse: (url) => {
        if (url === pageOne) return 1;
        const m = re.exec(url);
        if (!m || m[1] !== prefix) return null;
        return +m[2]! - off;
      },
    };
  }
  return null;
}

export function findPagination($: CheerioAPI, pageUrl: string, base: string): PagerInfo {
  const ordered = new Map<string, number>(); // url → page number (Infinity when unknown)
  const add = (url: string, n: number | undefined) => {
    if (sameDocument(url, pageUrl)) return;
    const prev = ordered.get(url);
    if (prev === undefined || (n !== undefined && prev === Infinity)) ordered.set(url, n ?? Infinity);
  };
  let announced: number | undefined;
  let current: number | undefined;

  for (const sp of scriptPagers($, base)) {
    announced = Math.max(announced ?? 0, sp.count) || undefined;
    current ??= sp.current;
    for (const [n, u] of sp.pages) if (n !== sp.current) add(u, n);
  }

  // Pager links: numbers and pager words inside a pager container, or pager words that come in
  // company (a lone 首页 in the site header is not a pager); a lone 下一页 is trusted.
  const candidates: Array<{ a: Element; role: Role; text: string; container: Element | null }> = [];
  for (const a of tagged($, 'a')) {
    const text = inlineText(a);
    const role = classifyLink(a, text);
    if (role && !inChrome(a)) candidates.push({ a, role, text, container: closest(a, isPagerContainer) });
  }
  // The kinds of pager link under each element, gathered once (not by looking through every link for each).
  const rolesUnder = new Map<AnyNode, Set<Role>>();
  for (const c of candidates) {
    for (let up = c.a.parent; up; up = up.parent) {
      const roles = rolesUnder.get(up);
      if (roles?.has(c.role)) break; // every ancestor above has it already
      if (roles) roles.add(c.role);
      else rolesUnder.set(up, new Set([c.role]));
    }
  }
  const links: PagerLink[] = [];
  const pagerRoots = new Set<Element>();
  for (const c of candidates) {
    let root = c.container;
    if (!root) {
      // In the parent or grandparent, another kind of pager link must sit beside this one.
      let up: Element | null = c.a.parent && c.a.parent.type === 'tag' ? (c.a.parent as Element) : null;
      for (let level = 0; up && level < 2 && !root; level++) {
        const box = up;
        if ([...(rolesUnder.get(box) ?? [])].some((r) => r !== c.role)) root = box;
        up = box.parent && box.parent.type === 'tag' ? (box.parent as Element) : null;
      }
    }
    if (!root && c.role !== 'next') continue;
    const url = linkTarget(c.a, base);
    if (!url || !sameHost(url, pageUrl)) continue;
    if (root) pagerRoots.add(root);
    links.push({ url, role: c.role, n: c.role === 'num' ? +c.text.replace(/\s+/g, '') : undefined });
  }

  let pagerText = '';
  for (const r of pagerRoots) pagerText += ' ' + blockText(r);
  let counters = textCounters(pagerText);
  if (counters.total === undefined && counters.current === undefined) counters = textCounters(inlineText($.root().get()));
  if (counters.total !== undefined) announced ??= counters.total;
  current ??= counters.current;
  current ??= currentFromMarkup(pagerRoots);

  const known: Array<{ n: number; url: string }> = [];
  let firstUrl: string | undefined;
  for (const l of links) {
    if (l.role === 'num' && l.n) known.push({ n: l.n, url: l.url });
    if (l.role === 'first') firstUrl = l.url;
    if (l.role === 'next' && current !== undefined) known.push({ n: current + 1, url: l.url });
    if (l.role === 'prev' && current !== undefined && current > 1) known.push({ n: current - 1, url: l.url });
  }
  firstUrl ??= known.find((k) => k.n === 1)?.url;
  const pattern = inferPattern(known, firstUrl);
  if (pattern) {
    const last = links.find((l) => l.role === 'last');
    const lastN = last ? pattern.parse(last.url) : null;
    const maxKnown = Math.max(0, ...known.map((k) => k.n), lastN ?? 0);
    const total = announced ?? (maxKnown > 0 ? maxKnown : undefined);
    if (total !== undefined) {
      announced ??= lastN ?? undefined;
      for (let n = 1; n <= Math.min(total, MAX_GENERATED); n++) if (n !== current) add(pattern.make(n), n);
    }
    for (const l of links) add(l.url, pattern.parse(l.url) ?? undefined);
  } else {
    for (const l of links) add(l.url, l.n);
  }
  const nextPages = [...ordered.entries()].sort((a, b) => a[1] - b[1]).map(([u]) => u);
  return { nextPages, ...(announced ? { pagesAnnounced: announced } : {}) };
}

/** The highlighted page number in a pager (`<span class="now">1</span>`, `<a class="Num on">6</a>`). */
function currentFromMarkup(roots: Iterable<Element>): number | undefined {
  const plain: number[] = [];
  for (const root of roots) {
    for (const el of [root, ...descendants(root)]) {
      const t = inlineText(el);
      if (!/^\d{1,5}$/.test(t)) continue;
      if (nameTokens(el).some((tok) => CURRENT_TOKENS.has(tok))) return +t;
      if (el.name !== 'a' && !descendants(el).some((d) => d.name === 'a')) plain.push(+t);
    }
  }
  // A lone unlinked number among the page links is the current page.
  return plain.length === 1 ? plain[0] : undefined;
}
