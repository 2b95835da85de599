import { categorize } from '../src/judge/column-facts.ts';
import type { ListItem } from '../src/model/snapshot.ts';
import { daysBetween } from '../src/lib/time.ts';
import { yearOf } from './text.ts';
import type { ColumnSnapshot, Inconclusive, RawFinding, RuleContext, RuleMeta, RuleResult, UnitSnapshot } from './types.ts';

export const meta: RuleMeta = {
  id: 'column-update',
  indicator: '平台栏目更新',
  title: '栏目及时更新',
  description:
    '单位名下每个栏目按类别判断是否及时更新：常规类最新信息不得超过规定天数，年度类须有测评年度的信息，静态类只看是否空白，新闻动态类不作为政府信息、不判断。没有发布日期的信息不算更新。',
  codes: { stale: '栏目未及时更新', empty: '空白栏目' },
  artifacts: ['columns'],
};

/**
 * The newest dated item published on or before `asOf`, over all items: a
 * pinned (置顶) old item neither hides newer ones nor counts as fresh.
 * Items dated after `asOf` did not exist yet on the evaluation date.
 */
export function newestDated(items: readonly ListItem[], asOf?: string): ListItem | null {
  let newest: ListItem | null = null;
  for (const item of items) {
    if (!item.date || (asOf !== undefined && item.date > asOf)) continue;
    if (!newest || item.date > newest.date!) newest = item;
  }
  return newest;
}

/** A column's category as the rules judge it: per-unit override, else the scheme's keyword map. */
export function columnCategory(column: ColumnSnapshot, ctx: Pick<RuleContext, 'scheme' | 'columnOverrides'>): string {
  const category = categorize(column.path, ctx.scheme, ctx.columnOverrides);
  return ctx.scheme.categories[category] ? category : ctx.scheme.defaultCategory;
}

/** An empty column that only groups sub-columns (法规文件 › 规范性文件) has no list of its own. */
function isEmptyGroup(column: ColumnSnapshot, all: readonly ColumnSnapshot[]): boolean {
  return column.items.length === 0 && all.some((c) => c !== column && c.key.startsWith(`${column.key}/`));
}

export function run(snapshot: UnitSnapshot, ctx: RuleContext): RuleResult {
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];
  const inconclusiveAbout = (column: ColumnSnapshot, reason: string) =>
    inconclusive.push({ rule: meta.id, url: column.url, column: column.key, reason });

  let judged = 0;
  for (const column of snapshot.columns) {
    const category = columnCategory(column, ctx);
    const def = ctx.scheme.categories[category]!;
    if (def.judge === 'skip' || isEmptyGroup(column, snapshot.columns)) continue;
    judged++;
    const name = column.key;
    const base = { rule: meta.id, url: column.url, column: column.key };
    const observedBase = { category, categoryLabel: def.label, items: column.items.length, listStatus: column.status };

    if (column.status === 'failed') {
      inconclusiveAbout(column, `栏目“${name}”列表页无法读取，不能判断是否更新`);
      continue;
    }
    if (column.items.length === 0) {
      if (column.status === 'partial') inconclusiveAbout(column, `栏目“${name}”部分列表页读取失败，已读页面中没有信息`);
      else findings.push({ ...base, code: 'empty', message: `栏目“${name}”为空白栏目，没有任何信息`, observed: observedBase, highlight: column.name });
      continue;
    }
    if (def.judge === 'never') continue;

    const newest = newestDated(column.items, ctx.asOf);
    const days = newest ? daysBetween(newest.date!, ctx.asOf) : null;
    const fresh =
      newest !== null && (def.judge === 'age' ? days! <= def.staleAfterDays! : yearOf(newest.date!) >= ctx.year);
    if (fresh) continue;
    if (column.status === 'partial') {
      inconclusiveAbout(column, `栏目“${name}”部分列表页读取失败，已读页面中没有近期信息`);
      continue;
    }

    const undated = column.items.filter((i) => !i.date).length;
    const rule = def.judge === 'age' ? `超过 ${def.staleAfterDays} 天未更新` : `没有 ${ctx.year} 年及以后发布的信息`;
    const message = newest
      ? `栏目“${name}”最新信息发布于 ${newest.date}，距测评基准日 ${ctx.asOf} 已 ${days} 天，${rule}`
      : `栏目“${name}”共 ${column.items.length} 条信息，均无可认定的发布日期，不算更新（${rule}）`;
    findings.push({
      ...base,
      code: 'stale',
      message,
      observed: {
        ...observedBase,
        ...(def.judge === 'age' ? { staleAfterDays: def.staleAfterDays } : { requiredYear: ctx.year }),
        newestTitle: newest?.title ?? null,
        newestDate: newest?.date ?? null,
        newestUrl: newest?.url ?? null,
        daysSince: days,
        ...(undated ? { undated } : {}),
      },
      highlight: newest?.title ?? column.name,
    });
  }

  if (judged === 0) {
    inconclusive.push({ rule: meta.id, url: snapshot.unit.url, reason: '未发现需要判断更新的栏目，可能是栏目树未能识别' });
  }
  return { findings, inconclusive, assessed: true };
}

export const rule = { meta, run };
