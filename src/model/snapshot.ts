/**
 * The crawl's output: a plain, JSON-serialisable picture of one unit's
 * disclosure column at one moment. Rules read only this (plus the context);
 * the crawler writes only this. Dates are Asia/Shanghai calendar dates
 * (`YYYY-MM-DD`); instants are ISO-8601 strings with offset.
 */
export const SNAPSHOT_SCHEMA_VERSION = 1 as const;

export type UnitType = 'department' | 'town' | 'farm';

export interface Unit {
  id: string;
  name: string;
  type: UnitType;
  /** The unit's disclosure index page. */
  url: string;
}

/**
 * Why a page could not be used. `blocked` = anti-bot challenge (412/521) or a firewall's notice; `robots` = disallowed by robots.txt;
 * `parse` = the page was read but nothing usable was recognised in it (e.g. no column tree on the index);
 * `error-page` = a 2xx answer that is not the page: empty, cut short, a busy or error notice, a data endpoint's error envelope;
 * `forbidden` = a link the network policy does not let the tool check (a loopback, private, link-local… target
 * outside the units file and --allow-host): never requested, so nothing is known about it;
 * `dns` = the host name does not resolve (a link to a site that no longer exists).
 */
export type FailureKind =
  | 'timeout'
  | 'http-error'
  | 'network'
  | 'too-large'
  | 'redirect-loop'
  | 'blocked'
  | 'robots'
  | 'off-host'
  | 'forbidden'
  | 'soft-404'
  | 'error-page'
  | 'dns'
  | 'decode'
  | 'render'
  | 'parse';

export interface FetchFailure {
  url: string;
  kind: FailureKind;
  /** HTTP status when there was one. */
  status?: number;
  /** Chinese, one line, for the office. */
  reason: string;
  attempts: number;
}

export type ListSource = 'static' | 'xml-records' | 'endpoint' | 'browser' | 'iframe';

export interface ListItem {
  title: string;
  url: string;
  /** Published date (YYYY-MM-DD, Asia/Shanghai) or null when none could be found. */
  date: string | null;
  /** Where the date came from. `inferred` = month-day with the year taken from context. */
  dateSource: 'list' | 'url' | 'article' | 'inferred' | null;
  /** 置顶: pinned above the chronological order. */
  pinned?: boolean;
  /**
   * The item opens only through a page script (`javascript:openDoc('…')`): `url` is a stand-in
   * (the list page with `#item-…`), never fetched. It counts for freshness; its article is unread.
   */
  scriptOnly?: boolean;
  /** First time any crawl saw this item (ISO instant), kept across crawls by the store. */
  firstSeen: string;
}

export interface ListPageVisit {
  url: string;
  /** HTTP status, or null when the request never got an answer. */
  status: number | null;
  items: number;
  source: ListSource;
}

export interface ColumnSnapshot {
  /** Column path joined with '/', e.g. `法规文件/规范性文件`; unique within the unit. */
  key: string;
  name: string;
  /** Names from the tree root to this column. */
  path: string[];
  /** The column's (first) list page. */
  url: string;
  /** Category assigned at crawl time from the scheme's keyword map; rules may re-derive it. */
  category: string;
  /**
   * ok: all list pages read; partial: some pages failed or a bound was hit;
   * failed: the first page could not be read (no conclusion about the column).
   */
  status: 'ok' | 'partial' | 'failed';
  items: ListItem[];
  pages: ListPageVisit[];
  /** Total pages announced by the pager, where it says so. */
  pagesAnnounced?: number;
  /** Chinese notes such as "翻页达到上限 50 页，已停止". */
  notes: string[];
  /**
   * When the whole list was last read from the portal (ISO instant). A nightly
   * crawl that finds the head of the list unchanged keeps the rest from the
   * previous snapshot and this instant with it.
   */
  verifiedAt?: string;
}

export interface LinkRef {
  url: string;
  text: string;
  /** Up to ~60 characters of text around the link, for matching 原文/相关文件. */
  context: string;
  /** Result of checking the link (only for links a rule needs: interpretations' links, a dead-link sample). */
  check?: {
    status: number | null;
    ok: boolean;
    /** Chinese, why the link did not work (or could not be judged). */
    error?: string;
    /**
     * What went wrong. Broken: a 404/410 (`http-error`), `soft-404`, `dns` for a host of the units file; any
     * other failure (a 403/412/429/5xx, `blocked`, `timeout`, `network`, `forbidden`, `off-host`) means it
     * could not be judged.
     */
    kind?: FailureKind;
    finalUrl?: string;
    title?: string;
  };
}

/** Something on an article page that downloads the document (a file link, a 下载 link or button). */
export interface DownloadRef {
  /** The file, or the page itself for a 下载 button that runs a script. */
  url: string;
  text: string;
}

/**
 * A table of an article body as rows of cell texts, a cell spanning rows or
 * columns repeated in each place it covers; a definition list (`dl`) as one
 * row per term: the term, then its definitions.
 */
