import { decodeBody } from './parse/charset.ts';

/**
 * "Is this the page?" — what a 2xx answer must pass before anything parses
 * it. Servers under load answer 200 with things that are not the page: an
 * empty body, a page cut short, 「系统繁忙，请稍后再试」, a firewall's
 * notice, a JSON error envelope from a list endpoint. Read as content, each
 * of them looks like an empty column or a report without its parts. Each is a
 * failed read instead: the fetcher retries it like a 503 and, if it persists,
 * reports it with the reason (inconclusive, never content).
 *
 * The phrases are data: a portal's own wording is added to the lists below.
 */

/**
 * What the caller expects: an HTML page, a list endpoint's data (JSON or XML),
 * a piece of HTML a page's script asked for, a script, or anything (robots.txt).
 */
export type AnswerExpect = 'page' | 'data' | 'fragment' | 'script' | 'any';

export interface AnswerProblem {
  /** `blocked`: an anti-bot or firewall notice; `error-page`: anything else that is not the page. */
  kind: 'error-page' | 'blocked';
  /** Chinese, one line. */
  reason: string;
}

/** Matched in the visible text of small pages (and in the messages of data envelopes), case-insensitively, spaces ignored. */
export const NOT_THE_PAGE: Record<'busy' | 'error' | 'blocked', readonly string[]> = {
  busy: [
    '系统繁忙', '服务器繁忙', '服务繁忙', '网络繁忙', '系统忙', '请稍后再试', '请稍后重试', '请稍候再试', '稍后再访问',
    '访问人数过多', '访问量过大', '访问过于频繁', '请求过于频繁', '操作过于频繁', '访问频率过快', '请求太频繁',
    '服务暂不可用', '服务不可用', '暂时无法访问', '系统维护中', '网站维护中', '正在维护', '系统升级中',
    'server busy', 'server is busy', 'system busy', 'too many requests', 'try again later', 'temporarily unavailable',
    'service unavailable', 'rate limit',
  ],
  error: [
    '系统错误', '系统异常', '服务器错误', '服务器内部错误', '服务器异常', '程序出错', '程序异常', '数据库错误', '数据库连接失败',
    '请求失败', '加载失败', '出错了', '发生错误', '网关错误', '网关超时',
    'internal server error', 'bad gateway', 'gateway timeout', 'an error occurred', 'runtime error', 'database error',
  ],
  blocked: [
    '访问被拒绝', '拒绝访问', '禁止访问', '访问受限', '已被拦截', '已拦截', '非法请求', '非法访问', '安全拦截', '网站防火墙',
    '安全狗', '云锁', '创宇盾', '人机验证', '滑动验证', '请开启javascript', '请启用javascript',
    'access denied', '403 forbidden', 'request blocked', 'has been blocked', 'verify you are human', 'enable javascript and cookies',
  ],
};

