import type { ListItem } from '../../src/model/snapshot.ts';
import type { WorkdaySpan } from './workdays.ts';

/** Dates as documents show them, for the rules that count working days. */

/** The 发布日期 as shown: the article page's, else the list's own date (never one guessed from context). */
export function publishedOf(item: ListItem, articlePublished: string | null): { date: string; from: '文章页' | '列表页' } | null {
  if (articlePublished) return { date: articlePublished, from: '文章页' };
  if (item.date && (item.dateSource === 'list' || item.dateSource === 'url')) return { date: item.date, from: '列表页' };
  return null;
}

/** "相隔 21 个工作日（35 天，期间有国庆节假期），超过 20 个工作日（最迟应于 2020-10-19 公开）" */
export function lateText(span: WorkdaySpan, limit: number, deadline: string | null): string {
  const holidays = span.holidays.length ? `，期间有${span.holidays.join('、')}假期` : '';
  return `相隔 ${span.workingDays} 个工作日（${span.calendarDays} 天${holidays}），超过 ${limit} 个工作日${deadline ? `（最迟应于 ${deadline} 公开）` : ''}`;
}

/** The span's facts for a finding's `observed` (labelled by SPAN_LABELS). */
export function spanObserved(span: WorkdaySpan, limit: number, deadline: string | null): Record<string, unknown> {
  return {
    workingDays: span.workingDays,
    calendarDays: span.calendarDays,
    ...(span.holidays.length ? { holidays: span.holidays } : {}),
    limit,
    ...(deadline ? { deadline } : {}),
  };
}

export const SPAN_LABELS = {
  published: '发布日期',
  publishedFrom: '发布日期取自',
  workingDays: '相隔工作日',
  calendarDays: '相隔天数',
  holidays: '期间法定节假日',
  limit: '规定时限（工作日）',
  deadline: '最迟应公开日期',
};

const CN_DATE = /(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日/u;
/** How the name of a signing body ends (…局, …委员会, …人民政府, …镇): "请于6月10日" is no signature. */
const BODY_END = '(?:局|委|会|办|室|府|中心|院|所|站|厅|部|处|科|队|馆|场|镇|乡|街道|公司|组)';
/**
 * A letter's closing date: `YYYY年M月D日` ending a line, alone or after the
 * signing body's name, where the line starts or a sentence ends (公文 write the
 * 成文日期 in Arabic numerals under the signature, GB/T 9704-2012 7.3.5).
 */
const CLOSING = new RegExp(`(?:^|[。；;！!？?）)])\\s*(?:[\\p{Script=Han}（）()]{1,28}${BODY_END}\\s*)?${CN_DATE.source}\\s*$`, 'u');
/** Lines from the end where the closing date may stand (a 联系人 or 抄送 line may follow it). */
const CLOSING_LINES = 4;
/** Characters of a line's end looked at (a whole body flattened into one line stays cheap). */
const LINE_TAIL = 120;

/** The date under the signature at the end of a letter's text, or null. */
export function closingDate(text: string): string | null {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean).slice(-CLOSING_LINES).reverse();
  for (const line of lines) {
    const m = CLOSING.exec(line.slice(-LINE_TAIL));
    if (!m) continue;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) return date.toISOString().slice(0, 10);
  }
  return null;
}