export interface ArticleTable {
  kind?: 'dl';
  rows: string[][];
}

export interface ArticleSnapshot {
  url: string;
  finalUrl: string;
  /** Column key the article was reached from. */
  column: string;
  fetched: boolean;
  failure?: FetchFailure;
  title: string;
  /** 发布日期/发布时间 (YYYY-MM-DD). */
  published: string | null;
  /** 成文日期 (YYYY-MM-DD). */
  written: string | null;
  /** 信息来源 / 来源 / 发布机构. */
  source: string | null;
  /** 文号, e.g. 宜府发〔2020〕12号. */
  docNumber: string | null;
  /** Visible body text, whitespace-normalised (tables flattened cell by cell). */
  text: string;
  /** Headings and table captions found in the body, in order (for tolerant section matching). */
  headings: string[];
  /** The body's data tables and definition lists with their structure (absent in older snapshots and where there are none). */
  tables?: ArticleTable[];
  /** Links in the body (chrome excluded). */
  links: LinkRef[];
  /** When the page was read (ISO instant); an article is reused from the previous snapshot for a while. */
  fetchedAt?: string;
  // Optional: absent in snapshots made before the parser recorded them (then a rule cannot tell).
  /** 有效性 / 时效性 / 有效期 as labelled on the page (现行有效, 废止, 有效期5年…). */
  validity?: string | null;
  /** File links and 下载 links or buttons of the page (site header and footer excluded). */
  downloads?: DownloadRef[];
  /** Images in the body that may carry content (not icons or logos). */
  images?: number;
  /** No download in the markup, but the page's scripts mention attachments: a list may be drawn at run time. */
  scriptedAttachments?: boolean;
  /** The article parser's format (see ARTICLE_FORMAT in src/crawl/parse/article.ts). */
  format?: number;
  /** The address is a file (PDF, Word…), not a page: no text of its own; where the plan asks for attachments it is its own one. */
  isFile?: boolean;
  /**
   * Personal numbers found in the title and body when the page was read (they are masked in
   * every field above). Absent: read before the scan existed, i.e. not checked.
   */
  personalData?: PersonalDataHit[];
  /** The attachments the page links to, downloaded and read (only where the gather plan asked for them). */
  attachments?: AttachmentSnapshot[];
}

/**
 * A personal number seen at crawl time. The number itself is never kept: only
 * its masked form (at most the first 4 and last 4 digits) and where it stood.
 * See src/lib/personal-data.ts.
 */
export interface PersonalDataHit {
  kind: 'id-number' | 'mobile' | 'bank-card';
  /** E.g. `3624**********123X`, `138****5678`. */
  masked: string;
  /** The article's `title` or `text` (an attachment has only `text`). */
  field: 'title' | 'text';
  /** Offset of the number in that (masked) text. */
  at: number;
  /** id-number: the GB 11643 check digit holds (region and birth date always do); cards: Luhn holds; mobiles: true. */
  valid: boolean;
  /** Up to 24 characters of the masked text before and after it. */
  before: string;
  after: string;
}

/** An attachment linked from an article (PDF, Word, WPS, Excel…). */
export interface AttachmentSnapshot {
  url: string;
  /** The link's text, as the page names the attachment. */
  name: string;
  /** By content (file signature), else by address: pdf, docx, doc, wps, xlsx, xls, et, ofd, zip, rar, html, unknown. */
  format: string;
  /** Could not be downloaded (not found, too large, time bound, off the allowed hosts…). */
  failure?: FetchFailure;
  /** Downloaded (or known by its address) but no text could be taken from it: Chinese, why. */
  unreadable?: string;
  /** Bytes downloaded. */
  bytes?: number;
  /** Extracted text, personal numbers masked; cut at a bound (`textTruncated`). */
  text?: string;
  textTruncated?: boolean;
  /** A reading bound (characters, PDF pages) stopped before the end of the file: the scan covers only its start. */
  incomplete?: boolean;
  /** Personal numbers in the whole extracted text (also when the kept text is cut). Present when the text was read. */
  personalData?: PersonalDataHit[];
}

export interface UnitSnapshot {
  schemaVersion: typeof SNAPSHOT_SCHEMA_VERSION;
  unit: Unit;
  crawlId: string;
  startedAt: string;
  finishedAt: string;
  /** ok: everything read; partial: some pages failed; unreachable: the index page itself failed. */
  status: 'ok' | 'partial' | 'unreachable';
  columns: ColumnSnapshot[];
  /** Articles fetched for the columns rules need, keyed by URL. */
  articles: Record<string, ArticleSnapshot>;
  failures: FetchFailure[];
  /** `notModified`: pages the server answered 304 and the store's copy was used (absent in older snapshots). */
  stats: { requests: number; pages: number; bytes: number; browserRenders: number; durationMs: number; notModified?: number };
}
