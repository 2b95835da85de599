import type { ListItem, ArticleSnapshot, LinkRef, PersonalDataHit } from '../../model/snapshot.ts';

/**
 * The interface between the pure parsers (src/crawl/parse/*, no I/O) and the
 * crawl engine (fetching, queueing, browser). Parsers take decoded HTML and
 * the page's own URL, and return absolute URLs.
 */

/** A column found in a unit's index (or in a column page's sub-tree). */
export interface DiscoveredColumn {
  name: string;
  /** Names from the tree root, e.g. ['法规文件', '规范性文件']. */
  path: string[];
  /** Absolute address of the column's list page. */
  url: string;
  /** True when the platform marks it hidden (集约化 showOrNot:0); the engine skips hidden columns. */
  hidden?: boolean;
  /** True when the node has child columns (a group heading; its own list may or may not exist). */
  hasChildren?: boolean;
  /** True when the tree links straight to a document (e.g. 机构职能 → one article), not to a list page. */
  isArticle?: boolean;
}

/** A list that is filled by a recognisable platform endpoint instead of static markup. */
export interface ListEndpoint {
  kind: 'jiyue-loadPageData' | 'hanweb-dataproxy';
  /** Absolute URL to request. */
  url: string;
  method: 'GET' | 'POST';
  /** Form/query parameters for page 1; the engine sets the page parameter named by `pageParam`. */
  params: Record<string, string>;
  pageParam: string;
  perPage?: number;
  /** Base for relative item addresses in the answer: the list page's `<base href>` (集约化 answers are relative to it). */
  base?: string;
}

export type ParsedItem = Omit<ListItem, 'firstSeen'>;

export interface ParsedList {
  items: ParsedItem[];
  /** Addresses of further list pages announced on this page (absolute, in order, deduplicated). */
  nextPages: string[];
  /** Total pages when the pager states it. */
  pagesAnnounced?: number;
  /** A recognised list endpoint, when the list is client-rendered. */
  endpoint?: ListEndpoint;
  /** iframes in the content area that probably hold the list (absolute URLs). */
  iframes: string[];
  /** True when the page shows signs of a client-rendered list (templates, empty containers) but no endpoint was recognised. */
  needsBrowser: boolean;
  /** An endpoint answer that is neither the JSON nor the XML it should be: why (what it lists is unknown, not empty). */
  unreadable?: string;
  /** Chinese: the page holds several lists and nothing tells which is the column's (no items are given then). */
  ambiguous?: string;
}

/** An article as parsed, personal numbers already masked in every field (`personalData` says where). */
export type ParsedArticle = Pick<
  ArticleSnapshot,
  'title' | 'published' | 'written' | 'source' | 'docNumber' | 'text' | 'headings' | 'tables'
> &
  Required<Pick<ArticleSnapshot, 'validity' | 'downloads' | 'images' | 'scriptedAttachments' | 'format'>> & { links: LinkRef[]; personalData: PersonalDataHit[] };

export interface DecodedPage {
  text: string;
  /** Charset actually used (e.g. 'utf-8', 'gb18030'). */
  charset: string;
  /** Where the charset came from. */
  charsetSource: 'header' | 'bom' | 'meta' | 'detected' | 'default';
}
