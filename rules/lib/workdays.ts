import schedule from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

/**
 * Working days (工作日) by the State Council's published holiday and make-up
 * day schedule (国务院办公厅关于部分节假日安排的通知, one a year), offline: the
 * schedule as data from the `chinese-days` package (2004 onwards, as far as
 * the installed version has it). A date is a working day when the schedule
 * makes it a make-up day (调休上班), or it is Monday to Friday and not a
 * holiday. 2020's Spring Festival is as extended by the State Council on
 * 2020-01-27 (国办发明电〔2020〕1号: holiday to 2 February, so the Saturday
 * 1 February make-up day of the original schedule is gone). Local
 * extensions (provinces that kept enterprises closed longer) are not in it:
 * government offices went back on 3 February.
 *
 * A year whose schedule is not in the data is not known: any count touching
 * it is `null`, never a guess (its holidays are announced in November of the
 * year before).
 */

interface Schedule {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const data = schedule as Schedule;

/** The years whose schedule the data holds (every published schedule has 元旦). */
const KNOWN = new Set(Object.keys(data.holidays).map((d) => Number(d.slice(0, 4))));

export const knownYears: { first: number; last: number } = { first: Math.min(...KNOWN), last: Math.max(...KNOWN) };

export function knowsYear(year: number): boolean {
  return KNOWN.has(year);
}

const DAY = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dayNumber(date: string): number {
  const m = DATE.exec(date);
  if (!m) throw new Error(`不是 YYYY-MM-DD 日期：${date}`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) / DAY;
}

const dateOf = (n: number) => new Date(n * DAY).toISOString().slice(0, 10);

/** The holiday's Chinese name from the data's `English,中文,days` value. */
const holidayName = (value: string) => value.split(',')[1] ?? value;

function isWorkingDay(n: number): boolean {
  const date = dateOf(n);
  if (Object.hasOwn(data.workdays, date)) return true;
  if (Object.hasOwn(data.holidays, date)) return false;
  const dow = new Date(n * DAY).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** Whether the schedule of every year from the day after `from` to `to` is known. */
function covered(from: number, to: number): boolean {
  for (let y = Number(dateOf(from + 1).slice(0, 4)); y <= Number(dateOf(to).slice(0, 4)); y++) if (!KNOWN.has(y)) return false;
  return true;
}

/**
 * Working days counted once for the whole schedule, so that any count is two
 * look-ups, whatever dates a page gives: CUMULATIVE[i] = working days in the
 * i days from 1 January of the first known year.
 */
const FIRST = dayNumber(`${knownYears.first}-01-01`);
const LAST = dayNumber(`${knownYears.last}-12-31`);
const CUMULATIVE = new Int32Array(LAST - FIRST + 2);
for (let n = FIRST; n <= LAST; n++) CUMULATIVE[n - FIRST + 1] = CUMULATIVE[n - FIRST]! + (isWorkingDay(n) ? 1 : 0);
/** Working days from FIRST up to and including day `n` (FIRST - 1 <= n <= LAST). */
const upTo = (n: number) => CUMULATIVE[n - FIRST + 1]!;

/** Public holidays in date order, for naming those a span crosses. */
const HOLIDAYS = Object.entries(data.holidays)
  .map(([date, value]) => ({ day: dayNumber(date), name: holidayName(value) }))
  .sort((a, b) => a.day - b.day);

/** Whether the date is a working day; null when its year's schedule is not known. */
export function isWorkday(date: string): boolean | null {
  const n = dayNumber(date);
  return KNOWN.has(Number(date.slice(0, 4))) ? isWorkingDay(n) : null;
}

export interface WorkdaySpan {
  /** Working days after `from` up to and including `to` (the day something was made does not count: 期间开始之日不计算在内). */
  workingDays: number;
  calendarDays: number;
  /** Names of the public holidays in the span (国庆节, 春节…), in order, each once. */
  holidays: string[];
}

/**
 * Working days from `from` (exclusive) to `to` (inclusive): published on the
 * 20th working day after it was made is within 20 working days. `to` before
 * `from` counts 0. Null when a year in between is not known.
 */
export function workdaysBetween(from: string, to: string): WorkdaySpan | null {
  const a = dayNumber(from);
  const b = dayNumber(to);
  if (b <= a) return { workingDays: 0, calendarDays: b - a, holidays: [] };
  if (!covered(a, b)) return null;
  const holidays: string[] = [];
  for (const h of HOLIDAYS) if (h.day > a && h.day <= b && !holidays.includes(h.name)) holidays.push(h.name);
  return { workingDays: upTo(b) - upTo(a), calendarDays: b - a, holidays };
}

/** The `n`th working day after `from` (the last day something made on `from` may be published); null when unknown. */
export function addWorkdays(from: string, n: number): string | null {
  const a = dayNumber(from);
  if (a < FIRST - 1 || a >= LAST) return null;
  const target = upTo(a) + n;
  if (target > upTo(LAST)) return null;
  // The first day whose running count reaches the target (binary search: the counts never decrease).
  let lo = a + 1;
  let hi = LAST;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (upTo(mid) >= target) hi = mid;
    else lo = mid + 1;
  }
  return covered(a, lo) ? dateOf(lo) : null;
}
