/**
 * Article pages: title, dates, source, 文号, body text, headings and body links.
 *
 * Dates and source come from the labelled lines a reader sees (发布日期/发布时间/
 * 时间：, 成文日期, 信息来源/来源/发布机构, 文号/发文字号). When the visible text and
 * a `<meta>` disagree, the visible text wins: it is what the office sees and
 * what a screenshot shows. Meta tags (`PubDate`, `firstpublishedtime`,
 * `ContentSource`) are the fallback; page-generation stamps (`HtmlGenerateTime`,
 * `Maketime`, `页面生成时间`) are never read, and neither are `alt` attributes
 * or HTML comments (a commented-out 成文日期 does not exist).
 */
import type { CheerioAPI } from 'cheerio';
import type { ArticleTable, DownloadRef, LinkRef, PersonalDataHit } from '../../model/snapshot.ts';
import type { ParsedArticle } from './types.ts';
import { parseDateHit } from './dates.ts';
import { maskOnly, maskPersonalData } from '../../lib/personal-data.ts';
import {
  blockText, CHROME_WORD_RE, clipTitle, compactCjk, definitionRows, descendants, documentBase, elementChildren, findFirst, inChrome, inlineText, isBlockTag,
  isElement, isChromeElement, isInvisibleTag, linkTarget, loadHtml, MAX_TITLE, metaMap, nameTokens, normalizeSpace, rawText, scriptTexts, tableGrid, type AnyNode, type Element,
} from './dom.ts';

// ---------------------------------------------------------------- body

/** Ids and classes that CMS templates give the article body. */
const BODY_IDS = new Set(['UCAP-CONTENT', 'zoom', 'Zoom', 'article-content', 'articleContent', 'zw', 'content']);
const BODY_CLASSES = new Set([
  'TRS_Editor', 'trs_editor_view', 'article-content', 'article_content', 'articleContent', 'pages_content', 'art_con',
  'news_content', 'detail-content', 'detail_content', 'xl_content', 'con_text', 'main-txt', 'content_text', 'wzy_content',
  'zw', 'bt_content',
]);

function isBodyMarked(el: Element): boolean {
  if (el.name === 'article') return true;
  const id = el.attribs['id'];
  if (id && BODY_IDS.has(id)) return true;
  const cls = el.attribs['class'];
  return !!cls && cls.split(/\s+/).some((c) => BODY_CLASSES.has(c));
}

interface TextStats {
  text: number;
  link: number;
}

/** Visible character counts per element (no whitespace), with the share inside links. */
function textStats(root: AnyNode): Map<AnyNode, TextStats> {
  const stats = new Map<AnyNode, TextStats>();
  const visit = (node: AnyNode, inLink: boolean): TextStats => {
    if (node.type === 'text') {
      const n = node.data.replace(/\s|\u00a0|\u3000/g, '').length;
      return { text: n, link: inLink ? n : 0 };
    }
    if (node.type === 'root') {
      const s: TextStats = { text: 0, link: 0 };
      for (const c of node.children) {
        const r = visit(c, false);
        s.text += r.text;
        s.link += r.link;
      }
      stats.set(node, s);
      return s;
    }
    if (!isElement(node) || isInvisibleTag(node.name)) return { text: 0, link: 0 };
    const s: TextStats = { text: 0, link: 0 };
    for (const c of node.children) {
      const r = visit(c, inLink || node.name === 'a');
      s.text += r.text;
      s.link += r.link;
    }
    stats.set(node, s);
    return s;
  };
  visit(root, false);
  return stats;
}

function depthOf(el: AnyNode): number {
  let d = 0;
  for (let p = el.parent; p; p = p.parent) d++;
  return d;
}

const FALLBACK_TAGS = /^(div|td|article|section|main|body)$/;

