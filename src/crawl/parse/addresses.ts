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
  /(show|detail|view|content|article|info)[A-Za-z_]*\.(aspx?|jsp|php|do)\?.*\b(id|docid|documentid|articleid|newsid|infoid|contentid|aid|ID)=\d+/i,
  /\.(pdf|docx?|xlsx?|wps|ceb|zip|rar|7z|txt|pptx?|ofd)(\?.*)?$/i,
];

/** An address that looks like a single document rather than a list. */
export function isArticleUrl(url: string): boolean {
  let path: string;
  try {
    const u = new URL(url);
    path = u.pathname + u.search;
  } catch {
    path = url;
  }
  return ARTICLE_PATTERNS.some((re) => re.test(path)) || dateFromUrl(url) !== null;
}

/** The directory of an address (`/xxgk/jtj/` for `/xxgk/jtj/index.html`). */
export function directoryOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname.replace(/[^/]*$/, '');
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