/** Only small pages are looked at for phrases: a real page is larger than any error notice. */
const SMALL_BYTES = 16 * 1024;
/** Visible characters of an error notice, at most (the soft-404 check in fetcher.ts uses the same bound). */
const NOTICE_CHARS = 600;
/** Elements that make a page without visible text still something (a frameset, a script-drawn list, an image). */
const NON_TEXT_CONTENT = /<(script|iframe|frame|img|object|embed)\b|<meta[^>]+http-equiv\s*=\s*["']?refresh/i;

const squash = (s: string) => s.replace(/\s+/g, '').toLowerCase();
const PHRASES = (Object.entries(NOT_THE_PAGE) as [keyof typeof NOT_THE_PAGE, readonly string[]][]).map(
  ([what, list]) => [what, list.map(squash)] as const,
);

/** The first listed phrase the text contains, with its group. */
export function notThePagePhrase(text: string): { what: keyof typeof NOT_THE_PAGE; phrase: string } | null {
  const t = squash(text);
  for (const [what, list] of PHRASES) {
    const phrase = list.find((p) => t.includes(p));
    if (phrase) return { what, phrase };
  }
  return null;
}

/** Visible text of a (small) HTML page: scripts, styles and tags removed. */
export function visibleText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const CLOSE_HTML = [Buffer.from('</html>'), Buffer.from('</HTML>'), Buffer.from('</Html>')];

/** Whether an HTML page ends as HTML pages do (a page cut short has lost its end). */
export function closesHtml(body: Buffer): boolean {
  return CLOSE_HTML.some((tag) => body.includes(tag));
}

/**
 * How a host's pages end: when nearly all of them close with `</html>`, one
 * that does not was cut short. Learned from the pages accepted so far.
 */
export class ClosingProfile {
  closed = 0;
  open = 0;

  note(body: Buffer): void {
    if (closesHtml(body)) this.closed++;
    else this.open++;
  }

  /**
   * `cut`: the host's pages close (four in five at least) and this one does
   * not; `open`: this host often leaves its pages open (ten seen, so that a
   * few pages cut short at the start of a crawl do not pass for the host's
   * way); `unknown`: too few pages seen to say.
   */
  judge(body: Buffer): 'ok' | 'cut' | 'open' | 'unknown' {
    if (closesHtml(body)) return 'ok';
    if (this.closed >= 3 && this.open * 4 <= this.closed) return 'cut';
    return this.open >= 10 ? 'open' : 'unknown';
  }
}

/** `class` and `id` values in the markup: what a template's pages share (header, footer, navigation boxes). */
const MARKER_RE = /\s(?:class|id)\s*=\s*["']?([^"'>]{1,200})/gi;
const MARKER_BYTES = 256 * 1024;
const MAX_MARKERS = 2000;

export function templateMarkers(body: Buffer): Set<string> {
  const out = new Set<string>();
  for (const m of body.subarray(0, MARKER_BYTES).toString('latin1').matchAll(MARKER_RE)) {
    for (const token of m[1]!.split(/\s+/)) {
      if (token && out.size < MAX_MARKERS) out.add(token);
    }
  }
  return out;
}

/** Markers of bodies already looked at: a body is checked, then noted by the unit and by its host. */
const MARKERS = new WeakMap<Buffer, Set<string>>();

function markersOf(body: Buffer): Set<string> {
  let m = MARKERS.get(body);
  if (!m) MARKERS.set(body, (m = templateMarkers(body)));
  return m;
}

/**
 * What one unit's pages (its index, lists and articles) look like: the
 * markers most of them carry, and their size. A page without most of
 * those markers, or far smaller than the others, is not one of them — an
 * error page in no known wording. Judged only once a few pages are known.
 */
export class TemplateProfile {
  pages = 0;
  readonly #counts = new Map<string, number>();
  readonly #sizes: number[] = [];
  #common: string[] | null = null;

  /** Enough pages seen to judge one. */
  get known(): boolean {
    return this.pages >= 4;
  }

  note(body: Buffer): void {
    this.pages++;
    this.#common = null;
    for (const t of markersOf(body)) this.#counts.set(t, (this.#counts.get(t) ?? 0) + 1);
    if (this.#sizes.length < 200) this.#sizes.push(body.length);
  }

  /** A problem, or null (also while the unit's pages are not `known`). */
  judge(body: Buffer): AnswerProblem | null {
    if (!this.known) return null;
    // Markers of most pages (not all: a page taken before the unit was known may itself be an error page).
    this.#common ??= [...this.#counts].filter(([, n]) => n > 0.5 * this.pages).map(([t]) => t);
    const common = this.#common;
    if (common.length >= 3) {
      const mine = markersOf(body);
      if (common.filter((t) => mine.has(t)).length < 0.2 * common.length) {
        return { kind: 'error-page', reason: '页面缺少本单位其他页面都有的模板标记（页头、页尾等），不是正常页面，按未读取处理' };
      }
    }
    const sizes = [...this.#sizes].sort((a, b) => a - b);
    const median = sizes[Math.floor(sizes.length / 2)]!;
    if (body.length * 10 < median) return { kind: 'error-page', reason: `页面大小（${body.length} 字节）远小于本单位其他页面（约 ${median} 字节），不是正常页面，按未读取处理` };
    return null;
  }
}

const looksHtml = (type: string, head: string) => /html/i.test(type) || /^<(!doctype|html|head|body)\b/i.test(head);
const looksJson = (type: string, head: string) => /json|javascript/i.test(type) || /^[[{]/.test(head) || /^[\w$.]+\(\s*[[{]/.test(head);
const looksXml = (type: string, head: string) => /xml/i.test(type) || /^<\?xml\b/i.test(head);

/**
 * Checks a 2xx answer. `closing`: the host's profile (HTML pages only). The
 * cut-short verdict `unknown` is not a problem by itself: the caller decides
 * (the fetcher asks again while it can).
 */
export function answerProblem(
  body: Buffer,
  contentType: string | undefined,
  expect: AnswerExpect,
  closing?: ClosingProfile,
): (AnswerProblem & { cut?: boolean }) | null {
  if (expect === 'any') return null;
  const type = contentType ?? '';
  const head = body.subarray(0, 256).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (head.length === 0 && body.toString('latin1').trim().length === 0) return { kind: 'error-page', reason: '服务器返回空白内容（HTTP 200 但没有页面）' };

  if (expect === 'script') return head.startsWith('<') ? { kind: 'error-page', reason: '脚本地址返回了网页而不是脚本' } : null;
  if (expect === 'data' && !looksHtml(type, head)) return dataProblem(body, type, head);

  const small = body.length <= SMALL_BYTES;
  if (small) {
    const html = decodeBody(body, contentType).text;
    const text = visibleText(html);
    if (text.length === 0 && expect === 'page' && !NON_TEXT_CONTENT.test(html)) return { kind: 'error-page', reason: '服务器返回空白页面（HTTP 200 但页面上没有任何内容）' };
    if (text.length <= NOTICE_CHARS) {
      const hit = notThePagePhrase(text);
      if (hit) return noticeProblem(hit.what, text);
    }
  }
  if (expect === 'data') return { kind: 'error-page', reason: '数据接口返回了网页而不是数据' };
  if (closing && looksHtml(type, head) && closing.judge(body) === 'cut') {
    return { kind: 'error-page', reason: '页面内容不完整（缺少本网站其他页面都有的结尾，疑似传输中断）', cut: true };
  }
  return null;
}

function noticeProblem(what: keyof typeof NOT_THE_PAGE, text: string): AnswerProblem {
  const said = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  if (what === 'blocked') return { kind: 'blocked', reason: `网站返回拦截提示而不是页面（“${said}”），需人工核查` };
  return { kind: 'error-page', reason: `网站返回${what === 'busy' ? '繁忙' : '出错'}提示而不是页面（“${said}”）` };
}

/** Codes that mean success in the envelopes of Chinese portal platforms. */
const OK_CODES = new Set(['0', '1', '200', 'ok', 'success', '000000']);

function dataProblem(body: Buffer, type: string, head: string): AnswerProblem | null {
  const text = body.toString('utf8').replace(/^\uFEFF/, '').trim();
  if (looksXml(type, head) || head.startsWith('<')) {
    const root = xmlRoot(text);
    if (!root || !text.includes(`</${root}>`)) return { kind: 'error-page', reason: '数据接口返回的内容不完整（XML 没有结尾）' };
    return null;
  }
  if (!looksJson(type, head)) return null;
  let json: unknown;
  try {
    json = JSON.parse(unwrapJsonp(text));
  } catch {
    return { kind: 'error-page', reason: '数据接口返回的内容不完整或不是有效的数据（JSON 无法解析）' };
  }
  const said = envelopeError(json);
  if (said !== null) return { kind: 'error-page', reason: `数据接口返回错误：${said.slice(0, 60)}` };
  // A list answer carries its list (empty when there are no items) or at least a count.
  if (!hasList(json)) return { kind: 'error-page', reason: '数据接口的回答里没有列表数据' };
  return null;
}

/** The root element's name after an XML declaration and comments, found by scanning (no pattern over the whole answer). */
function xmlRoot(text: string): string | undefined {
  let i = 0;
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end < 0) return undefined;
    i = end + 2;
  }
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (!text.startsWith('<!--', i)) break;
    const end = text.indexOf('-->', i + 4);
    if (end < 0) return undefined;
    i = end + 3;
  }
  return /^<([\w:.-]+)/.exec(text.slice(i, i + 256))?.[1];
}

/** A JSONP answer's argument (`cb({…});`), cut by position: a pattern over the padded answer would backtrack on its tail. */
function unwrapJsonp(text: string): string {
  const open = /^[\w$.]{1,100}\(/.exec(text.slice(0, 128));
  if (!open) return text;
  let end = text.length;
  if (text[end - 1] === ';') end = text.slice(0, end - 1).trimEnd().length;
  return text[end - 1] === ')' ? text.slice(open[0].length, end - 1) : text;
}

const firstString = (o: Record<string, unknown>, keys: string[]) => {
  for (const k of keys) if (typeof o[k] === 'string' && (o[k] as string).trim()) return (o[k] as string).trim();
  return undefined;
};

/** Any non-empty array within a few levels: the answer carries data. */
function carriesData(v: unknown, depth = 0): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (!v || typeof v !== 'object' || depth > 3) return false;
  return Object.values(v).some((x) => carriesData(x, depth + 1));
}

const COUNT_KEYS = /^(total|totalcount|totalrecord|count|recordcount|totalelements|totalnum|records)$/i;

/** An array (empty or not) or a count field anywhere within a few levels. */
function hasList(v: unknown, depth = 0): boolean {
  if (Array.isArray(v)) return true;
  if (!v || typeof v !== 'object' || depth > 3) return false;
  return Object.entries(v).some(([k, x]) => (COUNT_KEYS.test(k) && x !== null && x !== '') || hasList(x, depth + 1));
}

/** The error an envelope reports (`{"success":false,"msg":"系统繁忙"}`), or null when it reports none. */
export function envelopeError(json: unknown): string | null {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  const msg = firstString(o, ['msg', 'message', 'errmsg', 'errMsg', 'error', 'errorMsg', 'info']);
  const fail = (fallback: string) => msg ?? fallback;
  if (o['success'] === false || o['success'] === 'false') return fail('success=false');
  const status = typeof o['status'] === 'string' ? o['status'] : typeof o['result'] === 'string' ? o['result'] : '';
  if (/^(error|fail|failed|failure)$/i.test(status)) return fail(status);
  const code = o['code'] ?? o['errcode'] ?? o['errCode'] ?? (typeof o['status'] === 'number' ? o['status'] : undefined);
  if (code !== undefined && code !== null && !OK_CODES.has(String(code).toLowerCase()) && !carriesData(o)) return fail(`code=${String(code)}`);
  if (msg && !carriesData(o) && notThePagePhrase(msg)) return msg;
  return null;
}
