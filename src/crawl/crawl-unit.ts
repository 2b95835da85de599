import { setMaxListeners } from 'node:events';
import { categorize, columnRoles } from '../judge/column-facts.ts';
import type { ColumnRole, Scheme } from '../config/scheme.ts';
import {
  SNAPSHOT_SCHEMA_VERSION,
  type ArticleSnapshot,
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
import { parseArticle } from './parse/article.ts';
import { decodeBody } from './parse/charset.ts';
import { parseEndpointResponse } from './parse/endpoints.ts';
import { isScriptItemUrl } from './parse/items.ts';
import { parseList, visibleDateCount } from './parse/list.ts';
import { discoverColumns } from './parse/tree.ts';
import type { DiscoveredColumn, ListEndpoint, ParsedItem, ParsedList } from './parse/types.ts';

/**
 * One unit's crawl: index → column tree → every visible column's list pages
 * (static pages, a recognised list endpoint, an iframe, or a browser render
 * when static parsing finds nothing) → the articles rules need (annual
 * reports, interpretations and the pages they link to, leader pages, and
 * articles that give a date the list lacks). Returns a UnitSnapshot; never
 * throws for portal trouble: what could not be read is recorded as a
 * FetchFailure, and the column says `partial`/`failed`, never "no items".
 */

export interface CrawlUnitOptions {
  scheme: Scheme;
  crawlId: string;
  /** List pages read per column. Default 50. */
  maxPagesPerColumn?: number;
  /** Articles fetched per column for a role (interpretations, leader pages, reports). Default 200. */
  maxArticlesPerColumn?: number;
  /** Articles fetched per column only to learn a date the list lacks. Default 50. */
  maxDateFillsPerColumn?: number;
  /** Body links checked per interpretation. Default 30. */
  maxLinksPerArticle?: number;
  /** Time bound for the whole unit. Default 10 minutes. */
  unitTimeMs?: number;
  /** Year for list dates without one (`[12-01]`). Default: the current year in Asia/Shanghai. */
  contextYear?: number;
  /** Per-unit category overrides (column key → category). */
  categoryOverrides?: Record<string, string>;
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
  /**
   * What the pages of all units on the unit's host look like: the pages of a
   * unit too little of which could be read to know its own are judged by it.
   */
  hostTemplate?: TemplateProfile;
}

/** Replacement characters that make a decoded page unusable (a stray one or two are tolerated). */
const MAX_REPLACEMENTS = 10;

const DEFAULTS = {
  maxPagesPerColumn: 50,
  maxArticlesPerColumn: 200,
  maxDateFillsPerColumn: 50,
  maxLinksPerArticle: 30,
  unitTimeMs: 10 * 60_000,
  reuseDays: 7,
};

/** A page loaded for a list (fetched or rendered), or the status of a failure already recorded. */
type LoadedPage = { html: string; finalUrl: string; status: number | null };
type Loaded = LoadedPage | { failed: true; status: number | null };

interface ListRead {
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
  firstHtml?: { html: string; url: string };
  /** The column's address is a document, not a list. */
  document?: { html: string; url: string };
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
    this.#now = options.now ?? (() => new Date());
    this.#contextYear = options.contextYear ?? Number(todayInShanghai(this.#now()).slice(0, 4));
    this.#signal = options.signal ? AbortSignal.any([this.#abort.signal, options.signal]) : this.#abort.signal;
    // Every request in flight listens to this signal.
    setMaxListeners(0, this.#signal);
    this.#progress = { unitId: unit.id, columns: 0, columnsDone: 0, pages: 0, items: 0, errors: 0 };
    this.#previous = this.#o.reuseDays > 0 ? (deps.previous ?? null) : null;
    this.#reuseSince = this.#now().getTime() - this.#o.reuseDays * 86_400_000;
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
    let found = discoverColumns(index.html, indexUrl);
    if (visibleColumns(found).length === 0) {
      // The tree may be drawn by script: look again at the rendered page.
      const rendered = await this.#render(indexUrl);
      if (rendered) found = discoverColumns(rendered.html, rendered.finalUrl);
    }
    const discovered = uniqueKeys(visibleColumns(found));
    if (discovered.length === 0) {
      this.#fail({ url: this.#unit.url, kind: 'parse', reason: '单位首页已读取，但未识别出任何栏目，需人工核查', attempts: 1 });
    }
    this.#progress.columns = discovered.length;
    this.#report();

    const columns = await Promise.all(discovered.map((c) => this.#column(c).catch((err: unknown) => this.#brokenColumn(c, err))));
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
    const scheme = this.#o.scheme;
    const category = categorize(col.path, scheme, this.#o.categoryOverrides);
    const roles = columnRoles(col.path, scheme);
    const prev = this.#previousColumn(col.key, col.url);
    const read = await this.#readList(col.url, col.isArticle === true, prev);
    if (read.document) {
      // The tree links straight to one document (机构职能 and the like): that document is the column's one item.
      const doc = this.#pageAsArticle(col.key, read.document);
      read.items.push({ title: doc.title || col.name, url: doc.url, date: doc.published, dateSource: doc.published ? 'article' : null });
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
      const judged = scheme.categories[category]?.judge;
      if (roles.length > 0 || judged === 'age' || judged === 'year') bounded.push(...(await this.#fillDates(col.key, items)));
      bounded.push(...(await this.#roleArticles(col.key, roles, items)));
      if (roles.includes('leader') && read.firstHtml && !read.document) this.#pageAsArticle(col.key, read.firstHtml);
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
      category,
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
    const category = categorize(col.path, this.#o.scheme, this.#o.categoryOverrides);
    return { key: col.key, name: col.name, path: col.path, url: col.url, category, status: 'failed', items: [], pages: [], notes: [] };
  }

  /** Reads a column's list from its first page on, by whichever way the page offers. */
  async #readList(url: string, maybeDocument: boolean, prev?: ColumnSnapshot): Promise<ListRead> {
    const read: ListRead = { items: [], seen: new Set(), pages: [], notes: [], failed: false, partial: false };
    if (prev && prev.items.length > 0) read.known = new Set(prev.items.map((it) => it.url));
    const first = await this.#loadStatic(url);
    if ('failed' in first) {
      read.pages.push({ url, status: first.status, items: 0, source: 'static' });
      read.failed = true;
      return read;
    }
    read.firstHtml = { html: first.html, url: first.finalUrl };
    const { parsed } = this.#take(read, url, first, 'static');
    if (read.rest) return read;
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
        await this.#paginate(this.#take(read, frame, sub, 'iframe').parsed, sub.finalUrl, read, 'iframe', this.#loadFrame);
      }
      if (read.items.length === 0) await this.#readRendered(url, parsed.needsBrowser, read);
    }
    // A parser blind spot must never read as an empty column.
    if (read.items.length === 0 && !read.failed && !read.document && visibleDateCount(first.html, this.#contextYear) >= 2) {
      this.#fail({ url, kind: 'parse', status: first.status ?? undefined, reason: '列表页有带日期的信息但未能识别出条目，未作判断', attempts: 1 });
      read.failed = true;
    }
    return read;
  }

  /** Parses one list page into the reading; `fresh` counts the items not seen before. */
  #take(read: ListRead, url: string, page: LoadedPage, source: ListSource): { parsed: ParsedList; fresh: number } {
    const parsed = parseList(page.html, page.finalUrl, { contextYear: this.#contextYear });
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
      const { parsed, fresh } = this.#take(read, next, page, source);
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
      const parsed = parseEndpointResponse(endpoint, body, pageUrl, this.#contextYear);
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
    const { parsed } = this.#take(read, url, rendered, 'browser');
    if (needsBrowser && parsed.items.length === 0 && rendered.scriptErrors.length > 0) {
      this.#fail({ url, kind: 'render', reason: `列表由脚本生成，但页面脚本出错（${rendered.scriptErrors[0]}），列表未显示，未作判断`, attempts: 1 });
      read.failed = true;
      return;
    }
    await this.#paginate(parsed, rendered.finalUrl, read, 'browser', this.#loadRendered);
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

  async #roleArticles(columnKey: string, roles: ColumnRole[], items: ListItem[]): Promise<string[]> {
    const notes: string[] = [];
    const max = this.#o.maxArticlesPerColumn;
    const take = (list: ListItem[], what: string): ListItem[] => {
      if (list.length > max) notes.push(`${what}共 ${list.length} 篇，只读取了前 ${max} 篇`);
      return list.slice(0, max);
    };
    const wanted = new Map<string, ListItem>();
    if (roles.includes('annual-report')) {
      const keywords = this.#o.scheme.roles['annual-report'];
      const reports = items.filter((it) => keywords.some((k) => it.title.includes(k)));
      for (const it of take(reports.length > 0 ? reports : items, '年度报告')) wanted.set(it.url, it);
    }
    if (roles.includes('leader')) for (const it of take(items, '领导信息')) wanted.set(it.url, it);
    const interpretations = roles.includes('interpretation') ? take(items, '政策解读') : [];
    await Promise.all([...wanted.values()].map((it) => this.#article(it.url, columnKey)));
    await Promise.all(interpretations.map((it) => this.#interpretation(it.url, columnKey)));
    return notes;
  }

  /** An interpretation, its body links checked, and the linked pages on the portal read as articles. */
  async #interpretation(url: string, columnKey: string): Promise<void> {
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
    const target = await this.#article(link.url, columnKey, { linkTarget: true });
    if (target.fetched) {
      return { status: 200, ok: true, finalUrl: target.finalUrl, ...(target.title ? { title: target.title } : {}) };
    }
    const f = target.failure!;
    // A 200 answer too large (or not HTML) to read in full is still a working link.
    const works = f.kind === 'too-large' && f.status !== undefined && f.status >= 200 && f.status < 300;
    return works ? { status: f.status!, ok: true, finalUrl: f.url } : { status: f.status ?? null, ok: false, error: f.reason, kind: f.kind };
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
      p = old?.fetched && this.#recent(old.fetchedAt) ? Promise.resolve(old) : this.#fetchArticle(url, columnKey, !opts.linkTarget);
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
      // An attachment (PDF, Word…): reachable, but no article text to read.
      return { url, finalUrl: r.page.finalUrl, column, fetched: true, ...empty, fetchedAt: nowIso(this.#now()) };
    }
    const html = this.#decode(r.page);
    if (typeof html !== 'string') return { url, finalUrl: r.page.finalUrl, column, fetched: false, failure: html, ...empty };
    let parsed: ReturnType<typeof parseArticle>;
    try {
      parsed = parseArticle(html, r.page.finalUrl);
    } catch (err) {
      const failure: FetchFailure = { url, kind: 'parse', status: r.page.status, reason: `读取文章时程序出错（${errorLine(err)}），需人工核查`, attempts: r.page.attempts };
      return { url, finalUrl: r.page.finalUrl, column, fetched: false, failure, ...empty };
    }
    return { url, finalUrl: r.page.finalUrl, column, fetched: true, ...parsed, fetchedAt: nowIso(this.#now()) };
  }

  /** A column page that is itself content (a leader page, a document the tree links to), kept as an article. */
  #pageAsArticle(column: string, page: { html: string; url: string }): ArticleSnapshot {
    const article: ArticleSnapshot = { url: page.url, finalUrl: page.url, column, fetched: true, ...parseArticle(page.html, page.url), fetchedAt: nowIso(this.#now()) };
    if (!this.#articles.has(page.url)) this.#articles.set(page.url, Promise.resolve(article));
    return article;
  }
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

export function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