/** The element holding the article body (the whole document when nothing narrower holds most of the text). */
function findBody(root: AnyNode, stats: Map<AnyNode, TextStats>): AnyNode {
  const size = (el: AnyNode) => stats.get(el)?.text ?? 0;
  const own = (el: AnyNode) => {
    const s = stats.get(el);
    return s ? s.text - s.link : 0;
  };
  // Known body containers, and the parent of Hanweb's <!--ZJEG_RSS.content.begin--> marker.
  const candidates = descendants(root, (el) => isBodyMarked(el) || el.children.some((c) => c.type === 'comment' && /ZJEG_RSS\.content\.begin/.test(c.data)));
  // A known body container counts all its text, links included (a body may be just a link to the original).
  let best: Element | null = null;
  for (const el of candidates) {
    if (inChrome(el)) continue;
    if (!best || size(el) > size(best) * 1.1 || (size(el) >= size(best) * 0.9 && isInside(el, best))) best = el;
  }
  if (best && size(best) >= 20) return best;
  // Otherwise the deepest block holding most of the page's running (non-link) text.
  const blocks: AnyNode[] = [root];
  for (const [el, s] of stats) {
    if (isElement(el) && FALLBACK_TAGS.test(el.name) && s.link <= 0.5 * s.text && !inChrome(el)) blocks.push(el);
  }
  const max = Math.max(...blocks.map(own));
  let pick: AnyNode = root;
  for (const el of blocks) if (own(el) >= 0.8 * max && depthOf(el) > depthOf(pick)) pick = el;
  return pick;
}

function isInside(inner: AnyNode, outer: AnyNode): boolean {
  for (let p = inner.parent; p; p = p.parent) if (p === outer) return true;
  return false;
}

// ---------------------------------------------------------------- labelled fields

type Field = 'published' | 'publishedWeak' | 'written' | 'source1' | 'source2' | 'source3' | 'doc' | 'title' | 'validity' | 'stop';

const LABELS: Record<string, Field> = {
  发布日期: 'published', 发布时间: 'published', 公开日期: 'published', 发文时间: 'published', 发表时间: 'published',
  发布于: 'published', 上网时间: 'published', 时间: 'publishedWeak', 日期: 'publishedWeak',
  成文日期: 'written', 成文时间: 'written', 形成日期: 'written', 形成时间: 'written', 发文日期: 'written', 印发日期: 'written', 制发日期: 'written', 签发日期: 'written',
  信息来源: 'source1', 来源: 'source2', 文章来源: 'source1', 来源单位: 'source1', 发布机构: 'source3', 发布单位: 'source3',
  发布部门: 'source3', 发文机关: 'source3', 发文单位: 'source3',
  文号: 'doc', 发文字号: 'doc', 发文文号: 'doc', 文件编号: 'doc', 文件字号: 'doc',
  标题: 'title', 名称: 'title', 文件名称: 'title',
  有效性: 'validity', 效力状态: 'validity', 时效性: 'validity', 是否有效: 'validity', 有效期: 'validity', 有效期限: 'validity',
  浏览次数: 'stop', 点击数: 'stop', 点击量: 'stop', 访问量: 'stop', 阅读次数: 'stop', 浏览量: 'stop', 作者: 'stop',
  责任编辑: 'stop', 编辑: 'stop', 字号: 'stop', 字体: 'stop', 索引号: 'stop', 主题分类: 'stop',
  主题词: 'stop', 分类: 'stop', 体裁分类: 'stop', 组配分类: 'stop', 生效日期: 'stop', 废止日期: 'stop',
};
const KNOWN = Object.keys(LABELS).sort((a, b) => b.length - a.length);
const GENERIC_LABELS = new Set(['时间', '日期', '名称', '标题', '分类', '编辑', '作者', '字号', '字体']);
const LABEL_RE = /([\u4e00-\u9fa5]{2,6})\s*[:：]/g;
const SPACED_LABEL_RE = /(^|\s)((?:[\u4e00-\u9fa5]\s+){1,5}[\u4e00-\u9fa5])(?=\s*[:：])/g;
const NONE_RE = /^(无|暂无|空|-+|—+|\/|／|null|none)$/i;

type Found = Partial<Record<Field, string>>;

