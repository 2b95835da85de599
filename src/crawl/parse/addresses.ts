/**
 * What an address looks like on a government CMS: an article (a document
 * page or an attachment) or a column (a list page). Used to tell list items
 * from navigation and column trees from lists of articles.
 */
import { dateFromUrl } from './dates.ts';

const ARTICLE_PATTERNS: RegExp[] = [
  /[/_]t\d{8}_\d+/, // TRS t20201201_123.html
  /\/art\/\d{4}\/\d{1,2}\/\d{1,2}\/art_/, // Hanweb
  /\/art_\d+_\d+\.html?$/,
  /\/content_\d+\.s?html?$/, // gov.cn, Jiangxi 集约化
  /\/content\/(post|content)_\d+\.s?html?$/,
  /\/\d{6}\/[^/]+\.s?html?$/, // /202009/xxx.html
  /\/\d{4}-\d{2}\/\d{2}\/[^/]+$/,
  /\/\d{5,}\.(s?html?|jhtml|htm|shtm)$/, // numeric document id: 9010.jhtml, 174240943.shtml
  /\/\d+_\d+\.s?html?$/,
  /\/(Item|item|Article|article|news|info)\/\d+\.(aspx?|s?html?)$/,
  /\.(pdf|docx?|xlsx?|wps|ceb|zip|rar|7z|txt|pptx?|ofd)(\?.*)?$/i,
];

/** A script page and its query: `showinfo.aspx?id=12`, `detail.jsp?docid=3`. Runs start only after a non-letter, so each is read once. */
const SCRIPT_PAGE_RE = /(?<![A-Za-z_])([A-Za-z_]+)\.(?:aspx?|jsp|php|do)\?/gi;
const SCRIPT_PAGE_WORD_RE = /show|detail|view|content|article|info/i;
const DOCUMENT_ID_RE = /\b(?:id|docid|documentid|articleid|newsid|infoid|contentid|aid)=\d/i;

function isScriptDocument(path: string): boolean {
  for (const m of path.matchAll(SCRIPT_PAGE_RE)) {
    if (SCRIPT_PAGE_WORD_RE.test(m[1]!)) return DOCUMENT_ID_RE.test(path.slice(m.index + m[0].length));
  }
  return false;
}

/** An address that looks like a single document rather than a list. */
export function isArticleUrl(url: string): boolean {
  let path: string;
  try {
    const u = new URL(url);
    path = u.pathname + u.search;
  } catch {
    path = url;
  }
  return ARTICLE_PATTERNS.some((re) => re.test(path)) || isScriptDocument(path) || dateFromUrl(url) !== null;
}

/** The directory of an address (`/xxgk/jtj/` for `/xxgk/jtj/index.html`). */
export function directoryOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1);
  } catch {
    return '/';
  }
}

/** True when `url` lies under `dir` on the same host (and is not `dir` itself). */
export function isUnder(url: string, pageUrl: string, dir: string): boolean {
  try {
    const u = new URL(url);
    const p = new URL(pageUrl);
    if (u.hostname !== p.hostname) return false;
    return u.pathname.startsWith(dir) && u.pathname.length > dir.length && !/^(index|default)\./i.test(u.pathname.slice(dir.length));
  } catch {
    return false;
  }
}
