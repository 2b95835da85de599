import type { Scheme } from '../config/scheme.ts';
import type { ColumnSnapshot, UnitSnapshot } from '../model/snapshot.ts';
import { categorize, columnFacts } from '../judge/column-facts.ts';
import { daysBetween, todayInShanghai } from '../lib/time.ts';
import type { BackdatedItem, HistoryData, StaleWarning, UnitWarnings } from './model.ts';

/**
 * Two things only history can show (pure functions of snapshots, history,
 * as-of date and settings; no clock):
 * - 预警: columns that will turn stale within N days if nothing new appears;
 * - 补发/倒签: items that first appeared long after the date they carry.
 */

export interface WarningSettings {
  /** Warn about columns that turn stale within this many days. */
  staleWithinDays: number;
  /** Flag items whose date is more than this many days before they were first seen. */
  backdatedDays: number;
}

export const DEFAULT_WARNING_SETTINGS: WarningSettings = { staleWithinDays: 30, backdatedDays: 7 };

export type CategoryRules = Pick<Scheme, 'categories' | 'defaultCategory'>;

const RECENT_ITEMS_FOR_PACE = 10;

export function computeWarnings(
  snapshots: readonly UnitSnapshot[],
  history: HistoryData,
  asOf: string,
  settings: WarningSettings,
  rules: CategoryRules,
): Record<string, UnitWarnings> {
  const out: Record<string, UnitWarnings> = {};
  for (const snapshot of snapshots) {
    out[snapshot.unit.id] = {
      stale: staleWarnings(snapshot, asOf, settings, rules),
      backdated: backdatedItems(snapshot, history.units[snapshot.unit.id]?.columnsFirstSeen ?? {}, settings, rules),
    };
  }
  return out;
}

export function staleWarnings(snapshot: UnitSnapshot, asOf: string, settings: WarningSettings, rules: CategoryRules): StaleWarning[] {
  const warnings: StaleWarning[] = [];
  for (const facts of columnFacts(snapshot.columns, rules, asOf)) {
    const { column, def: category } = facts;
    // A failed column proves nothing; an empty one is already a finding.
    if (column.status === 'failed' || column.items.length === 0) continue;
    const dates = datesNewestFirst(column, asOf);
    const newest = facts.newest?.date ?? null;
    const base = {
      column: column.key,
      name: column.name,
      url: column.url,
      category: facts.category,
      newest,
      typicalGapDays: typicalGap(dates),
    };
    if (category.judge === 'age') {
      if (!newest) continue;
      const limit = category.staleAfterDays ?? 180;
      const age = daysBetween(newest, asOf);
      // Stale when the newest item is more than `limit` days old; already stale is a finding, not a warning.
      if (age > limit) continue;
      const daysLeft = limit + 1 - age;
      if (daysLeft > settings.staleWithinDays) continue;
      const staleOn = addDays(newest, limit + 1);
      const pace = base.typicalGapDays === null ? '' : `；近期约每 ${base.typicalGapDays} 天更新一次`;
      warnings.push({
        ...base,
        staleOn,
        daysLeft,
        message: `栏目「${column.name}」最新信息日期为 ${newest}，若不更新将于 ${staleOn}（${daysLeft} 天后）超过 ${limit} 天未更新${pace}`,
      });
    } else if (category.judge === 'year') {
      const year = Number(asOf.slice(0, 4));
      if (dates.some((d) => Number(d.slice(0, 4)) === year)) continue;
      const staleOn = `${year + 1}-01-01`;
      const daysLeft = daysBetween(asOf, staleOn);
      if (daysLeft > settings.staleWithinDays) continue;
      warnings.push({
        ...base,
        staleOn,
        daysLeft,
        message: `栏目「${column.name}」${year} 年尚无信息，若年底前（${daysLeft} 天内）仍不发布，下一年度考评将判为未更新`,
      });
    }
  }
  return warnings.sort((a, b) => a.daysLeft - b.daysLeft);
}

/**
 * Items that appeared in a crawl after the column's first crawl (the baseline)
 * although they carry a date more than N days before that appearance. Items
 * seen by the baseline crawl are old stock, not late arrivals.
 */
export function backdatedItems(
  snapshot: UnitSnapshot,
  columnsFirstSeen: Record<string, string>,
  settings: WarningSettings,
  rules: CategoryRules,
): BackdatedItem[] {
  const found: BackdatedItem[] = [];
  for (const column of snapshot.columns) {
    const baseline = columnsFirstSeen[column.key];
    if (!baseline || rules.categories[categorize(column.path, rules)]?.judge === 'skip') continue;
    const baselineTime = Date.parse(baseline);
    for (const item of column.items) {
      if (!item.date || !(Date.parse(item.firstSeen) > baselineTime)) continue;
      const seenDay = todayInShanghai(new Date(item.firstSeen));
      const daysBefore = daysBetween(item.date, seenDay);
      if (daysBefore <= settings.backdatedDays) continue;
      found.push({
        column: column.key,
        title: item.title,
        url: item.url,
        date: item.date,
        firstSeen: item.firstSeen,
        daysBefore,
        message: `「${item.title}」标注日期 ${item.date}，但 ${seenDay} 才首次出现在栏目「${column.name}」中（晚 ${daysBefore} 天），可能为补发或倒签，请人工核实`,
      });
    }
  }
  return found.sort((a, b) => Date.parse(b.firstSeen) - Date.parse(a.firstSeen));
}

/** Item dates up to the as-of date, newest first (for the column's pace). */
function datesNewestFirst(column: ColumnSnapshot, asOf: string): string[] {
  return column.items
    .map((i) => i.date)
    .filter((d): d is string => d !== null && d <= asOf)
    .sort()
    .reverse();
}

/** Median gap in days between the column's recent distinct item dates (null with fewer than three dates). */
function typicalGap(datesDesc: readonly string[]): number | null {
  const distinct = [...new Set(datesDesc)].slice(0, RECENT_ITEMS_FOR_PACE);
  if (distinct.length < 3) return null;
  const gaps = distinct.slice(1).map((d, i) => daysBetween(d, distinct[i]!)).sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  return gaps.length % 2 === 1 ? gaps[mid]! : Math.round((gaps[mid - 1]! + gaps[mid]!) / 2);
}

function addDays(date: string, days: number): string {
  const t = Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
