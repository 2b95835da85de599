import type { Readable, Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import PQueue from 'p-queue';
import { Agent, request, type Dispatcher } from 'undici';
import { version } from '../lib/version.ts';
import type { FailureKind, FetchFailure, LinkRef } from '../model/snapshot.ts';
import type { PageCache, StoredPage } from '../model/crawl-memory.ts';
import { ForbiddenTargetError, type NetworkPolicy } from '../net/policy.ts';
import { answerProblem, ClosingProfile, type AnswerExpect, type AnswerProblem } from './answer-check.ts';
import { decodeBody } from './parse/charset.ts';
import { ALLOW_ALL, parseRobots, type RobotsPolicy } from './robots.ts';

/**
 * HTTP for the crawl: one keep-alive undici Agent, a p-queue per host
 * (politeness), retries with exponential backoff, manual bounded redirects,
 * a size cap, robots.txt, conditional requests against the store, and the
 * mapping of every way a request can fail to a FetchFailure with a Chinese
 * reason. Nothing here knows about columns or items.
 *
 * Every request goes through the run's NetworkPolicy (src/net/policy.ts): its
 * address checked before the request and on every redirect hop, its resolved
 * IP checked at connect time (the Agent's connector), its start paced per host.
 *
 * - `fetch(url)` is for crawling: only http(s) URLs on the hosts of the units
 *   file, robots.txt respected.
 * - Every 2xx answer is checked to be the page before anyone parses it
 *   (./answer-check.ts): an empty, cut-short, busy, error or firewall answer
 *   is retried like a 503 and then reported as a failure, never returned.
 * - `checkLink(url)` only reports what a reader clicking the link would get
 *   (status after redirects, page title): a host the policy allows for link
 *   checks, a small size cap, a reader's patience (`linkTimeoutMs`,
 *   `linkTries`), never crawls on; an attachment is asked with HEAD first, and
 *   with GET when the server refuses HEAD. A link the policy forbids is not
 *   fetched: its check says `kind: 'forbidden'` with the reason. It does not
 *   consult robots.txt, being one request a person would make. Each address
 *   is checked once in the fetcher's life (a run); a page the crawl already
 *   read answers without a request.
 */

export interface FetcherOptions {
  /** Where requests may go, and their pacing per host (`--min-interval`). */
  policy: NetworkPolicy;
  /** Whole-request timeout per attempt. Default 15 000 ms. */
  timeoutMs?: number;
  /** Attempts for timeouts, resets, 5xx and 429. Default 3. */
  tries?: number;
  /** First backoff delay; doubles each retry (plus up to 25 % jitter). Default 500 ms. */
  backoffMs?: number;
  /** Upper bound on a honoured Retry-After. Default 30 000 ms. */
  maxRetryAfterMs?: number;
  /** Size cap per response body. Default 5 MB. */
  maxBytes?: number;
  /** Size read from a link-check response (enough for the title). Default 64 KB. */
  linkMaxBytes?: number;
  /** Timeout per attempt of a link check (a reader clicking does not wait long). Default the smaller of timeoutMs and 10 000 ms. */
  linkTimeoutMs?: number;
  /** Attempts of a link check. Default the smaller of tries and 2. */
  linkTries?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Bodies of pages already read kept in memory for repeated requests. Default 8 MB. */
  memoBytes?: number;
  /** Requests in flight per host. Default 2. */
  perHost?: number;
  /** Default true. */
  respectRobots?: boolean;
  /** Contact (e-mail or phone of the office) put into the User-Agent. */
  contact?: string;
  /** Overrides the whole User-Agent. */
  userAgent?: string;
  /** Conditional requests and raw-page storage (the store). */
  cache?: PageCache;
  /** Request slots per host shared with other processes (src/queue/host-gate.ts): `perHost` then holds across all of them. */
  slots?: HostSlots;
}

/** At most `limit` holders of a host's slots at once, across every process that shares them. */
export interface HostSlots {
  hold<T>(host: string, limit: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface FetchedPage {
  /** The address asked for. */
  url: string;
  /** The address after redirects. */
  finalUrl: string;
  status: number;
  contentType?: string;
  body: Buffer;
  /** True when the server answered 304 and the stored copy was reused. */
  fromCache: boolean;
  attempts: number;
  /**
   * The page does not close as HTML pages do, and too few pages of its host
   * had been seen to tell whether it was cut short: ask `cutShort()` again
   * once more of the host has been read.
   */
  unverified?: boolean;
}

export type FetchOutcome = { ok: true; page: FetchedPage } | { ok: false; failure: FetchFailure };

/** Counters a caller passes in to learn what its fetches cost. */
export interface FetchStats {
  requests: number;
  pages: number;
  bytes: number;
  /** Pages answered 304 and taken from the store. */
  notModified: number;
}

export interface FetchSpec {
  method?: 'GET' | 'POST';
  /** Sent as application/x-www-form-urlencoded (POST) or appended to the query (GET). */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Per-request size cap (default: the fetcher's). */
  maxBytes?: number;
  /** Use and update the store's copy (GET only). Default true. */
  cache?: boolean;
  /** Treat a tiny 200 page saying 页面不存在/404 as a failure. Default true for GET. */
  detectSoft404?: boolean;
  /** Download attachments and media too (by default only their status is read); not kept in memory for repeats. */
  binary?: boolean;
  /** What a 2xx answer must be (./answer-check.ts): an HTML page (default), a list endpoint's data, or anything. */
  expect?: AnswerExpect;
  /** The caller's own check of a 2xx answer that passed the fetcher's (a unit's template): a problem is retried like the others. */
  verify?: (body: Buffer) => AnswerProblem | null;
  stats?: FetchStats;
  signal?: AbortSignal;
}

export type LinkCheck = NonNullable<LinkRef['check']>;

const MB = 1024 * 1024;
const ROBOTS_TTL_MS = 24 * 3600_000;
const REDIRECT = new Set([301, 302, 303, 307, 308]);
/** Addresses of files (attachments, media): a link check asks HEAD first. */
const FILE_PATH = /\.(pdf|docx?|xlsx?|pptx?|wps|et|dps|ofd|zip|rar|7z|jpe?g|png|gif|bmp|mp4|mp3)$/i;
/** Attachments and media: the status is read, the body is not downloaded. */
const BINARY = /^(image|audio|video|font)\/|^application\/(pdf|msword|vnd\.|octet-stream|zip|x-zip|x-rar|x-7z|x-msdownload)/i;
const RETRY_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

export function defaultUserAgent(contact?: string): string {
  return `zwgk-audit/${version} (+政务公开测评${contact ? `; ${contact}` : ''})`;
}

/** HTTP header values are bytes: undici takes them as Latin-1, so hand it the UTF-8 encoding. */
function headerBytes(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}

type Method = 'GET' | 'POST' | 'HEAD';

interface FollowRequest {
  method: Method;
  /** What a 2xx answer must be (FetchSpec.expect); a HEAD's empty answer is never judged. */
  expect: AnswerExpect;
  verify?: FetchSpec['verify'];
  headers: Record<string, string>;
  body?: string;
  maxBytes: number;
  stats?: FetchStats;
  signal?: AbortSignal;
  /** Crawling (allowed hosts only, robots.txt) rather than checking a link. */
  crawl: boolean;
  /** Consult robots.txt on redirects (default true when crawling). */
  robots?: boolean;
  /** Download attachment bodies (FetchSpec.binary). */
  binary?: boolean;
  /** Attempts per hop and timeout per attempt (default the fetcher's). */
  tries?: number;
  timeoutMs?: number;
}

/** Result of one HTTP exchange (one attempt, one hop). */
type Attempt =
  | {
      kind: 'response';
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body: Buffer;
      truncated: boolean;
      /** A 2xx answer that is not the page (after the last try). */
      problem?: AnswerProblem;
      /** An HTML page that does not close, on a host not known well enough yet to tell whether it was cut short. */
      unverified?: boolean;
    }
  | { kind: 'error'; failure: FailureKind; code: string; retryable: boolean; reason?: string };

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Retry-After in ms (seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** An error page dressed as 200 is small; larger pages are not decoded twice to look for one. */
const SOFT_404_MAX_BYTES = 16 * 1024;
/** Something every SOFT_404 phrase contains: a page without any is not stripped of its tags to look. */
const SOFT_404_HINT = /页面|找不到|404|not/i;
const SOFT_404 = /页面不存在|页面未找到|找不到(该|您要访问的|您所访问的)?页面|页面已(被)?删除|\b404\b|not found/i;

/** A 200 answer that is really an error page: tiny, and says so. */
export function isSoft404(text: string): boolean {
  if (!SOFT_404_HINT.test(text)) return false;
  const visible = text
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^<>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return visible.length < 600 && SOFT_404.test(visible);
}

/** Anti-bot challenges that a plain client cannot pass (瑞数 412, 加速乐 521). */
function isChallenge(status: number, body: Buffer): boolean {
  return (status === 412 || status === 521) && /<script/i.test(body.subarray(0, 64 * 1024).toString('latin1'));
}

function isHtml(contentType: string | undefined, body: Buffer): boolean {
  return /html/i.test(contentType ?? '') || /^\s*<(!doctype|html)\b/i.test(body.subarray(0, 64).toString('latin1'));
}

/** The page's `<title>`, cut to 300 characters. Found by two scans: a lazy `<title>…</title>` pattern rescans the page for every unclosed `<title`. */
function titleOf(html: string): string | undefined {
  const open = /<title[^<>]*>/i.exec(html);
  if (!open) return undefined;
  const from = open.index + open[0].length;
  const close = /<\/title>/gi;
  close.lastIndex = from;
  const end = close.exec(html);
  if (!end) return undefined;
  const t = html.slice(from, end.index);
  return t.replace(/\s+/g, ' ').trim().slice(0, 300) || undefined;
}

export class Fetcher {
  readonly #policy: NetworkPolicy;
  readonly #o: Required<Omit<FetcherOptions, 'policy' | 'contact' | 'cache' | 'slots'>>;
  readonly #slots?: HostSlots;
  readonly #cache?: PageCache;
  readonly #uaHeader: string;
  readonly #agent: Dispatcher;
  readonly #queues = new Map<string, PQueue>();
  readonly #robots = new Map<string, Promise<RobotsPolicy>>();
  readonly #links = new Map<string, Promise<LinkCheck>>();
  readonly #inflight = new Map<string, Promise<FetchOutcome>>();
  /** How each host's pages end, learned from the pages accepted (a page cut short has lost its end). */
  readonly #closing = new Map<string, ClosingProfile>();
  /** Pages read in this fetcher's life, oldest first (Map order), bounded by memoBytes. */
  readonly #read = new Map<string, FetchedPage>();
  #readBytes = 0;

  constructor(options: FetcherOptions) {
    this.#policy = options.policy;
    this.#o = {
      timeoutMs: options.timeoutMs ?? 15_000,
      tries: Math.max(1, options.tries ?? 3),
      backoffMs: options.backoffMs ?? 500,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
      maxBytes: options.maxBytes ?? 5 * MB,
      linkMaxBytes: options.linkMaxBytes ?? 64 * 1024,
      linkTimeoutMs: options.linkTimeoutMs ?? Math.min(options.timeoutMs ?? 15_000, 10_000),
      linkTries: Math.max(1, options.linkTries ?? Math.min(options.tries ?? 3, 2)),
      maxRedirects: options.maxRedirects ?? 5,
      memoBytes: options.memoBytes ?? 8 * MB,
      perHost: Math.max(1, options.perHost ?? 2),
      respectRobots: options.respectRobots ?? true,
      userAgent: options.userAgent ?? defaultUserAgent(options.contact),
    };
    this.#cache = options.cache;
    this.#slots = options.slots;
    this.#uaHeader = headerBytes(this.#o.userAgent);
    this.#agent = new Agent({ keepAliveTimeout: 10_000, connections: this.#o.perHost * 2, connect: this.#policy.connector() });
  }

  /** The User-Agent as text (the browser encodes it itself). */
  get userAgent(): string {
    return this.#o.userAgent;
  }

  /** A page of the units file's hosts (the crawl may fetch it). */
  isAllowedHost(url: string): boolean {
    return this.#policy.isUnitUrl(url);
  }

  /** The politeness queue of a host (requests in flight); the browser renderer takes its slots here too. Spacing is the policy's. */
  queueFor(host: string): PQueue {
    const key = host.toLowerCase();
    let q = this.#queues.get(key);
    if (!q) {
      q = new PQueue({ concurrency: this.#o.perHost });
      this.#queues.set(key, q);
    }
    return q;
  }

  /** Runs `fn` on one of the host's request slots: this process's queue, and with `slots` one of those shared by every worker. */
  onHostSlot<T>(host: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const slots = this.#slots;
    return this.queueFor(host).add(() => (slots ? slots.hold(host.toLowerCase(), this.#o.perHost, fn, signal) : fn()), { signal });
  }

  /**
   * Fetches a page for the crawl. Never throws for HTTP or network trouble:
   * failures come back as FetchFailure. A plain GET of an address already
   * being fetched joins that request; one already read is answered from
   * memory (bounded, most recent kept). Failures are not remembered, so a
   * later call tries again.
   */
  fetch(url: string, spec: FetchSpec = {}): Promise<FetchOutcome> {
    if ((spec.method ?? 'GET') !== 'GET' || spec.form || spec.binary) return this.#fetch(url, spec);
    const done = this.#read.get(url);
    if (done) {
      this.#read.delete(url);
      this.#read.set(url, done);
      if (spec.stats) spec.stats.pages++;
      return Promise.resolve({ ok: true, page: done });
    }
    let p = this.#inflight.get(url);
    if (!p) {
      p = this.#fetch(url, spec).then((r) => {
        this.#inflight.delete(url);
        if (r.ok) this.#remember(url, r.page);
        return r;
      });
      this.#inflight.set(url, p);
    }
    return p;
  }

  #remember(url: string, page: FetchedPage): void {
    this.#read.set(url, page);
    this.#readBytes += page.body.length;
    for (const [old, p] of this.#read) {
      if (this.#readBytes <= this.#o.memoBytes) break;
      this.#read.delete(old);
      this.#readBytes -= p.body.length;
    }
  }

  /** `robots: false` for robots.txt itself: a redirect of it must not wait for the policy being loaded. */
  async #fetch(url: string, spec: FetchSpec, robots = true): Promise<FetchOutcome> {
    const method = spec.method ?? 'GET';
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return fail(url, 'off-host', `地址无效：${url}`, 0);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return fail(url, 'off-host', '只抓取 http/https 地址', 0);
    if (!this.#policy.check(target, 'page').ok) {
      return fail(url, 'off-host', `站点 ${target.host} 不在单位名单所列网站之内，未抓取`, 0);
    }
    if (method === 'GET' && spec.form) {
      for (const [k, v] of Object.entries(spec.form)) target.searchParams.set(k, v);
    }
    if (robots && !(await this.robotsAllow(target))) return fail(target.href, 'robots', '网站 robots.txt 不允许抓取此地址，按规定未抓取', 0);

    const useCache = method === 'GET' && spec.cache !== false && this.#cache !== undefined;
    const validators = useCache ? this.#cache!.pageValidators(target.href) : undefined;
    const conditional: Record<string, string> = {};
    if (validators?.etag) conditional['if-none-match'] = validators.etag;
    if (validators?.lastModified) conditional['if-modified-since'] = validators.lastModified;

    const body = method === 'POST' && spec.form ? new URLSearchParams(spec.form).toString() : undefined;
    const headers: Record<string, string> = {
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' } : {}),
      ...spec.headers,
    };
    const maxBytes = spec.maxBytes ?? this.#o.maxBytes;
    const expect = spec.expect ?? 'page';
    const chain = await this.#follow(target, { method, expect, verify: spec.verify, headers: { ...headers, ...conditional }, body, maxBytes, stats: spec.stats, signal: spec.signal, crawl: true, robots, binary: spec.binary });
    if (!chain.ok) return { ok: false, failure: chain.failure };
    let { res, finalUrl, attempts } = chain;

    if (res.status === 304 && useCache) {
      const stored = await this.#cache!.loadPage(target.href);
      if (stored) return this.#ok(url, stored, attempts, true, spec.stats);
      // The stored copy is gone: ask again without validators.
      const again = await this.#follow(target, { method, expect, verify: spec.verify, headers, body, maxBytes, stats: spec.stats, signal: spec.signal, crawl: true, robots, binary: spec.binary });
      if (!again.ok) return { ok: false, failure: { ...again.failure, attempts: again.failure.attempts + attempts } };
      ({ res, finalUrl } = again);
      attempts += again.attempts;
    }

    if (res.truncated) {
      return fail(finalUrl, 'too-large', `页面超过 ${formatBytes(maxBytes)} 上限，已停止下载`, attempts, res.status);
    }
    if (isChallenge(res.status, res.body)) {
      return fail(finalUrl, 'blocked', `网站返回反爬虫验证页面（HTTP ${res.status}），程序无法读取，需人工核查`, attempts, res.status);
    }
    const tried = attempts > 1 ? `，已尝试 ${attempts} 次` : '';
    if (res.status < 200 || res.status >= 300) {
      return fail(finalUrl, 'http-error', `服务器返回 HTTP ${res.status}${tried}`, attempts, res.status);
    }
    if (res.problem) return fail(finalUrl, res.problem.kind, `${res.problem.reason}${tried}`, attempts, res.status);
    const contentType = header(res.headers, 'content-type');
    if ((spec.detectSoft404 ?? method === 'GET') && res.body.length <= SOFT_404_MAX_BYTES && isSoft404(decodeBody(res.body, contentType).text)) {
      return fail(finalUrl, 'soft-404', '页面显示“页面不存在”等错误提示（HTTP 200 的错误页）', attempts, res.status);
    }
    const page: StoredPage = {
      status: res.status,
      finalUrl,
      contentType,
      etag: header(res.headers, 'etag'),
      lastModified: header(res.headers, 'last-modified'),
      body: res.body,
    };
    // A page that may yet prove cut short is not stored: the next crawl asks for it in full.
    if (useCache && !res.unverified) await this.#cache!.savePage(target.href, page);
    return this.#ok(url, page, attempts, false, spec.stats, res.unverified);
  }

  #ok(url: string, page: StoredPage, attempts: number, fromCache: boolean, stats?: FetchStats, unverified?: boolean): FetchOutcome {
    if (stats) {
      stats.pages++;
      if (fromCache) stats.notModified++;
    }
    const { finalUrl, status, contentType, body } = page;
    return { ok: true, page: { url, finalUrl, status, contentType, body, fromCache, attempts, ...(unverified ? { unverified } : {}) } };
  }

  #closingOf(host: string): ClosingProfile {
    const key = host.toLowerCase();
    let p = this.#closing.get(key);
    if (!p) this.#closing.set(key, (p = new ClosingProfile()));
    return p;
  }

  /** Whether a page accepted `unverified` proves cut short now that more of its host has been read. */
  cutShort(page: FetchedPage): boolean {
    try {
      return this.#closingOf(new URL(page.finalUrl).host).judge(page.body) === 'cut';
    } catch {
      return false;
    }
  }

  /** The checks of ./answer-check.ts against this fetcher's knowledge of the host, for answers read elsewhere (the browser's). */
  answerProblem(url: string, body: Buffer, contentType: string | undefined, expect: AnswerExpect): AnswerProblem | null {
    let host = '';
    try {
      host = new URL(url).host;
    } catch {
      return null;
    }
    return answerProblem(body, contentType, expect, this.#closingOf(host));
  }

  /**
   * What a reader following the link gets: final status after redirects, the
   * page title when it is HTML. Memoised per URL. A target the policy forbids
   * (checked on the address, each hop and the resolved IP) is never requested.
   */
  checkLink(url: string, opts: { stats?: FetchStats; signal?: AbortSignal } = {}): Promise<LinkCheck> {
    let p = this.#links.get(url);
    if (!p) {
      p = this.#checkLink(url, opts).then((check) => {
        // A check cut short by its caller's abort says nothing about the link: a later caller asks again.
        if (opts.signal?.aborted) this.#links.delete(url);
        return check;
      });
      this.#links.set(url, p);
    }
    return p;
  }

  async #checkLink(url: string, opts: { stats?: FetchStats; signal?: AbortSignal }): Promise<LinkCheck> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return { status: null, ok: false, error: '链接地址无效' };
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      return { status: null, ok: false, error: `不是网页链接（${target.protocol.replace(':', '')}）` };
    }
    const verdict = this.#policy.check(target, 'link');
    if (!verdict.ok) return { status: null, ok: false, error: verdict.reason, kind: 'forbidden' };
    const known = this.#read.get(url);
    if (known) return knownPageCheck(known, this.#o.linkMaxBytes);
    const req = { expect: 'page' as const, headers: {}, maxBytes: this.#o.linkMaxBytes, stats: opts.stats, signal: opts.signal, crawl: false, timeoutMs: this.#o.linkTimeoutMs };
    if (FILE_PATH.test(target.pathname)) {
      const head = await this.#follow(target, { ...req, method: 'HEAD', tries: 1 });
      // A file answered as an HTML page may be an error page dressed as 200: the GET's body says.
      const file = head.ok && head.res.status >= 200 && head.res.status < 300 && !/html/i.test(header(head.res.headers, 'content-type') ?? '');
      if (head.ok && (head.redirectedTo || file)) return { status: head.res.status, ok: true, finalUrl: head.redirectedTo ?? head.finalUrl };
      // Servers that do not implement HEAD answer 405/501/403/404 or drop it: the GET says. A timeout or the policy is final.
      if (!head.ok && (head.failure.kind === 'timeout' || head.failure.kind === 'forbidden')) return failedCheck(head.failure);
    }
    const chain = await this.#follow(target, { ...req, method: 'GET', tries: this.#o.linkTries });
    if (!chain.ok) return failedCheck(chain.failure);
    const { res, finalUrl } = chain;
    if (res.problem) return { status: res.status, ok: false, error: res.problem.reason, kind: res.problem.kind, finalUrl };
    if (chain.redirectedTo) return { status: res.status, ok: true, finalUrl: chain.redirectedTo };
    const contentType = header(res.headers, 'content-type');
    const html = !contentType || /html|xml/i.test(contentType) ? decodeBody(res.body, contentType).text : '';
    const title = html ? titleOf(html) : undefined;
    if (isChallenge(res.status, res.body)) {
      return { status: res.status, ok: false, error: `网站返回反爬虫验证页面（HTTP ${res.status}），无法判断链接是否有效`, kind: 'blocked', finalUrl };
    }
    if (res.status < 200 || res.status >= 300) {
      return { status: res.status, ok: false, error: `HTTP ${res.status}`, kind: 'http-error', finalUrl, ...(title ? { title } : {}) };
    }
    if (!res.truncated && html && res.body.length <= SOFT_404_MAX_BYTES && isSoft404(html)) {
      return { status: res.status, ok: false, error: '页面显示“页面不存在”等错误提示', kind: 'soft-404', finalUrl, ...(title ? { title } : {}) };
    }
    return { status: res.status, ok: true, finalUrl, ...(title ? { title } : {}) };
  }

  /** Follows redirects by hand: at most maxRedirects hops, http(s) only, each hop checked by the policy. */
  async #follow(
    start: URL,
    req: FollowRequest,
  ): Promise<
    | { ok: true; res: Extract<Attempt, { kind: 'response' }>; finalUrl: string; redirectedTo?: string; attempts: number }
    | { ok: false; failure: FetchFailure; attempts: number }
  > {
    let url = start;
    let { method, body } = req;
    let headers = req.headers;
    let attempts = 0;
    const seen = new Set<string>([url.href]);
    for (let hop = 0; ; hop++) {
      const r = await this.#withRetries(url, method, headers, body, req);
      attempts += r.attempts;
      if (r.res.kind === 'error') {
        const failure = this.#errorFailure(url.href, r.res, attempts, req.timeoutMs ?? this.#o.timeoutMs);
        return { ok: false, failure, attempts };
      }
      const res = r.res;
      const location = header(res.headers, 'location');
      if (!REDIRECT.has(res.status) || !location) return { ok: true, res, finalUrl: url.href, attempts };
      if (hop >= this.#o.maxRedirects) {
        return { ok: false, failure: mkFailure(start.href, 'redirect-loop', `重定向超过 ${this.#o.maxRedirects} 次，已停止`, attempts, res.status), attempts };
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return { ok: false, failure: mkFailure(url.href, 'http-error', `重定向地址无效：${location}`, attempts, res.status), attempts };
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        return { ok: false, failure: mkFailure(url.href, 'off-host', `重定向到非 http/https 地址 ${next.href}，未跟随`, attempts, res.status), attempts };
      }
      const verdict = this.#policy.check(next, req.crawl ? 'page' : 'link');
      if (!verdict.ok) {
        if (req.crawl) {
          return { ok: false, failure: mkFailure(url.href, 'off-host', `重定向到单位名单以外的站点 ${next.host}，未跟随`, attempts, res.status), attempts };
        }
        return { ok: false, failure: mkFailure(url.href, 'forbidden', `重定向目标 ${verdict.reason}`, attempts, res.status), attempts };
      }
      // A link check stays on the link's own host (or the units file's and allowed ones): another redirect is the answer itself.
      if (!req.crawl && !this.#policy.isExempt(next) && next.hostname !== start.hostname) {
        return { ok: true, res, finalUrl: url.href, redirectedTo: next.href, attempts };
      }
      if (seen.has(next.href)) {
        return { ok: false, failure: mkFailure(start.href, 'redirect-loop', `重定向形成循环（${next.href}）`, attempts, res.status), attempts };
      }
      seen.add(next.href);
      if (req.crawl && req.robots !== false && !(await this.robotsAllow(next))) {
        return { ok: false, failure: mkFailure(next.href, 'robots', '网站 robots.txt 不允许抓取此地址，按规定未抓取', attempts), attempts };
      }
      if ((res.status === 303 && method !== 'HEAD') || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'content-type'));
      }
      // Validators belong to the first address only.
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'if-none-match' && k !== 'if-modified-since'));
      url = next;
    }
  }

  #errorFailure(url: string, e: Extract<Attempt, { kind: 'error' }>, attempts: number, timeoutMs: number): FetchFailure {
    const tried = `，已尝试 ${attempts} 次`;
    if (e.code === 'ABORTED') return mkFailure(url, 'network', '抓取已中止', attempts);
    if (e.failure === 'forbidden') return mkFailure(url, 'forbidden', e.reason ?? '按网络访问规则未访问', attempts);
    if (e.failure === 'decode') return mkFailure(url, 'decode', `服务器声明的压缩格式（${e.code}）与数据不符，无法解压`, attempts);
    const limit = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} 秒` : `${timeoutMs} 毫秒`;
    if (e.failure === 'timeout') return mkFailure(url, 'timeout', `请求超时（${limit}内未完成）${tried}`, attempts);
    if (e.failure === 'dns') return mkFailure(url, 'dns', `域名无法解析（${e.code}），该网站不存在或已停用`, attempts);
    return mkFailure(url, e.failure, `网络连接失败（${e.code}）${tried}`, attempts);
  }

  async #withRetries(
    url: URL,
    method: Method,
    headers: Record<string, string>,
    body: string | undefined,
    req: FollowRequest,
  ): Promise<{ res: Attempt; attempts: number }> {
    const { maxBytes, stats, signal, crawl } = req;
    const timeoutMs = req.timeoutMs ?? this.#o.timeoutMs;
    let attempts = 0;
    for (;;) {
      attempts++;
      const res = await this.onHostSlot(url.host, () => this.#once(url, method, headers, body, maxBytes, stats, signal, crawl, timeoutMs, req.binary === true), signal)
        .catch((): Attempt => ({ kind: 'error', failure: 'network', code: 'ABORTED', retryable: false }));
      const last = attempts >= (req.tries ?? this.#o.tries) || signal?.aborted;
      if (res.kind === 'error') {
        if (!res.retryable || last) return { res, attempts };
        await sleep(this.#backoff(attempts), undefined, { signal }).catch(() => {});
        continue;
      }
      const notPage = this.#notThePage(url, method, res, req);
      const retryable = notPage !== null || res.status === 429 || (res.status >= 500 && res.status !== 501 && !isChallenge(res.status, res.body));
      if (!retryable || last) {
        if (notPage === 'unverified') res.unverified = true;
        else if (notPage) res.problem = notPage;
        if (!res.problem && res.status >= 200 && res.status < 300 && !res.truncated) this.#learn(url, res);
        return { res, attempts };
      }
      const after = res.status === 429 || res.status === 503 || notPage ? parseRetryAfter(header(res.headers, 'retry-after')) : null;
      const wait = after === null ? this.#backoff(attempts) : Math.min(after, this.#o.maxRetryAfterMs);
      await sleep(wait, undefined, { signal }).catch(() => {});
    }
  }

  /**
   * Is this 2xx answer the page? A problem, `unverified` (it does not close
   * and the host is not known well enough to tell: asked again while tries
   * last, then taken to be judged again later), or null. HEAD answers,
   * attachments and bodies stopped at the size cap are not judged.
   */
  #notThePage(url: URL, method: Method, res: Extract<Attempt, { kind: 'response' }>, req: FollowRequest): AnswerProblem | 'unverified' | null {
    const { expect } = req;
    if (method === 'HEAD' || res.status < 200 || res.status >= 300 || expect === 'any') return null;
    const contentType = header(res.headers, 'content-type');
    if (contentType && BINARY.test(contentType)) return null;
    const closing = this.#closingOf(url.host);
    const problem = answerProblem(res.body, contentType, expect, res.truncated ? undefined : closing) ?? (res.truncated ? null : (req.verify?.(res.body) ?? null));
    if (problem) return problem;
    if (expect !== 'page' || res.truncated || !isHtml(contentType, res.body)) return null;
    return closing.judge(res.body) === 'unknown' ? 'unverified' : null;
  }

  #learn(url: URL, res: Extract<Attempt, { kind: 'response' }>): void {
    if (isHtml(header(res.headers, 'content-type'), res.body)) this.#closingOf(url.host).note(res.body);
  }

  #backoff(attempt: number): number {
    const base = this.#o.backoffMs * 2 ** (attempt - 1);
    return base + Math.random() * base * 0.25;
  }

  /** One request on one host slot: reads the body up to maxBytes + 1 and aborts beyond. */
  async #once(
    url: URL,
    method: Method,
    headers: Record<string, string>,
    body: string | undefined,
    maxBytes: number,
    stats: FetchStats | undefined,
    signal: AbortSignal | undefined,
    crawl: boolean,
    timeoutMs: number,
    binary: boolean,
  ): Promise<Attempt> {
    try {
      await this.#policy.pace(url.host, signal);
    } catch {
      return { kind: 'error', failure: 'network', code: 'ABORTED', retryable: false };
    }
    if (stats) stats.requests++;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const combined = signal ? AbortSignal.any([timeout.signal, signal]) : timeout.signal;
    try {
      const res = await request(url, {
        method,
        headers: {
          'user-agent': this.#uaHeader,
          accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,application/json;q=0.8,*/*;q=0.5',
          'accept-language': 'zh-CN,zh;q=0.9',
          'accept-encoding': 'gzip, deflate, br',
          ...headers,
        },
        body,
        dispatcher: this.#agent,
        signal: combined,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const contentType = header(res.headers, 'content-type');
      if (contentType && BINARY.test(contentType) && !binary) {
        // An attachment: its status is all we need; do not download it.
        discard(res.body);
        return { kind: 'response', status: res.statusCode, headers: res.headers, body: Buffer.alloc(0), truncated: false };
      }
      const declared = Number(header(res.headers, 'content-length') ?? NaN);
      if (declared > maxBytes && crawl) {
        discard(res.body);
        return { kind: 'response', status: res.statusCode, headers: res.headers, body: Buffer.alloc(0), truncated: true };
      }
      const { data, truncated } = await readCapped(res.body, header(res.headers, 'content-encoding'), maxBytes);
      if (stats) stats.bytes += data.length;
      return { kind: 'response', status: res.statusCode, headers: res.headers, body: data, truncated };
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string } };
      if (err instanceof DecodeError) return { kind: 'error', failure: 'decode', code: err.message, retryable: false };
      if (err instanceof ForbiddenTargetError) return { kind: 'error', failure: 'forbidden', code: err.code, retryable: false, reason: err.message };
      if (timeout.signal.aborted || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
        return { kind: 'error', failure: 'timeout', code: 'TIMEOUT', retryable: true };
      }
      if (signal?.aborted) return { kind: 'error', failure: 'network', code: 'ABORTED', retryable: false };
      const code = e.code ?? e.cause?.code ?? e.name;
      // NXDOMAIN: the site no longer exists (EAI_AGAIN, a resolver that did not answer, is retried as a network error).
      if (code === 'ENOTFOUND') return { kind: 'error', failure: 'dns', code, retryable: false };
      return { kind: 'error', failure: 'network', code, retryable: RETRY_CODES.has(code) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** robots.txt of the URL's origin (fetched once, cached); a missing or failing robots.txt allows everything. */
  async robotsAllow(url: URL): Promise<boolean> {
    if (!this.#o.respectRobots || url.pathname === '/robots.txt') return true;
    let policy = this.#robots.get(url.origin);
    if (!policy) {
      policy = this.#loadRobots(url.origin);
      this.#robots.set(url.origin, policy);
    }
    return (await policy).isAllowed(url.pathname + url.search);
  }

  /** A stored robots.txt younger than a day is used as is (RFC 9309 allows caching it for 24 hours). */
  async #loadRobots(origin: string): Promise<RobotsPolicy> {
    const url = new URL('/robots.txt', origin).href;
    const stored = await this.#cache?.loadPage(url);
    let body: Buffer | null = stored?.fetchedAt && Date.now() - Date.parse(stored.fetchedAt) < ROBOTS_TTL_MS ? stored.body : null;
    if (!body) {
      const r = await this.#fetch(url, { maxBytes: 512 * 1024, detectSoft404: false, expect: 'any' }, false);
      body = r.ok && r.page.status === 200 ? r.page.body : null;
    }
    return body ? parseRobots(body.toString('utf8'), 'zwgk-audit') : ALLOW_ALL;
  }

  /**
   * Drops what is kept of a page read: the copy in memory and the raw page in
   * the store (the crawl found personal data in it, which must not be kept).
   */
  async forget(url: string): Promise<void> {
    const kept = this.#read.get(url);
    if (kept) {
      this.#read.delete(url);
      this.#readBytes -= kept.body.length;
    }
    let href = url;
    try {
      href = new URL(url).href;
    } catch {
      /* stored under the address as given */
    }
    await this.#cache?.forgetPage?.(href);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.onIdle()));
    await this.#agent.close();
  }
}

class DecodeError extends Error {}

/** Drops a body unread (undici reports the abort of an unread body as an error: it is the intent here). */
function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

/**
 * Reads a body up to `maxBytes` (counted after decompression, so a small
 * compressed bomb cannot blow up memory), undoing gzip/deflate/br.
 */
async function readCapped(body: Readable, encoding: string | undefined, maxBytes: number): Promise<{ data: Buffer; truncated: boolean }> {
  const enc = encoding?.trim().toLowerCase();
  let source: AsyncIterable<Buffer> = body;
  let inflater: Transform | null = null;
  if (enc && enc !== 'identity') {
    if (enc === 'gzip' || enc === 'x-gzip') inflater = createGunzip();
    else if (enc === 'deflate') inflater = createInflate();
    else if (enc === 'br') inflater = createBrotliDecompress();
    else throw new DecodeError(enc);
    body.on('error', (err) => inflater!.destroy(err));
    source = body.pipe(inflater);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  let complete = false;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > maxBytes) {
        truncated = true;
        chunks.push(chunk.subarray(0, chunk.length - (size - maxBytes)));
        break;
      }
      chunks.push(chunk);
    }
    complete = !truncated;
  } catch (err) {
    if (inflater && (err as { code?: string }).code?.startsWith('Z_')) throw new DecodeError(enc!);
    throw err;
  } finally {
    if (!complete) {
      body.destroy();
      inflater?.destroy();
    }
  }
  return { data: Buffer.concat(chunks), truncated };
}

/** A link check that got no usable answer. */
function failedCheck(f: FetchFailure): LinkCheck {
  return { status: f.status ?? null, ok: false, error: f.reason, kind: f.kind };
}

/** A page the crawl read in full: the link to it works (its title from the first bytes). */
function knownPageCheck(page: FetchedPage, maxBytes: number): LinkCheck {
  const html = !page.contentType || /html|xml/i.test(page.contentType) ? decodeBody(page.body.subarray(0, maxBytes), page.contentType).text : '';
  const title = html ? titleOf(html) : undefined;
  return { status: page.status, ok: true, finalUrl: page.finalUrl, ...(title ? { title } : {}) };
}

function mkFailure(url: string, kind: FailureKind, reason: string, attempts: number, status?: number): FetchFailure {
  return status === undefined ? { url, kind, reason, attempts } : { url, kind, status, reason, attempts };
}

function fail(url: string, kind: FailureKind, reason: string, attempts: number, status?: number): FetchOutcome {
  return { ok: false, failure: mkFailure(url, kind, reason, attempts, status) };
}

function formatBytes(n: number): string {
  return n >= MB ? `${Math.round((n / MB) * 10) / 10} MB` : `${Math.round(n / 1024)} KB`;
}