/** Separators and opening brackets that trail a value before the next label. */
const OPENERS = new Set(['|', '｜', '丨', '【', '[', '(', '（']);

/** The value without trailing openers: a loop, since `[…]*$` rescans a long run of them from every position in it. */
function trimOpeners(value: string): string {
  let end = value.length;
  while (end > 0 && OPENERS.has(value[end - 1]!)) end--;
  return value.slice(0, end);
}

/** Labelled values in text lines, first occurrence of each label kind wins. */
function labelledFields(text: string): Found {
  const found: Found = {};
  for (const raw of text.split('\n')) {
    // Every label ends in a colon: most lines of a body have none.
    if (!raw.includes('：') && !raw.includes(':')) continue;
    // Labels spelt with spaces (`索 引 号：`, `发 布 日 期：`) are closed up; other spaces stay, they separate fields.
    const line = normalizeSpace(raw).replace(SPACED_LABEL_RE, (_, lead: string, label: string) => lead + label.replace(/\s+/g, ''));
    const marks: Array<{ at: number; end: number; field: Field | null }> = [];
    for (const m of line.matchAll(LABEL_RE)) {
      const word = m[1]!;
      // A label glued to the value before it (`省发改委发布时间：`): take the known label at the end,
      // but a generic ending alone (办理时间, 会议日期, 单位名称) is some other label, not ours.
      const known = KNOWN.find((k) => word.endsWith(k) && (word === k || !GENERIC_LABELS.has(k)));
      const at = known ? m.index + word.length - known.length : m.index;
      marks.push({ at, end: m.index + m[0].length, field: known ? LABELS[known]! : null });
    }
    for (let i = 0; i < marks.length; i++) {
      const mk = marks[i]!;
      if (!mk.field || mk.field === 'stop' || found[mk.field] !== undefined) continue;
      const value = trimOpeners(line.slice(mk.end, marks[i + 1]?.at ?? line.length)).trim();
      if (value) found[mk.field] = value;
      else if (mk.field === 'doc') found.doc = '';
    }
  }
  return found;
}

function dateOf(value: string | undefined): string | null {
  if (!value) return null;
  const hit = parseDateHit(value);
  return hit && hit.kind === 'full' ? hit.date : null;
}

