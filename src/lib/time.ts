import { randomBytes } from 'node:crypto';
import { TZDate } from '@date-fns/tz';
import { format, isValid, parse } from 'date-fns';

export const TIME_ZONE = 'Asia/Shanghai';

/** Today's calendar date in Asia/Shanghai (YYYY-MM-DD). Only the CLI/serve edge calls this. */
export function todayInShanghai(now: Date = new Date()): string {
  return format(new TZDate(now.getTime(), TIME_ZONE), 'yyyy-MM-dd');
}

/** Current instant as ISO string with +08:00 offset. */
export function nowIso(now: Date = new Date()): string {
  return new TZDate(now.getTime(), TIME_ZONE).toISOString();
}

/** Strict YYYY-MM-DD check: rejects 2021-02-30 and other impossible dates. */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = parse(value, 'yyyy-MM-dd', new Date(2000, 0, 1));
  return isValid(d) && format(d, 'yyyy-MM-dd') === value;
}

/** Whole days from `from` to `to` (both YYYY-MM-DD calendar dates). */
export function daysBetween(from: string, to: string): number {
  const a = Date.UTC(+from.slice(0, 4), +from.slice(5, 7) - 1, +from.slice(8, 10));
  const b = Date.UTC(+to.slice(0, 4), +to.slice(5, 7) - 1, +to.slice(8, 10));
  return Math.round((b - a) / 86_400_000);
}

/** An ISO instant as `YYYY-MM-DD HH:mm` in Asia/Shanghai; anything unparsable as it is. */
export function fmtInstant(iso: string | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return format(new TZDate(t, TIME_ZONE), 'yyyy-MM-dd HH:mm');
}

/** Sortable, file-name-safe crawl id: 20210120T013000-1a2b (Asia/Shanghai wall time). */
export function newCrawlId(now: Date = new Date()): string {
  const stamp = nowIso(now).slice(0, 19).replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}
