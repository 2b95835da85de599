/**
 * Calendar dates as Chinese government portals write them, normalised to
 * Asia/Shanghai `YYYY-MM-DD`. Portals print local wall-clock dates, so the
 * date part is taken as written (never shifted through UTC). Impossible dates
 * (2021-02-30, month 13) are rejected.
 */
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import { TIME_ZONE } from '../../lib/time.ts';
import { foldWidth } from './dom.ts';

export interface DateHit {
  date: string;
  /** `full`: year written out; `month-day`: year taken from context. */
  kind: 'full' | 'month-day';
  index: number;
  length: number;
}

const MIN_YEAR = 1980;
const MAX_YEAR = 2100;

/** `YYYY-MM-DD` for a real calendar day, else null (arithmetic check: this runs for every date-like string on a page). */
export function ymd(y: number, m: number, d: number): string | null {
  if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1) return null;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

// 2020年12月1日 (spaces allowed, 日 optional only when no digit follows).
const CJK_FULL = /((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})(?:\s*日|(?!\d))/g;
// 2020-12-01, 2020/12/1, 2020.12.01 (one separator used twice), also 2007-08-20-23:59:59 and 2020-12-01 10:30.
const ASCII_FULL = /(?<![\d.])((?:19|20)\d{2})([-/.])(\d{1,2})\2(\d{1,2})(?![\d/]|\.\d)/g;
// [12-01], 【12-01】, (12/01) inside longer text: only bracketed month-days are trusted there.
// `(?:\s*日)?\s*`, not `\s*日?\s*`: two stars side by side split a run of spaces every possible way.
const BRACKET_MD = /[[【(（]\s*(\d{1,2})\s*([-/.]|月)\s*(\d{1,2})(?:\s*日)?\s*[\]】)）]/g;
// A whole string that is only a month-day: 12-01, 12/1, 12月1日, [12-01].
const WHOLE_MD = /^[[【(（]?\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?:\s*日)?\s*[\]】)）]?$/;

function overlaps(hits: DateHit[], i: number, len: number): boolean {
  return hits.some((h) => i < h.index + h.length && h.index < i + len);
}

/** Every date in a text, in order. Month-days only when bracketed, and only with a context year. */
export function findDates(text: string, contextYear?: number): DateHit[] {
  const s = foldWidth(text);
  const hits: DateHit[] = [];
  for (const m of s.matchAll(CJK_FULL)) {
    const d = ymd(+m[1]!, +m[2]!, +m[3]!);
    if (d) hits.push({ date: d, kind: 'full', index: m.index, length: m[0].length });
  }
  for (const m of s.matchAll(ASCII_FULL)) {
    if (overlaps(hits, m.index, m[0].length)) continue;
    const d = ymd(+m[1]!, +m[3]!, +m[4]!);
    if (d) hits.push({ date: d, kind: 'full', index: m.index, length: m[0].length });
  }
  if (contextYear !== undefined) {
    for (const m of s.matchAll(BRACKET_MD)) {
      if (overlaps(hits, m.index, m[0].length)) continue;
      const d = ymd(contextYear, +m[1]!, +m[3]!);
      if (d) hits.push({ date: d, kind: 'month-day', index: m.index, length: m[0].length });
    }
  }
  return hits.sort((a, b) => a.index - b.index);
}

/**
 * The first date in a text. A text that is nothing but a month-day (`12-01`,
 * `[12-01]`, `12月1日`) takes its year from `contextYear`; without one it is null.
 */
export function parseDate(text: string, opts: { contextYear?: number } = {}): string | null {
  return parseDateHit(text, opts)?.date ?? null;
}

export function parseDateHit(text: string, opts: { contextYear?: number } = {}): DateHit | null {
  const s = foldWidth(text).trim();
  const whole = WHOLE_MD.exec(s);
  if (whole) {
    if (opts.contextYear === undefined) return null;
    const d = ymd(opts.contextYear, +whole[1]!, +whole[2]!);
    return d ? { date: d, kind: 'month-day', index: 0, length: s.length } : null;
  }
  return findDates(s, opts.contextYear)[0] ?? null;
}