function cleanSource(value: string | undefined): string | null {
  if (!value) return null;
  const v = normalizeSpace(value.replace(/[【[].*$/, '')).slice(0, 60);
  return v && !NONE_RE.test(v) ? v : null;
}

/** Result of label scanning: visible fields, each falling back to the next source. */
interface Fields {
  published: string | null;
  written: string | null;
  source: string | null;
  docNumber: string | null | undefined;
  title: string | null;
  validity: string | null;
}

function fieldsFrom(found: Found): Fields {
  const doc = found.doc;
  return {
    published: dateOf(found.published) ?? dateOf(found.publishedWeak),
    written: dateOf(found.written),
    source: cleanSource(found.source1) ?? cleanSource(found.source2) ?? cleanSource(found.source3),
    // '' or 无 means the page says there is none; undefined means it does not say.
    docNumber: doc === undefined ? undefined : NONE_RE.test(doc.trim()) || !doc.trim() ? null : doc.trim().slice(0, 60),
    title: found.title ? clipTitle(normalizeSpace(found.title)) : null,
    validity: cleanValue(found.validity, 40),
  };
}

function cleanValue(value: string | undefined, max: number): string | null {
  const v = value ? normalizeSpace(value).slice(0, max) : '';
  return v && !NONE_RE.test(v) ? v : null;
}

/** Text of a small element (a table cell holding a label or a value), or null when it holds more than `max` characters or a table. */
function shortText(el: Element, max: number): string | null {
  const acc = { parts: [] as string[], length: 0, limit: max * 4 };
  if (!collectShort(acc, el)) return null;
  const t = normalizeSpace(acc.parts.join(''));
  return t.length <= max ? t : null;
}

// Module-level, not a closure: it runs for every table cell (see dom.ts on tsx keepNames).
function collectShort(acc: { parts: string[]; length: number; limit: number }, node: AnyNode): boolean {
  if (node.type === 'text') {
    acc.parts.push(node.data);
    acc.length += node.data.length;
    return acc.length <= acc.limit;
  }
  if (!isElement(node)) return true;
  if (node.name === 'table') return false;
  if (isInvisibleTag(node.name)) return true;
  for (const c of node.children) if (!collectShort(acc, c)) return false;
  return true;
}

const cellLabel = (t: string) => t.replace(/\s+/g, '').replace(/[:：]$/, '');

/**
 * Label cells without a colon in metadata tables (`<th>有效性</th><td>有效</td>`):
 * the cell right of a known label is its value, unless it is itself a label
 * (a header row: 文号 | 成文日期 | 发布日期). Generic labels (时间, 名称) are not
 * trusted in a table: a schedule's 时间 column is not the publication date.
 */
function tableFields(root: AnyNode): Found {
  const found: Found = {};
  for (const tr of descendants(root, (e) => e.name === 'tr')) {
    const cells = elementChildren(tr).filter((c) => c.name === 'td' || c.name === 'th');
    for (let i = 0; i + 1 < cells.length; i++) {
      const label = shortText(cells[i]!, 8);
      if (!label) continue;
      const word = cellLabel(label);
      const field = LABELS[word];
      if (!field || field === 'stop' || GENERIC_LABELS.has(word) || found[field] !== undefined) continue;
      const value = shortText(cells[i + 1]!, 80);
      if (value === null || LABELS[cellLabel(value)]) continue;
      found[field] = value;
      i++;
    }
  }
  return found;
}

const PUBLISHED_META = ['PubDate', 'pubdate', 'publishdate', 'firstpublishedtime', 'article:published_time', 'dc.date', 'dcterms.created', 'publishtime'];
const SOURCE_META = ['ContentSource', 'source', 'dc.source'];
/** 文号 as a line of its own at the top of a document: 宜府发〔2020〕12号. */
const DOC_NUMBER_RE = /^[\u4e00-\u9fa5]{1,12}[〔［\[(（]\s*(?:19|20)\d{2}\s*[〕］\])）]\s*\d{1,5}\s*号$/;

// ---------------------------------------------------------------- title

/** `<title>` minus the site's name: the first part, unless a later part is much longer (site name first). */
function titleFromTitleTag(t: string): string {
  const parts = normalizeSpace(t).split(/\s+[-–—|]+\s+|_+|\s*\|\s*|——/).map((p) => p.trim()).filter(Boolean);
  const first = parts[0] ?? '';
  const longest = [...parts].sort((a, b) => b.length - a.length)[0] ?? '';
  return longest.length > 2 * first.length ? longest : first;
}

function findTitle($: CheerioAPI, meta: Map<string, string>, labelled: string | null): string {
  const articleTitle = meta.get('articletitle');
  if (articleTitle) return compactCjk(articleTitle);
  const titleEl = findFirst($.root()[0]!, (e) => e.name === 'title');
  // Cut before the site-name patterns see it: a `<title>` may be as long as the page.
  const pageTitle = normalizeSpace(titleEl ? $(titleEl).text().slice(0, 4 * MAX_TITLE) : '');
  const squash = (s: string) => s.replace(/\s+/g, '');
  const candidates: string[] = [];
  $('h1, h2, h3, [class*="title"], [class*="Title"], [id*="title"]').each((_, el) => {
    if (inChrome(el)) return;
    const t = inlineText(el);
    if (t.length >= 4 && t.length <= 120 && !descendants(el).some((d) => isBlockTag(d.name) && inlineText(d).length > 120)) candidates.push(t);
  });
  const inTitle = candidates.filter((c) => pageTitle && squash(pageTitle).includes(squash(c))).sort((a, b) => b.length - a.length);
  if (inTitle[0]) return inTitle[0];
  if (labelled) return labelled;
  if (pageTitle) return titleFromTitleTag(pageTitle);
  return candidates[0] ?? '';
}

// ---------------------------------------------------------------- headings

const HEADING_RE = /^(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十百]+[）)]|第[一二三四五六七八九十百\d]+(?:部分|章|节)|附件\s*\d*\s*[:：]?|附表)/;

