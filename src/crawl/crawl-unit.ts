import { setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import type { ArticleRead, GatherPlan } from '../model/gather-plan.ts';
import {
  SNAPSHOT_SCHEMA_VERSION,
  type ArticleSnapshot,
  type AttachmentSnapshot,
  type ColumnSnapshot,
  type FetchFailure,
  type LinkRef,
  type ListItem,
  type ListSource,
  type Unit,
  type UnitSnapshot,
} from '../model/snapshot.ts';
import { nowIso, todayInShanghai } from '../lib/time.ts';
import type { RenderedPage } from '../browser/render.ts';
import { TemplateProfile } from './answer-check.ts';
import type { FetchedPage, FetchOutcome, FetchStats, Fetcher, LinkCheck } from './fetcher.ts';
import { AttachmentReader } from './attachment-reader.ts';
import { ARTICLE_FORMAT } from './parse/article.ts';
import { formatFromName, formatLabel, READABLE_FORMATS, sniffFormat } from './parse/attachment.ts';
import { decodeBody } from './parse/charset.ts';
import { isScriptItemUrl } from './parse/items.ts';
import type { DiscoveredColumn, ListEndpoint, ParsedArticle, ParsedItem, ParsedList } from './parse/types.ts';
import { inlineParser, ParseTimeoutError, type PageParser } from './parse-pool.ts';
import type { ParseResult, ParseTask } from './parse-task.ts';
import { sameDocument } from './parse/dom.ts';
import { maskPersonalData } from '../lib/personal-data.ts';

/**
 * One unit's crawl: index → column tree → every visible column's list pages
 * (static pages, a recognised list endpoint, an iframe, or a browser render
 * when static parsing finds nothing) → the articles rules need (annual
 * reports, interpretations and the pages they link to, leader pages, and
 * articles that give a date the list lacks) and, where the plan asks, the
 * attachments those articles link to (downloaded under the same policy and
 * read in a worker with a budget). Personal numbers are masked as each page
 * is parsed, and a page that held any is not kept raw in the store.
 * Returns a UnitSnapshot; never
 * throws for portal trouble: what could not be read is recorded as a
 * FetchFailure, and the column says `partial`/`failed`, never "no items".
 */

export interface CrawlUnitOptions {
  /** What to read beyond the lists, made from the rules the scheme selected. */
  plan: GatherPlan;
  crawlId: string;
  /** List pages read per column. Default 50. */
  maxPagesPerColumn?: number;
  /** Articles fetched per column for the rules' needs (interpretations, leader pages, reports). Default 200. */
  maxArticlesPerColumn?: number;
  /** Articles fetched per column only to learn a date the list lacks. Default 50. */
  maxDateFillsPerColumn?: number;
  /** Body links checked per article. Default 30. */
  maxLinksPerArticle?: number;
  /** Time bound for the whole unit. Default 10 minutes. */
  unitTimeMs?: number;
  /** Size bound of one attachment. Default 20 MB. */
  maxAttachmentBytes?: number;
  /** Attachment bytes downloaded per unit at most. Default 200 MB. */
  maxAttachmentBytesPerUnit?: number;
  /** Attachments read per article. Default 20. */
  maxAttachmentsPerArticle?: number;
  /** Characters of an attachment's text kept in the snapshot (all of it is scanned for personal numbers). Default 50 000. */
  maxAttachmentTextChars?: number;
  /** Year for list dates without one (`[12-01]`). Default: the current year in Asia/Shanghai. */
  contextYear?: number;
  /**
   * How long what the previous snapshot read stays usable without asking the
   * portal again: list pages behind an unchanged head, and articles. Default
   * 7 days; 0 reads everything afresh (an on-demand audit after a fix).
   */
  reuseDays?: number;
  signal?: AbortSignal;
  onProgress?: (p: UnitProgress) => void;
  now?: () => Date;
}

export interface UnitProgress {
  unitId: string;
  columns: number;
  columnsDone: number;
  pages: number;
  items: number;
  errors: number;
}

export interface CrawlUnitDeps {
  fetcher: Fetcher;
  /** Keeps first-seen instants across crawls (the store). */
  firstSeen?: { firstSeen(unitId: string, url: string, seenAt: string): string };
  /** Renders a page with JavaScript; absent: no browser rendering. */
  render?: (url: string, signal?: AbortSignal) => Promise<RenderedPage>;
  /** The unit's previous snapshot, for the nightly re-crawl (see `reuseDays`). */
  previous?: UnitSnapshot | null;
  /** Where pages are parsed: the crawl run's worker pool (a time budget per page); default in this thread. */
  parser?: PageParser;
  /** Reads attachment text with a budget (shared by a run); absent: the unit starts its own when it needs one. */
  attachments?: AttachmentReader;
  /**
   * What the pages of all units on the unit's host look like: the pages of a
   * unit too little of which could be read to know its own are judged by it.
   */
  hostTemplate?: TemplateProfile;
}

/** An index with this many columns or fewer may link only some of the unit's: its list pages' menus are read too. */
const FEW_COLUMNS = 2;

/** Replacement characters that make a decoded page unusable (a stray one or two are tolerated). */
const MAX_REPLACEMENTS = 10;

/** Distinct links a `links: 'check'` read has checked in a unit when it names no bound. */
const DEFAULT_LINK_CHECKS = 300;

const DEFAULTS = {
  maxPagesPerColumn: 50,
  maxArticlesPerColumn: 200,
  maxDateFillsPerColumn: 50,
  maxLinksPerArticle: 30,
  unitTimeMs: 10 * 60_000,
  reuseDays: 7,
  maxAttachmentBytes: 20 * 1024 * 1024,
  maxAttachmentBytesPerUnit: 200 * 1024 * 1024,
  maxAttachmentsPerArticle: 20,
  maxAttachmentTextChars: 50_000,
};

/** A page loaded for a list (fetched or rendered), or the status of a failure already recorded. */
type LoadedPage = { html: string; finalUrl: string; status: number | null };
type Loaded = LoadedPage | { failed: true; status: number | null };
/** A parser's answer, or why there is none (not yet recorded: the caller decides whether it is a crawl failure). */
type Parsed<T> = { value: T } | { failure: FetchFailure };

interface ListRead {
  /** The column's name (a list titled with it is its own). */
  column: string;
  items: ParsedItem[];
  /** Item addresses already taken (an item listed on two pages counts once). */
  seen: Set<string>;
  pages: ColumnSnapshot['pages'];
  pagesAnnounced?: number;
  notes: string[];
  /** The first page could not be read at all. */
  failed: boolean;
  /** Some page failed or a bound was hit. */
  partial: boolean;
  /** The first page's HTML, for columns whose page is itself the content (leader pages). */
  firstHtml?: { html: string; url: string; status: number | null };
  /** The column's address is a document, not a list. */
  document?: { html: string; url: string; status: number | null };
  /** Items of the previous snapshot's column, when it may stand in for pages not read again. */
  known?: Set<string>;
  /** A page showed only known items: the rest of the list was taken from the previous snapshot. */
  rest?: boolean;
}

export async function crawlUnit(unit: Unit, options: CrawlUnitOptions, deps: CrawlUnitDeps): Promise<UnitSnapshot> {
  return new UnitCrawl(unit, options, deps).run();
}

class UnitCrawl {
  readonly #unit: Unit;
  readonly #o: CrawlUnitOptions & typeof DEFAULTS;
  readonly #deps: CrawlUnitDeps;
  readonly #parser: PageParser;
  readonly #now: () => Date;
  readonly #contextYear: number;
  readonly #stats: FetchStats = { requests: 0, pages: 0, bytes: 0, notModified: 0 };
  #browserRenders = 0;
  readonly #failures: FetchFailure[] = [];
  readonly #failed = new Set<string>();
  /** Pages being fetched, and pages that failed, in this unit: a URL is marked when queued. */
  readonly #pages = new Map<string, Promise<FetchOutcome>>();
  /** What this unit's own pages look like (./answer-check.ts): a page unlike them is an error page, not content. */
  readonly #template = new TemplateProfile();
  /**
   * Pages taken before their host, or this unit's pages, were known well
   * enough to judge them (checked again at the end); `template`: judge it
   * against the unit's pages too.
   */
  readonly #unverified = new Map<string, { page: FetchedPage; template: boolean }>();
  readonly #articles = new Map<string, Promise<ArticleSnapshot>>();
  /** Articles the crawl needed for themselves (not only as a link's target). */
  readonly #needed = new Set<string>();
  /** Articles whose attachments are being read (each once). */
  readonly #attachmentReads = new Map<string, Promise<void>>();
  /** Attachments by address: a file several pages link to is downloaded once per unit. */
  readonly #downloads = new Map<string, Promise<AttachmentSnapshot>>();
  /** Attachment bytes the unit may still download (reserved before each download). */
  #attachmentBudget = 0;
  /** Two attachments of a unit at a time, downloaded and read: a file waits for the reader without others piling up in memory. */
  readonly #attachmentQueue = new PQueue({ concurrency: 2 });
  #reader: AttachmentReader | null = null;
  #ownReader = false;
  /** Per column key: the articles whose links a `links: 'check'` read asked for, in list order (checked at the unit's end). */
  readonly #linkPages = new Map<string, string[]>();
  /** What the unit's `check` reads asked: the largest bound, and whether links off the portal are wanted. */
  #linkChecks = { max: 0, anyHost: false };
  readonly #previous: UnitSnapshot | null;
  /** What was read after this instant may be reused (ms since epoch). */
  readonly #reuseSince: number;
  readonly #abort = new AbortController();
  readonly #signal: AbortSignal;
  #timedOut = false;
  readonly #progress: UnitProgress;

  constructor(unit: Unit, options: CrawlUnitOptions, deps: CrawlUnitDeps) {
    this.#unit = unit;
    this.#o = { ...DEFAULTS, ...stripUndefined(options) } as CrawlUnitOptions & typeof DEFAULTS;
    this.#deps = deps;
    this.#parser = deps.parser ?? inlineParser();
    this.#now = options.now ?? (() => new Date());
    this.#contextYear = options.contextYear ?? Number(todayInShanghai(this.#now()).slice(0, 4));
    this.#signal = options.signal ? AbortSignal.any([this.#abort.signal, options.signal]) : this.#abort.signal;
    // Every request in flight listens to this signal.
    setMaxListeners(0, this.#signal);
    this.#progress = { unitId: unit.id, columns: 0, columnsDone: 0, pages: 0, items: 0, errors: 0 };
    this.#previous = this.#o.reuseDays > 0 ? (deps.previous ?? null) : null;
    this.#reuseSince = this.#now().getTime() - this.#o.reuseDays * 86_400_000;
    this.#attachmentBudget = this.#o.maxAttachmentBytesPerUnit;
  }

  #recent(instant: string | undefined): boolean {
    return instant !== undefined && Date.parse(instant) >= this.#reuseSince;
  }

  /** The previous snapshot's reading of this column, when complete, recent and of the same list. */
  #previousColumn(key: string, url: string): ColumnSnapshot | undefined {
    const prev = this.#previous?.columns.find((c) => c.key === key && c.url === url);
    return prev && prev.status === 'ok' && this.#recent(prev.verifiedAt) ? prev : undefined;
  }

  get #stopped(): boolean {
    return this.#signal.aborted;
  }

  #stopNote(): string {
    const ms = this.#o.unitTimeMs;
    const bound = ms >= 60_000 ? `${Math.round(ms / 60_000)} 分钟` : ms >= 1000 ? `${Math.round(ms / 1000)} 秒` : `${ms} 毫秒`;
    return this.#timedOut ? `单位抓取用时达到上限（${bound}），已停止，其余页面未读取` : '抓取被中止，其余页面未读取';
  }

  #report(): void {
    this.#progress.pages = this.#stats.pages;
    this.#progress.errors = this.#failures.length;
    this.#o.onProgress?.({ ...this.#progress });
  }

  /** Records a failure once per address and kind, however many places needed the page. */
  #fail(f: FetchFailure): void {
    const key = `${f.kind} ${f.url}`;
    if (this.#failed.has(key)) return;
    this.#failed.add(key);
    this.#failures.push(f);
    this.#report();
  }

  async run(): Promise<UnitSnapshot> {
    const started = this.#now();
    const timer = setTimeout(() => {
      this.#timedOut = true;
      this.#abort.abort();
    }, this.#o.unitTimeMs);
    try {
      return await this.#run(started);
    } finally {
      clearTimeout(timer);
      if (this.#ownReader) await this.#reader?.close();
    }
  }

  async #run(started: Date): Promise<UnitSnapshot> {
    const snapshot = (status: UnitSnapshot['status'], columns: ColumnSnapshot[], articles: Record<string, ArticleSnapshot>): UnitSnapshot => {
      const finished = this.#now();
      return {
        schemaVersion: SNAPSHOT_SCHEMA_VERSION,
        unit: this.#unit,
        crawlId: this.#o.crawlId,
        startedAt: nowIso(started),
        finishedAt: nowIso(finished),
        status,
        columns,
        articles,
        failures: this.#failures,
        stats: { ...this.#stats, browserRenders: this.#browserRenders, durationMs: finished.getTime() - started.getTime() },
      };
    };

    const index = await this.#loadStatic(this.#unit.url);
    if ('failed' in index) return snapshot('unreachable', [], {});
    const indexUrl = index.finalUrl;
    // An index that could not be parsed tells nothing of the unit's columns: nothing can be judged.
    let found = await this.#columnsOf(index);
    if (!found) return snapshot('unreachable', [], {});
    if (visibleColumns(found).length === 0) {
      // The tree may be drawn by script: look again at the rendered page.
      const rendered = await this.#render(indexUrl);
      if (rendered) found = await this.#columnsOf(rendered);
      if (!found) return snapshot('unreachable', [], {});
    }
    if (visibleColumns(found).length > 0 && visibleColumns(found).length <= FEW_COLUMNS) {
      const through = await this.#throughMenus(found);
      // The unit's tree is in list pages none of which answered: which columns it has is unknown, so nothing can be judged.
      if (!through) {
        // Stopped by the unit's time bound, the list pages' failures already say so.
        if (!this.#stopped) this.#fail({ url: this.#unit.url, kind: 'parse', reason: '单位首页只列出少数栏目，其列表页均未能读取，无法得知本单位有哪些栏目，需人工核查', attempts: 1 });
        return snapshot('unreachable', [], {});
      }
      found = through;
    }
    const discovered = uniqueKeys(visibleColumns(found));
    if (discovered.length === 0) {
      // Nothing of the unit could be read: judged like an index that did not answer, never as a unit without columns.
      this.#fail({ url: this.#unit.url, kind: 'parse', reason: '单位首页已读取，但未识别出任何栏目，需人工核查', attempts: 1 });
      return snapshot('unreachable', [], {});
    }
    this.#progress.columns = discovered.length;
    this.#report();

    const columns = await Promise.all(discovered.map((c) => this.#column(c).catch((err: unknown) => this.#brokenColumn(c, err))));
    await this.#checkLinks(discovered.map((c) => c.key));
    const articles: Record<string, ArticleSnapshot> = {};
    for (const [url, p] of this.#articles) {
      const a = await p;
      // A link target that did not answer is told by its link's check, not kept as an unread article.
      if (a.fetched || this.#needed.has(url)) articles[url] = a;
    }

    if (this.#settleUnverified(indexUrl, columns, articles)) return snapshot('unreachable', [], {});
    const partial = this.#failures.length > 0 || columns.some((c) => c.status !== 'ok');
    return snapshot(partial ? 'partial' : 'ok', columns, articles);
  }

  /** The column tree of an index page; null (recorded) when it could not be parsed. */
  async #columnsOf(page: LoadedPage): Promise<DiscoveredColumn[] | null> {
    const r = await this.#parse({ kind: 'tree', html: page.html, url: page.finalUrl }, page.finalUrl, page.status);
    if ('value' in r) return r.value;
    this.#fail(r.failure);
    return null;
  }

  /**
   * A page through the parser. A page whose parse ran out of its budget (a
   * worker ended: a crafted or pathological page), or made the parser fail, is
   * a `parse` failure: what it would have shown is unknown, never empty.
   */
  async #parse<T extends ParseTask>(task: T, url: string, status: number | null): Promise<Parsed<ParseResult<T>>> {
    try {
      return { value: await this.#parser.parse(task, this.#signal) };
    } catch (err) {
      const reason = this.#stopped
        ? this.#stopNote()
        : err instanceof ParseTimeoutError
          ? `${err.message}（页面过大或结构异常），未作判断，需人工核查`
          : `解析页面时程序出错（${errorLine(err)}），未作判断，需人工核查`;
      const kind = this.#stopped && this.#timedOut ? 'timeout' : 'parse';
      return { failure: { url, kind, ...(status !== null ? { status } : {}), reason, attempts: 1 } };
    }
  }

  /**
   * An index that links only one or two columns: the unit's tree is in its list
   * pages' own menus. A menu counts as this unit's only when it holds the very
   * column its page is the list of (a site's navigation or another unit's tree
   * does not); its columns come first, in its order, then any the index had
   * that it lacks. Null when none of those list pages could be read.
   */
  async #throughMenus(found: DiscoveredColumn[]): Promise<DiscoveredColumn[] | null> {
    const lists = visibleColumns(found).filter((c) => !c.isArticle).slice(0, FEW_COLUMNS);
    let read = 0;
    for (const col of lists) {
      const page = await this.#loadStatic(col.url);
      if ('failed' in page) continue;
      read++;
      const menu = await this.#menuOf(page, col.name);
      if (!menu?.some((m) => sameDocument(m.url, col.url) || sameDocument(m.url, page.finalUrl))) continue;
      return [...menu, ...found.filter((f) => !menu.some((m) => sameDocument(m.url, f.url)))];
    }
    return lists.length > 0 && read === 0 ? null : found;
  }

  /** A list page's menu without the page's own list items; null when the page trips a parser (the column's reading says so). */
  async #menuOf(page: LoadedPage, column: string): Promise<DiscoveredColumn[] | null> {
    const list = await this.#parser.parse({ kind: 'list', html: page.html, url: page.finalUrl, contextYear: this.#contextYear, column }, this.#signal).catch(() => null);
    const tree = list && (await this.#parser.parse({ kind: 'tree', html: page.html, url: page.finalUrl, keepSelf: true }, this.#signal).catch(() => null));
    if (!list || !tree) return null;
    const items = new Set(list.items.map((it) => it.url));
    return tree.filter((m) => !items.has(m.url));
  }

  /**
   * Pages taken before enough of their host (or of the unit) had been read to
   * judge them, that now prove cut short or unlike the unit's other pages
   * (./answer-check.ts), are unread after all: a list whose first page it was
   * has failed, one with a later page is partial, an article is unread. True
   * when the index proves cut short: the tree may lack columns, so the unit
   * cannot be judged. (The index is not held to the template of its lists:
   * many portals draw it differently.) A unit too little of which was read to
   * know its pages is held to its host's.
   */
  #settleUnverified(indexUrl: string, columns: ColumnSnapshot[], articles: Record<string, ArticleSnapshot>): boolean {
    const cut = new Map<string, FetchFailure>();
    const template = this.#template.known ? this.#template : this.#deps.hostTemplate;
    for (const [url, { page, template: judge }] of this.#unverified) {
      const unlike = judge ? (template?.judge(page.body) ?? null) : null;
      const reason = this.#deps.fetcher.cutShort(page) ? '页面内容不完整（缺少本网站其他页面都有的结尾，疑似传输中断），按未读取处理' : (unlike?.reason ?? null);
      if (reason === null) continue;
      const failure: FetchFailure = { url, kind: 'error-page', status: page.status, reason, attempts: page.attempts };
      this.#fail(failure);
      cut.set(url, failure).set(page.finalUrl, failure);
    }
    if (cut.size === 0) return false;
    if (cut.has(this.#unit.url) || cut.has(indexUrl)) return true;
    columns.forEach((c, i) => {
      const at = c.pages.findIndex((p) => cut.has(p.url));
      if (at < 0) return;
      const note = `第 ${at + 1} 页：${cut.get(c.pages[at]!.url)!.reason}`;
      columns[i] = at === 0 ? { ...c, status: 'failed', items: [], notes: [...c.notes, note] } : { ...c, status: c.status === 'ok' ? 'partial' : c.status, notes: [...c.notes, note] };
    });
    for (const [url, a] of Object.entries(articles)) {
      const failure = cut.get(url) ?? cut.get(a.finalUrl);
      if (failure && a.fetched) articles[url] = { ...a, fetched: false, failure, text: '', headings: [], links: [] };
    }
    return false;
  }

  /** Text of a page, or a `decode` failure when the bytes came out as replacement characters (a charset the page lies about). */
  #decode(page: FetchedPage): string | FetchFailure {
    const { text, charset } = decodeBody(page.body, page.contentType);
    let bad = 0;
    for (let i = text.indexOf('\uFFFD'); i >= 0 && bad < MAX_REPLACEMENTS; i = text.indexOf('\uFFFD', i + 1)) bad++;
    if (bad < MAX_REPLACEMENTS) return text;
    return { url: page.finalUrl, kind: 'decode', status: page.status, reason: `页面按 ${charset} 解码出现大量乱码，字符编码无法确定，未使用`, attempts: page.attempts };
  }

  /**
   * A GET within this unit, shared by everyone who asks for the same address
   * while it is under way. A failure is remembered for the rest of the unit (no
   * second wait on a dead page); a page read is not kept here — the fetcher's
   * bounded memory answers a repeat — so a unit never holds all its pages at once.
   */
  #get(url: string, own = true): Promise<FetchOutcome> {
    let p = this.#pages.get(url);
    if (!p) {
      // The unit's own pages (index, lists, articles) must look like each other; frames and pages a link leads to need not.
      let judged = false;
      const verify = own
        ? (body: Buffer) => {
            if (!looksHtml(body) || !this.#template.known) return null;
            judged = true;
            return this.#template.judge(body);
          }
        : undefined;
      p = this.#deps.fetcher.fetch(url, { stats: this.#stats, signal: this.#signal, verify }).then((r) => {
        if (r.ok) {
          this.#pages.delete(url);
          const html = own && looksHtml(r.page.body);
          // Taken before the unit's pages were known: judged again at the end.
          const early = html && !judged;
          if (html) {
            this.#template.note(r.page.body);
            this.#deps.hostTemplate?.note(r.page.body);
          }
          if (r.page.unverified || early) this.#unverified.set(url, { page: r.page, template: early && url !== this.#unit.url });
        }
        return this.#explainStop(r);
      });
      this.#pages.set(url, p);
    }
    return p;
  }

  /** A failure caused by our own time bound or an abort is reported as such, not as a network fault. */
  #explainStop(r: FetchOutcome): FetchOutcome {
    if (r.ok || !this.#stopped) return r;
    return { ok: false, failure: { ...r.failure, kind: this.#timedOut ? 'timeout' : r.failure.kind, reason: this.#stopNote() } };
  }

  async #render(url: string): Promise<RenderedPage | null> {
    const render = this.#deps.render;
    if (!render || this.#stopped) return null;
    this.#browserRenders++;
    try {
      const page = await render(url, this.#signal);
      if (page.status !== null && (page.status < 200 || page.status >= 300)) {
        this.#fail({ url, kind: 'render', status: page.status, reason: `浏览器打开页面时服务器返回 HTTP ${page.status}`, attempts: 1 });
        return null;
      }
      // A render is only as good as the requests it needed: one that failed may have left the list empty or short.
      const failed = page.failedRequests[0];
      if (failed) {
        const more = page.failedRequests.length > 1 ? `等 ${page.failedRequests.length} 个请求` : '';
        this.#fail({ url, kind: 'render', ...(failed.status !== null ? { status: failed.status } : {}), reason: `浏览器渲染页面时请求 ${failed.url}${more}失败（${failed.reason}），渲染结果不可用`, attempts: 1 });
        return null;
      }
      return page;
    } catch (err) {
      const reason = this.#stopped ? this.#stopNote() : `浏览器渲染失败：${(err as Error).message.split('\n')[0]}`;
      this.#fail({ url, kind: this.#timedOut ? 'timeout' : 'render', reason, attempts: 1 });
      return null;
    }
  }

  async #column(col: DiscoveredColumn & { key: string }): Promise<ColumnSnapshot> {
    const plan = this.#o.plan.forColumn(col.path);
    const prev = this.#previousColumn(col.key, col.url);
    const read = await this.#readList(col.url, col.name, col.isArticle === true, prev);
    if (read.document) {
      // The tree links straight to one document (机构职能 and the like): that document is the column's one item.
      const doc = await this.#pageAsArticle(col.key, read.document);
      if (doc) read.items.push({ title: doc.title || col.name, url: doc.url, date: doc.published, dateSource: doc.published ? 'article' : null });
      else read.failed = true;
    }
    const seenAt = nowIso(this.#now());
    const items: ListItem[] = read.items.map((it) => ({
      ...it,
      firstSeen: this.#deps.firstSeen?.firstSeen(this.#unit.id, it.url, seenAt) ?? seenAt,
    }));
    // The head of the list was as before: the rest is the previous reading (with the dates articles gave it).
    if (read.rest && prev) items.push(...prev.items.filter((it) => !read.seen.has(it.url)));
    this.#progress.items += items.length;
    // Bounds hit while reading articles make the column partial, like bounds hit while paging.
    const bounded: string[] = [];
    if (!read.failed) {
      if (plan.fillDates) bounded.push(...(await this.#fillDates(col.key, items)));
      bounded.push(...(await this.#readArticles(col.key, plan.reads, items)));
      if (plan.reads.some((r) => r.columnPage) && read.firstHtml && !read.document) await this.#pageAsArticle(col.key, read.firstHtml);
      if (this.#stopped && !read.notes.includes(this.#stopNote())) bounded.push(this.#stopNote());
    }
    const notes = [...read.notes, ...bounded];

    this.#progress.columnsDone++;
    this.#report();
    return {
      key: col.key,
      name: col.name,
      path: col.path,
      url: col.url,
      category: plan.category,
      status: read.failed ? 'failed' : read.partial || bounded.length > 0 ? 'partial' : 'ok',
      items,
      pages: read.pages,
      ...(read.pagesAnnounced !== undefined ? { pagesAnnounced: read.pagesAnnounced } : {}),
      notes,
      verifiedAt: read.rest && prev?.verifiedAt ? prev.verifiedAt : seenAt,
    };
  }

  /** A column whose pages made the program fail (a parser bug on an odd page): no conclusion, and said so. */
  #brokenColumn(col: DiscoveredColumn & { key: string }, err: unknown): ColumnSnapshot {
    this.#fail({ url: col.url, kind: 'parse', reason: `处理栏目页面时程序出错（${errorLine(err)}），需人工核查`, attempts: 1 });
    this.#progress.columnsDone++;
    const { category } = this.#o.plan.forColumn(col.path);
    return { key: col.key, name: col.name, path: col.path, url: col.url, category, status: 'failed', items: [], pages: [], notes: [] };
  }

  /** Reads a column's list from its first page on, by whichever way the page offers. */
  async #readList(url: string, column: string, maybeDocument: boolean, prev?: ColumnSnapshot): Promise<ListRead> {
    const read: ListRead = { column, items: [], seen: new Set(), pages: [], notes: [], failed: false, partial: false };
    if (prev && prev.items.length > 0) read.known = new Set(prev.items.map((it) => it.url));
    const first = await this.#loadStatic(url);
    if ('failed' in first) {
      read.pages.push({ url, status: first.status, items: 0, source: 'static' });
      read.failed = true;
      return read;
    }
    read.firstHtml = { html: first.html, url: first.finalUrl, status: first.status };
    const took = await this.#take(read, url, first, 'static');
    if (!took) {
      read.failed = true;
      return read;
    }
    const { parsed } = took;
    if (read.rest || read.failed) return read;
    if (parsed.endpoint) {
      await this.#readEndpoint(parsed.endpoint, first.finalUrl, read);
    } else if (parsed.items.length > 0) {
      await this.#paginate(parsed, first.finalUrl, read, 'static', this.#loadStatic);
    } else if (maybeDocument && parsed.iframes.length === 0) {
      read.document = read.firstHtml;
    } else {
      for (const frame of parsed.iframes) {
        const sub = await this.#loadFrame(frame);
        if ('failed' in sub) {
          read.pages.push({ url: frame, status: sub.status, items: 0, source: 'iframe' });
          read.partial = true;
          continue;
        }
        const framed = await this.#take(read, frame, sub, 'iframe');
        if (framed) await this.#paginate(framed.parsed, sub.finalUrl, read, 'iframe', this.#loadFrame);
      }
      if (read.items.length === 0) await this.#readRendered(url, parsed.needsBrowser, read);
    }
    // A parser blind spot must never read as an empty column.
    if (read.items.length === 0 && !read.failed && !read.document) {
      const dates = await this.#parse({ kind: 'dates', html: first.html, contextYear: this.#contextYear }, url, first.status);
      if ('failure' in dates) this.#fail(dates.failure);
      else if (dates.value >= 2) this.#fail({ url, kind: 'parse', status: first.status ?? undefined, reason: '列表页有带日期的信息但未能识别出条目，未作判断', attempts: 1 });
      read.failed = 'failure' in dates || dates.value >= 2;
    }
    return read;
  }

  /** Parses one list page into the reading; `fresh` counts the items not seen before. Null (recorded, the reading partial) when it could not be parsed. */
  async #take(read: ListRead, url: string, page: LoadedPage, source: ListSource): Promise<{ parsed: ParsedList; fresh: number } | null> {
    const r = await this.#parse({ kind: 'list', html: page.html, url: page.finalUrl, contextYear: this.#contextYear, column: read.column }, url, page.status);
    if ('failure' in r) {
      this.#fail(r.failure);
      read.pages.push({ url, status: page.status, items: 0, source });
      read.partial = true;
      return null;
    }
    const parsed = r.value;
    if (parsed.ambiguous) {
      // Several lists and nothing to tell the column's own: no reading of this page, never a guess.
      this.#fail({ url, kind: 'parse', ...(page.status !== null ? { status: page.status } : {}), reason: parsed.ambiguous, attempts: 1 });
      if (read.items.length === 0) read.failed = true;
      else read.partial = true;
    }
    // Items a page embeds for its endpoint may be older than the endpoint's own answer: only the endpoint tells.
    this.#took(read, parsed.items, parsed.nextPages.length > 0 && parsed.endpoint === undefined);
    const fresh = addItems(read, parsed.items);
    read.pages.push({ url, status: page.status, items: parsed.items.length, source });
    if (parsed.pagesAnnounced !== undefined) read.pagesAnnounced = parsed.pagesAnnounced;
    return { parsed, fresh };
  }

  /**
   * A list page, with more pages after it, whose items the previous reading
   * all had: new items appear at the head of a list, so what follows is as it
   * was and need not be read again. (An item deleted further down stays in the
   * snapshot until the list is read in full again, after `reuseDays`.)
   */
  #took(read: ListRead, items: ParsedItem[], more: boolean): void {
    if (more && read.known && items.length > 0 && items.every((it) => read.known!.has(it.url))) read.rest = true;
  }

  /** Fetches a page for a list: its HTML, or the failure recorded. */
  #loadStatic = async (url: string, own = true): Promise<Loaded> => {
    const r = await this.#get(url, own);
    if (!r.ok) {
      this.#fail(r.failure);
      return { failed: true, status: r.failure.status ?? null };
    }
    const html = this.#decode(r.page);
    if (typeof html !== 'string') {
      this.#fail(html);
      return { failed: true, status: r.page.status };
    }
    return { html, finalUrl: r.page.finalUrl, status: r.page.status };
  };

  /** A list's frame: a bare page of its own, not held to the unit's template. */
  #loadFrame = (url: string): Promise<Loaded> => this.#loadStatic(url, false);

  #loadRendered = async (url: string): Promise<Loaded> => {
    const page = await this.#render(url); // failures are recorded by #render
    return page ?? { failed: true, status: null };
  };

  /** Pagination: the announced next pages, breadth first, bounded; stops on a page with nothing new. */
  async #paginate(first: ParsedList, from: string, read: ListRead, source: ListSource, load: (url: string) => Promise<Loaded>): Promise<void> {
    const queued = new Set<string>([from, ...read.pages.map((p) => p.url)]);
    const queue: string[] = [];
    const enqueue = (urls: string[]) => {
      for (const u of urls) {
        if (!queued.has(u)) {
          queued.add(u);
          queue.push(u);
        }
      }
    };
    enqueue(first.nextPages);
    while (queue.length > 0 && !read.rest && this.#mayReadAnother(read)) {
      const next = queue.shift()!;
      const page = await load(next);
      if ('failed' in page) {
        read.pages.push({ url: next, status: page.status, items: 0, source });
        read.partial = true;
        continue;
      }
      const took = await this.#take(read, next, page, source);
      if (!took) continue;
      const { parsed, fresh } = took;
      // A page with nothing new is a calendar-style trap or the end of a looping pager.
      if (fresh > 0) enqueue(parsed.nextPages);
      else if (parsed.nextPages.some((u) => !queued.has(u))) read.notes.push(`第 ${read.pages.length} 页没有新条目，不再继续翻页`);
    }
  }

  /** A client-rendered list with a recognised endpoint: ask it page by page. */
  async #readEndpoint(endpoint: ListEndpoint, pageUrl: string, read: ListRead): Promise<void> {
    // The column page may embed the first pages' items (Hanweb groups, 集约化 listData): skip them,
    // unless a previous reading is to be checked against the endpoint's head.
    const embedded = read.known ? 0 : read.items.length;
    let per = endpoint.perPage;
    if (per && embedded > 0 && embedded % per !== 0) return; // a short last page: the embedded list is complete
    let page = per && embedded > 0 ? Math.floor(embedded / per) + 1 : 1;
    const start = page;
    while (!read.rest && this.#mayReadAnother(read)) {
      const form = { ...endpoint.params, [endpoint.pageParam]: String(page) };
      const label = `${endpoint.url}${endpoint.url.includes('?') ? '&' : '?'}${new URLSearchParams(form).toString()}`;
      const r = this.#explainStop(
        await this.#deps.fetcher.fetch(endpoint.url, {
          method: endpoint.method,
          form,
          cache: false,
          detectSoft404: false,
          expect: 'data',
          stats: this.#stats,
          signal: this.#signal,
        }),
      );
      if (!r.ok) {
        this.#fail(r.failure);
        read.pages.push({ url: label, status: r.failure.status ?? null, items: 0, source: 'endpoint' });
        read.partial = true;
        return;
      }
      // Items in an endpoint answer are links of the column page that shows them.
      const body = this.#decode(r.page);
      if (typeof body !== 'string') {
        this.#fail(body);
        read.pages.push({ url: label, status: r.page.status, items: 0, source: 'endpoint' });
        read.partial = true;
        return;
      }
      const answer = await this.#parse({ kind: 'endpoint', endpoint, body, pageUrl, contextYear: this.#contextYear }, label, r.page.status);
      const unreadable = 'value' in answer ? answer.value.unreadable : undefined;
      if ('failure' in answer || unreadable !== undefined) {
        this.#fail('failure' in answer ? answer.failure : { url: label, kind: 'parse', status: r.page.status, reason: `${unreadable}，未作判断`, attempts: r.page.attempts });
        read.pages.push({ url: label, status: r.page.status, items: 0, source: 'endpoint' });
        read.partial = true;
        return;
      }
      const parsed = answer.value;
      const announced = parsed.pagesAnnounced;
      this.#took(read, parsed.items, announced === undefined || page < announced);
      const fresh = addItems(read, parsed.items);
      read.pages.push({ url: label, status: r.page.status, items: parsed.items.length, source: 'endpoint' });
      if (announced !== undefined) read.pagesAnnounced = announced;
      if (announced !== undefined ? page >= announced : parsed.items.length === 0) return;
      if (fresh === 0 && page === start && per === undefined && embedded > 0) {
        // The first answer repeated what the page showed: now the page size is known, skip the rest of it.
        per = parsed.items.length;
        if (embedded % per !== 0) return;
        page = Math.max(page + 1, Math.floor(embedded / per) + 1);
        continue;
      }
      // Without a stated total, a page with nothing new means the endpoint ignores the page number.
      if (announced === undefined && fresh === 0 && page > start) return;
      page++;
    }
  }

  /** Before reading one more list page: false (with a note, column partial) when a bound or an abort says stop. */
  #mayReadAnother(read: ListRead): boolean {
    const note = read.pages.length >= this.#o.maxPagesPerColumn ? `翻页达到上限 ${this.#o.maxPagesPerColumn} 页，已停止` : this.#stopped ? this.#stopNote() : null;
    if (note === null) return true;
    read.notes.push(note);
    read.partial = true;
    return false;
  }

  /**
   * Nothing static: render with the browser. When the page showed no sign of
   * a script-drawn list, a render that is not possible leaves the (empty)
   * static reading standing; otherwise the column cannot be judged. A render
   * succeeds only when every request it needed did (#render); a script-drawn
   * list that then stays empty while the page's scripts failed is not judged
   * either — an empty list stands only as the platform's own answer.
   */
  async #readRendered(url: string, needsBrowser: boolean, read: ListRead): Promise<void> {
    if (!this.#deps.render) {
      if (needsBrowser) {
        this.#fail({ url, kind: 'render', reason: '列表由脚本生成，需要浏览器渲染，但本次未启用浏览器', attempts: 0 });
        read.failed = true;
      }
      return;
    }
    const rendered = await this.#render(url);
    if (!rendered) {
      if (needsBrowser) read.failed = true;
      else read.notes.push('静态页面无条目，浏览器复核未成功');
      return;
    }
    const took = await this.#take(read, url, rendered, 'browser');
    if (!took) {
      read.failed = true;
      return;
    }
    // A script-drawn list that came out empty while scripts of other hosts were refused may have needed one of them.
    if (took.parsed.items.length === 0 && needsBrowser && rendered.blocked) {
      const hosts = rendered.blocked.slice(0, 3).join('、');
      this.#fail({ url, kind: 'render', reason: `浏览器渲染后列表为空，而页面引用的其他站点脚本（${hosts}）已按网络访问规则拦截，无法判断栏目是否为空`, attempts: 1 });
      read.failed = true;
      return;
    }
    if (needsBrowser && took.parsed.items.length === 0 && rendered.scriptErrors.length > 0) {
      this.#fail({ url, kind: 'render', reason: `列表由脚本生成，但页面脚本出错（${rendered.scriptErrors[0]}），列表未显示，未作判断`, attempts: 1 });
      read.failed = true;
      return;
    }
    await this.#paginate(took.parsed, rendered.finalUrl, read, 'browser', this.#loadRendered);
  }

  /** Items without a date, or with a year guessed from context, take the article's 发布日期. */
  async #fillDates(columnKey: string, items: ListItem[]): Promise<string[]> {
    const wanting = items.filter((it) => !it.scriptOnly && (it.date === null || it.dateSource === 'inferred'));
    const taken = wanting.slice(0, this.#o.maxDateFillsPerColumn);
    let unread = 0;
    await Promise.all(
      taken.map(async (it) => {
        const article = await this.#article(it.url, columnKey);
        if (!article.fetched) unread++;
        else if (article.published) {
          it.date = article.published;
          it.dateSource = 'article';
        }
      }),
    );
    const notes = wanting.length > taken.length ? [`${wanting.length} 条无日期条目中只打开了前 ${taken.length} 篇文章补全日期`] : [];
    // An item whose date only its article could tell, unread, may be the newest: the column is not fully known.
    if (unread > 0) notes.push(`${unread} 条信息的发布日期需从文章页确认，但文章页未能读取`);
    return notes;
  }

  /**
   * The articles the plan asks of this column (each read once), the body links
   * of those that need them, and the attachments of those that need them. A
   * read's own `max` is a sample it asked for; only the crawl's bound
   * (`maxArticlesPerColumn`) cutting it short is noted (and makes the column partial).
   */
  async #readArticles(columnKey: string, reads: readonly ArticleRead[], items: ListItem[]): Promise<string[]> {
    const notes: string[] = [];
    const wanted = new Map<string, ListItem>();
    const withLinks = new Map<string, ListItem>();
    const withAttachments = new Set<string>();
    const linkPages = new Set<string>();
    for (const read of reads) {
      const matching = read.titles ? items.filter((it) => read.titles!.some((k) => it.title.includes(k))) : items;
      let chosen = matching.length > 0 || !read.fallbackToAll ? matching : items;
      if (read.newest) chosen = [...chosen].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
      // A rule's own `max` is the sample it asked for (the newest N); only the crawl's bound cutting it short is a bound hit.
      chosen = chosen.slice(0, read.max ?? Infinity);
      const max = this.#o.maxArticlesPerColumn;
      if (chosen.length > max) notes.push(`栏目“${columnKey}”共 ${chosen.length} 篇需读取，只读取了前 ${max} 篇`);
      for (const it of chosen.slice(0, max)) {
        (read.links === 'read' ? withLinks : wanted).set(it.url, it);
        if (read.attachments) withAttachments.add(it.url);
      }
      if (read.links === 'check') {
        for (const it of chosen.slice(0, max)) if (!it.scriptOnly) linkPages.add(it.url);
        this.#linkChecks.max = Math.max(this.#linkChecks.max, read.maxLinkChecks ?? DEFAULT_LINK_CHECKS);
        this.#linkChecks.anyHost ||= read.linkScope === 'any';
      }
    }
    if (linkPages.size > 0) this.#linkPages.set(columnKey, [...linkPages]);
    await Promise.all([...wanted.keys()].filter((url) => !withLinks.has(url)).map((url) => this.#article(url, columnKey)));
    await Promise.all([...withLinks.keys()].map((url) => this.#withLinks(url, columnKey)));
    await Promise.all([...withAttachments].map((url) => this.#withAttachments(url, columnKey)));
    return [...new Set(notes)];
  }

  /** An article with the attachments it links to read (once per unit; a reused article brings its own). */
  #withAttachments(url: string, columnKey: string): Promise<void> {
    let p = this.#attachmentReads.get(url);
    if (!p) {
      p = this.#article(url, columnKey).then(async (article) => {
        if (!article.fetched || article.attachments) return;
        // An item that is itself a file (a list linking straight to a PDF) is its own attachment.
        const links = article.isFile
          ? [{ url: article.url, text: article.title, context: '' }]
          : [...new Map(article.links.filter((l) => formatFromName(l.url, l.text) !== null).map((l) => [l.url, l])).values()];
        const max = this.#o.maxAttachmentsPerArticle;
        article.attachments = await Promise.all(
          links.map((l, i) =>
            i < max ? this.#download(l) : Promise.resolve(this.#unread(l, `本页附件超过 ${max} 个，只读取了前 ${max} 个`)),
          ),
        );
      });
      this.#attachmentReads.set(url, p);
    }
    return p;
  }

  /** An attachment downloaded once per unit by address, named as this page names it. */
  async #download(link: LinkRef): Promise<AttachmentSnapshot> {
    let p = this.#downloads.get(link.url);
    if (!p) {
      p = this.#attachmentQueue.add(() => this.#attachment(link)).then((a) => a ?? this.#unread(link, this.#stopNote()));
      this.#downloads.set(link.url, p);
    }
    return { ...(await p), name: link.text };
  }

  #unread(link: LinkRef, unreadable: string, format: string = formatFromName(link.url, link.text) ?? 'unknown'): AttachmentSnapshot {
    return { url: link.url, name: link.text, format, unreadable };
  }

  /**
   * One attachment: downloaded with the fetcher (the same hosts, robots.txt,
   * politeness and size bounds as pages; never kept in the store), its format
   * told by its signature, its text read in the budgeted worker and masked.
   * A format no kept library reads is not downloaded when its address says so;
   * one the address does not tell is downloaded and told by its signature.
   */
  async #attachment(link: LinkRef): Promise<AttachmentSnapshot> {
    const named = formatFromName(link.url, link.text);
    if (named && !READABLE_FORMATS.has(named)) return this.#unread(link, `${formatLabel(named)} 格式没有可用的读取程序，未下载`);
    if (this.#stopped) return this.#unread(link, this.#stopNote());
    const per = this.#o.maxAttachmentBytes;
    const reserved = Math.min(per, this.#attachmentBudget);
    if (reserved <= 0) return this.#unread(link, `本单位附件下载总量已达上限（${mb(this.#o.maxAttachmentBytesPerUnit)}），未下载`);
    this.#attachmentBudget -= reserved;
    const r = this.#explainStop(
      await this.#deps.fetcher.fetch(link.url, { binary: true, cache: false, detectSoft404: false, maxBytes: reserved, stats: this.#stats, signal: this.#signal }),
    );
    this.#attachmentBudget += reserved - (r.ok ? r.page.body.length : 0);
    const base = { url: link.url, name: link.text };
    if (!r.ok) {
      const f = r.failure;
      if (f.kind !== 'too-large') return { ...base, format: named ?? 'unknown', failure: f };
      const reason = reserved < per ? `本单位附件下载总量将超过上限（${mb(this.#o.maxAttachmentBytesPerUnit)}），未下载` : `附件超过 ${mb(per)} 上限，未读取`;
      return { ...base, format: named ?? 'unknown', failure: { ...f, reason } };
    }
    const bytes = r.page.body;
    const format = sniffFormat(bytes, named);
    const got = { ...base, format, bytes: bytes.length };
    if (!READABLE_FORMATS.has(format)) {
      const why =
        format === 'html' ? '下载得到的是网页而不是附件文件（可能是错误页或登录页）' : format === 'unknown' ? '无法识别文件格式' : `${formatLabel(format)} 格式没有可用的读取程序`;
      return { ...got, unreadable: why };
    }
    if (!this.#reader) {
      this.#ownReader = !this.#deps.attachments;
      this.#reader = this.#deps.attachments ?? new AttachmentReader();
    }
    const read = await this.#reader.read(bytes, format, this.#signal);
    if (!read.ok) return { ...got, unreadable: this.#stopped ? this.#stopNote() : read.reason };
    if (!read.text.trim()) return { ...got, unreadable: '附件中没有可提取的文字（可能是扫描图片）' };
    // The whole text is scanned; the snapshot keeps its beginning.
    const masked = maskPersonalData(read.text);
    const keep = this.#o.maxAttachmentTextChars;
    return {
      ...got,
      text: masked.text.slice(0, keep),
      ...(masked.text.length > keep ? { textTruncated: true } : {}),
      ...(read.truncated ? { incomplete: true } : {}),
      personalData: masked.hits,
    };
  }

  /** An article with its body links checked, and the linked pages on the portal read as articles. */
  async #withLinks(url: string, columnKey: string): Promise<void> {
    const article = await this.#article(url, columnKey);
    if (!article.fetched) return;
    // A reused article brings its links' checks along.
    const links = article.links.slice(0, this.#o.maxLinksPerArticle).filter((l) => !l.check);
    await Promise.all(links.map(async (link) => (link.check = await this.#checkLink(link, columnKey))));
  }

  async #checkLink(link: LinkRef, columnKey: string): Promise<LinkCheck> {
    if (!this.#deps.fetcher.isAllowedHost(link.url)) {
      return this.#deps.fetcher.checkLink(link.url, { stats: this.#stats, signal: this.#signal });
    }
    return articleCheck(await this.#article(link.url, columnKey, { linkTarget: true }));
  }

  /**
   * The `links: 'check'` reads' links, each address checked once (a link on
   * several pages is one check), taken round robin over the columns in tree
   * order — every column's first link, then every second… — so the bound
   * leaves no column unchecked while another has all its links checked. A
   * target this unit read as an article answers from that reading; a check
   * from the previous snapshot that told ok or gone stands. What the bound,
   * the time bound or an abort left out has no check (the rule says so).
   */
  async #checkLinks(columnOrder: readonly string[]): Promise<void> {
    const queues: LinkRef[][] = [];
    for (const key of columnOrder) {
      const queue: LinkRef[] = [];
      for (const url of this.#linkPages.get(key) ?? []) {
        const article = await this.#articles.get(url);
        if (!article?.fetched) continue;
        queue.push(...article.links.slice(0, this.#o.maxLinksPerArticle).filter((l) => !settled(l.check) && this.#mayCheck(l.url)));
      }
      queues.push(queue);
    }
    const refs = new Map<string, LinkRef[]>();
    for (let i = 0; queues.some((q) => i < q.length); i++) {
      for (const link of queues.flatMap((q) => (i < q.length ? [q[i]!] : []))) {
        const same = refs.get(link.url);
        if (same) same.push(link);
        else refs.set(link.url, [link]);
      }
    }
    const urls = [...refs.keys()].slice(0, this.#linkChecks.max);
    await Promise.all(
      urls.map(async (url) => {
        const known = this.#articles.get(url);
        const file = this.#downloads.get(url);
        const fromFile = file ? downloadCheck(await file) : null;
        const check = known
          ? articleCheck(await known)
          : (fromFile ?? (await this.#deps.fetcher.checkLink(url, { stats: this.#stats, signal: this.#signal })));
        // Cut short by the unit's time bound or an abort: nothing is known about the link.
        if (!check.ok && this.#stopped) return;
        for (const link of refs.get(url)!) link.check = { ...check };
      }),
    );
  }

  /** A link a `check` read may have checked: http(s), and on the portal unless some read wants any host. */
  #mayCheck(url: string): boolean {
    if (this.#linkChecks.anyHost) return /^https?:/i.test(url);
    return this.#deps.fetcher.isAllowedHost(url);
  }

  /**
   * Fetches and parses an article once per unit (first column to ask keeps it).
   * A page the crawl needed and could not read is a crawl failure; a link
   * target that does not answer is not (its link check says so).
   */
  async #article(url: string, columnKey: string, opts: { linkTarget?: boolean } = {}): Promise<ArticleSnapshot> {
    let p = this.#articles.get(url);
    if (!p) {
      const old = this.#previous?.articles[url];
      // An article read by another parser format lacks fields rules need (or was stored before pages were scanned for
      // personal numbers, its text unmasked): read it again.
      const reusable = old?.fetched && this.#recent(old.fetchedAt) && (old.isFile || (old.format === ARTICLE_FORMAT && old.personalData !== undefined));
      p = reusable ? Promise.resolve(old) : this.#fetchArticle(url, columnKey, !opts.linkTarget);
      this.#articles.set(url, p);
    }
    if (!opts.linkTarget) this.#needed.add(url);
    const article = await p;
    if (article.failure && !opts.linkTarget) this.#fail(article.failure);
    return article;
  }

  /** `own`: one of the unit's pages (not only a link's target), held to the unit's template. */
  async #fetchArticle(url: string, column: string, own: boolean): Promise<ArticleSnapshot> {
    const empty = { title: '', published: null, written: null, source: null, docNumber: null, text: '', headings: [], links: [] };
    if (isScriptItemUrl(url)) {
      const failure: FetchFailure = { url, kind: 'parse', reason: '该条目只能通过页面脚本（javascript: 链接）打开，没有可读取的文章地址，需人工核查', attempts: 0 };
      return { url, finalUrl: url, column, fetched: false, failure, ...empty };
    }
    const r = await this.#get(url, own);
    if (!r.ok) return { url, finalUrl: url, column, fetched: false, failure: r.failure, ...empty };
    const type = r.page.contentType;
    if (type && !/html|xml|text\/plain/i.test(type)) {
      // An attachment (PDF, Word…): reachable, but no article text to read; the address itself downloads it
      // (and its text is read as an attachment where the plan asks).
      const downloads = [{ url: r.page.finalUrl, text: '' }];
      return { url, finalUrl: r.page.finalUrl, column, fetched: true, ...empty, downloads, isFile: true, format: ARTICLE_FORMAT, fetchedAt: nowIso(this.#now()) };
    }
    const html = this.#decode(r.page);
    if (typeof html !== 'string') return { url, finalUrl: r.page.finalUrl, column, fetched: false, failure: html, ...empty };
    const parsed = await this.#parse({ kind: 'article', html, url: r.page.finalUrl }, url, r.page.status);
    if ('failure' in parsed) return { url, finalUrl: r.page.finalUrl, column, fetched: false, failure: { ...parsed.failure, attempts: r.page.attempts }, ...empty };
    return this.#parsedArticle(url, r.page.finalUrl, column, parsed.value);
  }

  #parsedArticle(url: string, finalUrl: string, column: string, parsed: ParsedArticle): ArticleSnapshot {
    // The raw page must not keep what the snapshot masks (forgetting is best effort: the page stays read).
    if (parsed.personalData.length > 0) void this.#deps.fetcher.forget(url).catch(() => {});
    return { url, finalUrl, column, fetched: true, ...parsed, fetchedAt: nowIso(this.#now()) };
  }

  /** A column page that is itself content (a leader page, a document the tree links to), kept as an article; null (recorded) when it could not be parsed. */
  async #pageAsArticle(column: string, page: { html: string; url: string; status: number | null }): Promise<ArticleSnapshot | null> {
    const parsed = await this.#parse({ kind: 'article', html: page.html, url: page.url }, page.url, page.status);
    if ('failure' in parsed) {
      this.#fail(parsed.failure);
      return null;
    }
    const article = this.#parsedArticle(page.url, page.url, column, parsed.value);
    if (!this.#articles.has(page.url)) this.#articles.set(page.url, Promise.resolve(article));
    return article;
  }
}

/** What a link to an article tells, read (or not) by this crawl. */
function articleCheck(target: ArticleSnapshot): LinkCheck {
  if (target.fetched) return { status: 200, ok: true, finalUrl: target.finalUrl, ...(target.title ? { title: target.title } : {}) };
  const f = target.failure!;
  // A 200 answer too large to read in full, or that the parser could not read in time, is still a working link.
  const works = (f.kind === 'too-large' || f.kind === 'parse') && f.status !== undefined && f.status >= 200 && f.status < 300;
  return works ? { status: f.status!, ok: true, finalUrl: f.url } : { status: f.status ?? null, ok: false, error: f.reason, kind: f.kind };
}

/** What downloading a file as an attachment told of its link; null when it was not downloaded or gave a page instead of a file. */
function downloadCheck(a: AttachmentSnapshot): LinkCheck | null {
  if (a.failure) return a.failure.kind === 'too-large' ? null : { status: a.failure.status ?? null, ok: false, error: a.failure.reason, kind: a.failure.kind };
  return a.bytes !== undefined && a.format !== 'html' ? { status: 200, ok: true } : null;
}

/** A check that told something lasting: the link works, or the page is gone. */
function settled(check: LinkCheck | undefined): boolean {
  if (!check) return false;
  return check.ok || check.kind === 'soft-404' || check.kind === 'dns' || check.status === 404 || check.status === 410;
}

const looksHtml = (body: Buffer) => /<(html|body|div)\b/i.test(body.subarray(0, 4096).toString('latin1'));

/** Adds the items not yet taken; returns how many were new. */
function addItems(read: ListRead, items: ParsedItem[]): number {
  let fresh = 0;
  for (const it of items) {
    if (read.seen.has(it.url)) continue;
    read.seen.add(it.url);
    read.items.push(it);
    fresh++;
  }
  return fresh;
}

function visibleColumns(found: DiscoveredColumn[]): DiscoveredColumn[] {
  // Group headings hold child columns; their own address (if any) is not a column of its own.
  return found.filter((c) => !c.hidden && !c.hasChildren);
}

/** Column keys are paths; two columns with one path get a numbered suffix so keys stay unique. */
function uniqueKeys(cols: DiscoveredColumn[]): (DiscoveredColumn & { key: string })[] {
  const count = new Map<string, number>();
  return cols.map((c) => {
    const base = c.path.join('/');
    const n = (count.get(base) ?? 0) + 1;
    count.set(base, n);
    return { ...c, key: n === 1 ? base : `${base}#${n}` };
  });
}

function mb(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

export function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