/**
 * A text that is only a date, perhaps with a label or brackets around it
 * (`2020-12-01`, `[12-01]`, `发布时间：2025-11-05 16:28:36`, `(2020年12月1日)`).
 * Used for list rows, where a date cell stands on its own.
 */
export function standaloneDate(text: string, contextYear?: number): DateHit | null {
  let s = foldWidth(text).replace(/[\s\u00a0\u3000]+/g, ' ').trim();
  s = s.replace(/^(?:[\u4e00-\u9fa5]{2,6}\s*[:：]\s*)/, '');
  if (s.length > 32) return null;
  const hit = parseDateHit(s, contextYear === undefined ? {} : { contextYear });
  if (!hit) return null;
  const rest = (s.slice(0, hit.index) + s.slice(hit.index + hit.length))
    .replace(/\d{1,2}:\d{2}(:\d{2})?/g, '')
    .replace(/[\s[\]【】()（）:：\-/.]+/g, '');
  return rest.length === 0 ? hit : null;
}

const URL_DATE_PATTERNS: Array<[RegExp, (m: RegExpExecArray) => [number, number, number]]> = [
  // TRS: t20201201_123.html
  [/[/_]t((?:19|20)\d{2})(\d{2})(\d{2})_\d+/, (m) => [+m[1]!, +m[2]!, +m[3]!]],
  // Hanweb: /art/2020/12/1/art_123_456.html
  [/\/art\/((?:19|20)\d{2})\/(\d{1,2})\/(\d{1,2})\/art_/, (m) => [+m[1]!, +m[2]!, +m[3]!]],
  // gov.cn: /2020-12/01/content_123.htm
  [/\/((?:19|20)\d{2})-(\d{2})\/(\d{2})\//, (m) => [+m[1]!, +m[2]!, +m[3]!]],
  // /202012/01/…
  [/\/((?:19|20)\d{2})(\d{2})\/(\d{2})\//, (m) => [+m[1]!, +m[2]!, +m[3]!]],
  // /20201201/…
  [/\/((?:19|20)\d{2})(\d{2})(\d{2})\//, (m) => [+m[1]!, +m[2]!, +m[3]!]],
  // /2020/1201/… and /2020/12/01/…
  [/\/((?:19|20)\d{2})\/(\d{2})(\d{2})\//, (m) => [+m[1]!, +m[2]!, +m[3]!]],
  [/\/((?:19|20)\d{2})\/(\d{1,2})\/(\d{1,2})\//, (m) => [+m[1]!, +m[2]!, +m[3]!]],
];

function urlPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** A full publication date written into an address, or null. */
export function dateFromUrl(url: string): string | null {
  const path = urlPath(url);
  for (const [re, pick] of URL_DATE_PATTERNS) {
    const m = re.exec(path);
    if (m) {
      const d = ymd(...pick(m));
      if (d) return d;
    }
  }
  return null;
}

/** The year an address points at (`t20201201_…`, `/art/2020/…`, `/202012/…`), for month-day lists. */
export function yearFromUrl(url: string): number | null {
  const full = dateFromUrl(url);
  if (full) return +full.slice(0, 4);
  const path = urlPath(url);
  const m = /\/((?:19|20)\d{2})(0[1-9]|1[0-2])\//.exec(path) ?? /\/art\/((?:19|20)\d{2})\//.exec(path);
  if (m) {
    const y = +m[1]!;
    if (y >= MIN_YEAR && y <= MAX_YEAR) return y;
  }
  return null;
}

/** A timestamp in milliseconds (as JSON list APIs return) as a Shanghai calendar date. */
export function dateFromEpochMs(ms: number): string | null {
  if (!Number.isFinite(ms) || ms <= 0) return null;
  const s = format(new TZDate(ms, TIME_ZONE), 'yyyy-MM-dd');
  return ymd(+s.slice(0, 4), +s.slice(5, 7), +s.slice(8, 10));
}