/** A heading line: the numbered lead-in up to its first full stop (`（一）主动公开方面。全年…` → `（一）主动公开方面`). */
function headingOf(line: string): string | null {
  const t = normalizeSpace(line);
  if (!HEADING_RE.test(t)) return null;
  const cut = /^(.{2,40}?)[。；;]/.exec(t);
  if (cut) return cut[1]!;
  return t.length <= 40 ? t : t.slice(0, 40);
}

function tableCaption(table: Element): string | null {
  const cap = descendants(table, (e) => e.name === 'caption')[0];
  if (cap) return inlineText(cap) || null;
  const firstRow = descendants(table, (e) => e.name === 'tr')[0];
  if (!firstRow) return null;
  const cells = elementChildren(firstRow).filter((c) => c.name === 'td' || c.name === 'th');
  if (cells.length === 1) {
    const t = inlineText(cells[0]!);
    if (t && t.length <= 60) return t;
  }
  return null;
}

/** Section headings and table captions of the body, in order. */
function findHeadings(body: AnyNode): string[] {
  const out: string[] = [];
  const add = (s: string | null) => {
    if (s && out[out.length - 1] !== s) out.push(s);
  };
  const isLeafBlock = (el: Element) => !descendants(el).some((d) => isBlockTag(d.name));
  const emphasised = (el: Element) => {
    const t = inlineText(el);
    if (!t || t.length > 30) return null;
    const strong = descendants(el, (d) => /^(strong|b|h[1-6])$/.test(d.name));
    if (/[。！？；!?]/.test(t)) return null;
    return strong.length > 0 && strong.map((s) => inlineText(s)).join('').replace(/\s/g, '') === t.replace(/\s/g, '') ? t : null;
  };
  const visit = (node: AnyNode) => {
    if (node.type === 'root') {
      for (const c of node.children) visit(c);
      return;
    }
    if (node.type === 'text') {
      for (const line of node.data.split(/\n/)) add(headingOf(line));
      return;
    }
    if (!isElement(node) || isInvisibleTag(node.name)) return;
    if (node.name === 'table') {
      add(tableCaption(node));
      return;
    }
    if (/^h[1-6]$/.test(node.name)) {
      const t = inlineText(node);
      if (t && t.length <= 60) add(headingOf(t) ?? t);
      return;
    }
    if (isBlockTag(node.name) && isLeafBlock(node)) {
      for (const line of blockText(node).split('\n')) add(headingOf(line));
      add(emphasised(node));
      return;
    }
    for (const c of node.children) visit(c);
  };
  visit(body);
  return out;
}

// ---------------------------------------------------------------- tables

const MAX_TABLES = 30;

/** The body's data tables and definition lists, outside the parts `skip` leaves out; a layout table is looked into. */
function bodyTables(body: AnyNode, skip: (e: Element) => boolean): ArticleTable[] {
  const out: ArticleTable[] = [];
  const visit = (node: AnyNode) => {
    for (const el of elementChildren(node)) {
      if (out.length >= MAX_TABLES) return;
      if (isInvisibleTag(el.name) || skip(el)) continue;
      if (el.name === 'dl') {
        const rows = definitionRows(el);
        if (rows.length > 0) out.push({ kind: 'dl', rows });
        continue;
      }
      const rows = el.name === 'table' ? tableGrid(el) : null;
      if (rows) {
        if (rows.length > 0) out.push({ rows });
      } else visit(el);
    }
  };
  visit(body);
  return out;
}

// ---------------------------------------------------------------- links

const LINK_CONTEXT = 30;
const RELATED_RE = /原文|相关文件|相关链接|相关政策|政策文件|附件|原件|文件链接|解读/;

function bodyLinks(text: string, found: Array<{ el: Element; start: number; end: number }>, base: string): LinkRef[] {
  const out: LinkRef[] = [];
  for (const { el, start, end } of found) {
    const url = linkTarget(el, base);
    if (!url) continue;
    const label = normalizeSpace(text.slice(start, end)) || normalizeSpace(el.attribs['title'] ?? '');
    if (CHROME_WORD_RE.test(label.replace(/\s/g, ''))) continue;
    const context = normalizeSpace(text.slice(Math.max(0, start - LINK_CONTEXT), Math.min(text.length, end + LINK_CONTEXT)).replace(/\n/g, ' '));
    out.push({ url, text: label, context });
  }
  return out;
}

/** Links after the body in the same article block that are labelled as the original/related files. */
function relatedLinks(body: AnyNode, base: string, stats: Map<AnyNode, TextStats>): LinkRef[] {
  const out: LinkRef[] = [];
  const blocks: Element[] = [];
  for (let cur: AnyNode | null = body, level = 0; cur && level < 3; cur = cur.parent, level++) {
    for (let sib = cur.next; sib; sib = sib.next) if (isElement(sib) && !inChrome(sib)) blocks.push(sib);
  }
  for (const block of blocks) {
    const found: Array<{ el: Element; start: number; end: number }> = [];
    const s = stats.get(block);
    if (!s || (s.link > 0.7 * s.text && descendants(block, (d) => d.name === 'a').length >= 5)) continue;
    const text = blockText(block, { onLink: (el, start, end) => found.push({ el, start, end }), skip: (e) => inChrome(e) });
    if (text.length > 300 || !RELATED_RE.test(text)) continue;
    out.push(...bodyLinks(text, found, base));
  }
  return out;
}

// ---------------------------------------------------------------- downloads and images

/** A link to a file (by the extension of its path or of a file name in its query). */
const FILE_RE = /\.(pdf|docx?|wps|ofd|ceb|rtf|txt|xlsx?|et|zip|rar|7z)(?=$|[?#&])/i;
/** 下载 links that are the site's, not the page's: 下载中心, 阅读器下载, 客户端下载. */
const FILE_HINT_RE = /\.(pdf|docx?|wps|ofd|ceb|rtf|txt|xlsx?|et|zip|rar|7z)\b/i;
const SITE_DOWNLOAD_RE = /中心|专区|专栏|软件|客户端|app|浏览器|插件|阅读器|控件|工具/i;
const MAX_DOWNLOADS = 50;
/** Inline scripts that build an attachment list at run time (the links are not in the markup). */
const ATTACHMENT_SCRIPT_RE = /附件|attach|fujian|appendix|download|downfile|\.(?:pdf|docx?|wps|ofd)\b/i;
const SCRIPT_SCAN_CHARS = 200_000;
/** Attributes through which a client-side template binds a link's target. */
const BOUND_ATTR_RE = /^(ms-attr-href|ms-href|v-bind:href|:href|ng-href|data-ng-href|th:href|x-bind:href)$/i;

/** Site-wide blocks whose links are on every page (a footer's 申请表.doc is no attachment of this document). */
const SITE_CHROME = new Set(['header', 'head', 'footer', 'foot', 'bottom', 'copyright', 'banner', 'topbar', 'nav', 'menu', 'friend', 'friendlink', 'yqlj', 'links', 'sitemap', 'wzdt']);

function notThePage(el: Element): boolean {
  for (let cur: AnyNode | null = el.parent; cur; cur = cur.parent) {
    if (!isElement(cur)) continue;
    if (cur.name === 'header' || cur.name === 'footer' || cur.name === 'nav' || (isInvisibleTag(cur.name) && cur.name !== 'button')) return true;
    if ((cur.attribs['class'] !== undefined || cur.attribs['id'] !== undefined) && nameTokens(cur).some((t) => SITE_CHROME.has(t))) return true;
  }
  return false;
}

/**
 * What on the page downloads the document's text: links to files anywhere on
 * the page but the site's header and footer (attachments often sit after the
 * body, outside it), and 下载 links or buttons of the page itself (a toolbar's
 * 【下载】 that runs a script counts, with the page's own address). The site's
 * own download pages (下载中心, 阅读器下载) do not.
 */
function findDownloads(root: AnyNode, base: string, pageUrl: string): { downloads: DownloadRef[]; bound: boolean } {
  const downloads: DownloadRef[] = [];
  const seen = new Set<string>();
  let bound = false;
  const clickable = descendants(root, (e) => e.name === 'a' || ((e.name === 'button' || e.name === 'span' || e.name === 'input') && e.attribs['onclick'] !== undefined));
  for (const el of clickable) {
    if (downloads.length >= MAX_DOWNLOADS) break;
    // Cheap test first: most links of a page neither name a file nor say 下载.
    const attrs = `${el.attribs['href'] ?? ''} ${el.attribs['onclick'] ?? ''}`;
    if (!FILE_HINT_RE.test(attrs) && !rawText(el).includes('下载') && !(el.attribs['title'] ?? el.attribs['value'] ?? '').includes('下载')) continue;
    if (notThePage(el)) continue;
    const shown = el.name === 'a' ? inlineText(el) : el.name === 'input' ? (el.attribs['value'] ?? '') : normalizeSpace(el.children.map(rawText).join(''));
    const text = shown || normalizeSpace(el.attribs['title'] ?? '');
    const url = el.name === 'a' ? linkTarget(el, base) : null;
    const parsed = url ? new URL(url) : null;
    const isFile = parsed !== null && FILE_RE.test(parsed.pathname + parsed.search);
    const saysDownload = text.length <= 30 && text.includes('下载') && !SITE_DOWNLOAD_RE.test(text);
    if (!isFile && !saysDownload) continue;
    // A link whose target a page script fills in (avalon ms-attr-href, Vue :href, {{file}}) is no download yet.
    if (Object.keys(el.attribs).some((k) => BOUND_ATTR_RE.test(k)) || /\{\{/.test(el.attribs['href'] ?? '')) {
      bound = true;
      continue;
    }
    // A 下载 anchor that goes nowhere (no href, no script) downloads nothing.
    if (!isFile && el.name === 'a' && url === null && el.attribs['onclick'] === undefined) continue;
    const target = url ?? pageUrl;
    const key = `${target}\u0000${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    downloads.push({ url: target, text: text.slice(0, 60) });
  }
  return { downloads, bound };
}

/** Images that may carry content (an organisation chart, a scanned page), not icons, logos or spacers. */
const DECORATION_RE = /icon|logo|spacer|blank|share|qrcode|ewm|erweima|arrow|bullet|dot|line|bg|btn|button|print|close/i;

function contentImages(body: AnyNode): number {
  let n = 0;
  for (const img of descendants(body, (e) => e.name === 'img')) {
    const w = Number(img.attribs['width']);
    const h = Number(img.attribs['height']);
    if ((w > 0 && w < 60) || (h > 0 && h < 60) || DECORATION_RE.test(img.attribs['src'] ?? '') || inChrome(img, body)) continue;
    n++;
  }
  return n;
}

function attachmentScript($: CheerioAPI): boolean {
  return scriptTexts($).some((t) => ATTACHMENT_SCRIPT_RE.test(t.length > SCRIPT_SCAN_CHARS ? t.slice(0, SCRIPT_SCAN_CHARS) : t));
}

// ---------------------------------------------------------------- personal data

/**
 * Every text field with personal numbers masked (src/lib/personal-data.ts);
 * the hits of the title and the body are kept, the other fields are only masked.
 */
function masked(a: Omit<ParsedArticle, 'personalData'>): ParsedArticle {
  const title = maskPersonalData(a.title, 'title');
  const text = maskPersonalData(a.text, 'text');
  const personalData: PersonalDataHit[] = [...title.hits, ...text.hits];
  return {
    ...a,
    title: title.text,
    text: text.text,
    source: a.source === null ? null : maskOnly(a.source),
    docNumber: a.docNumber === null ? null : maskOnly(a.docNumber),
    headings: a.headings.map(maskOnly),
    links: a.links.map((l) => ({ ...l, text: maskOnly(l.text), context: maskOnly(l.context) })),
    downloads: a.downloads.map((d) => ({ ...d, text: maskOnly(d.text) })),
    validity: a.validity === null ? null : maskOnly(a.validity),
    ...(a.tables ? { tables: a.tables.map((t) => ({ ...t, rows: t.rows.map((r) => r.map(maskOnly)) })) } : {}),
    personalData,
  };
}

// ---------------------------------------------------------------- main

/**
 * What this parser records about an article. A stored article of another
 * format lacks fields (validity, downloads…) the rules need: the crawl reads
 * it again instead of reusing it.
 */
export const ARTICLE_FORMAT = 2;

export function parseArticle(html: string, url: string): ParsedArticle {
  const $ = loadHtml(html);
  const base = documentBase($, url);
  // The whole document: broken pages close </html> early and carry on outside <body>.
  const root = $.root().get(0)!;
  const stats = textStats(root);
  const body = findBody(root, stats);
  const meta = metaMap($);

  const found: Array<{ el: Element; start: number; end: number }> = [];
  // Inside the body, chrome and menu-like blocks (mostly link text, several links) are not content.
  const menuLike = (e: Element) => {
    const s = stats.get(e);
    return !!s && s.text > 0 && s.link > 0.7 * s.text && descendants(e, (d) => d.name === 'a').length >= 5;
  };
  // The walk goes top-down, so checking each element itself covers its ancestors inside the body.
  const skipInBody = (e: Element) => e !== body && (isChromeElement(e) || menuLike(e));
  const text = blockText(body, { onLink: (el, start, end) => found.push({ el, start, end }), skip: skipInBody });
  const links = body === root ? bodyLinks(text, found, base) : [...bodyLinks(text, found, base), ...relatedLinks(body, base, stats)];
  const seen = new Set<string>();
  const uniqueLinks = links.filter((l) => {
    const key = `${l.url}\u0000${l.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  // Labelled fields: first the page around the body, then the body itself.
  const around = fieldsFrom(labelledFields(body === root ? '' : blockText(root, { skip: (e) => e === body })));
  const inside = fieldsFrom(labelledFields(text));
  const table = fieldsFrom(tableFields(root));
  const metaDate = PUBLISHED_META.map((k) => meta.get(k.toLowerCase())).find((v) => v && dateOf(v));
  const metaSource = SOURCE_META.map((k) => meta.get(k.toLowerCase())).find((v) => v && cleanSource(v));
  const firstLines = text.split('\n').slice(0, 8).map((l) => l.trim());

  const docNumber =
    around.docNumber !== undefined
      ? around.docNumber
      : inside.docNumber !== undefined
        ? inside.docNumber
        : table.docNumber !== undefined
          ? table.docNumber
          : firstLines.find((l) => DOC_NUMBER_RE.test(l.replace(/\s/g, ''))) ?? null;

  const { downloads, bound } = findDownloads(root, base, url);

  // A bare body fragment has no title markup: its first short line is the title.
  const firstLine = firstLines[0] ?? '';
  const title = findTitle($, meta, around.title ?? inside.title) || (firstLine.length <= 60 ? firstLine : '');
  const tables = bodyTables(body, skipInBody);
  return masked({
    title: clipTitle(compactCjk(title)),
    published: around.published ?? inside.published ?? table.published ?? dateOf(metaDate ?? undefined),
    written: around.written ?? inside.written ?? table.written,
    source: around.source ?? inside.source ?? table.source ?? cleanSource(metaSource ?? undefined),
    docNumber: docNumber ? docNumber.replace(/\s/g, '') : null,
    text,
    headings: findHeadings(body),
    ...(tables.length > 0 ? { tables } : {}),
    links: uniqueLinks,
    validity: around.validity ?? inside.validity ?? table.validity,
    downloads,
    images: contentImages(body),
    // Only asked when the markup has no download: then a script may be drawing the attachment list.
    scriptedAttachments: downloads.length === 0 && (bound || attachmentScript($)),
    format: ARTICLE_FORMAT,
  });
}
