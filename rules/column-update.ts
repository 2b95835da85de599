import { z } from 'zod';
import { daysBetween } from '../src/lib/time.ts';
import { defineRule, type ColumnFacts, type Inconclusive, type RawFinding } from './api.ts';
import { yearOf } from './lib/text.ts';

export default defineRule({
  meta: {
    id: 'column-update',
    indicator: '平台栏目更新',
    title: '栏目及时更新',
    description:
      '单位名下每个栏目按类别判断是否及时更新：常规类最新信息不得超过规定天数，年度类须有测评年度的信息，静态类只看是否空白，新闻动态类不作为政府信息、不判断。没有发布日期的信息不算更新。',
    codes: { stale: '栏目未及时更新', empty: '空白栏目' },
    // The categories (what is stale when) are the scheme's `categories`, shared with the report's column overview.
    settings: z.object({}).strict(),
    needs: () => [{ kind: 'item-dates' }],
    observed: {
      categoryLabel: '栏目类别',
      items: '信息条数',
      staleAfterDays: '更新时限（天）',
      requiredYear: '应有信息年份',
      newestTitle: '最新信息标题',
      newestDate: '最新信息日期',
      newestUrl: '最新信息网址',
      daysSince: '距最新信息天数',
      undated: '无日期信息条数',
    },
  },

  run({ snapshot, columns }, ctx) {
    const findings: RawFinding[] = [];
    const inconclusive: Inconclusive[] = [];
    const inconclusiveAbout = ({ column }: ColumnFacts, reason: string) =>
      inconclusive.push({ rule: 'column-update', url: column.url, column: column.key, reason });

    let judged = 0;
    for (const facts of columns) {
      const { column, def, category, newest } = facts;
      if (!facts.judged || facts.group) continue;
      judged++;
      const name = column.key;
      const base = { rule: 'column-update', url: column.url, column: column.key };
      const observedBase = { category, categoryLabel: def.label, items: column.items.length, listStatus: column.status };

      if (column.status === 'failed') {
        inconclusiveAbout(facts, `栏目“${name}”列表页无法读取，不能判断是否更新`);
        continue;
      }
      if (column.items.length === 0) {
        if (column.status === 'partial') inconclusiveAbout(facts, `栏目“${name}”部分列表页读取失败，已读页面中没有信息`);
        else findings.push({ ...base, code: 'empty', message: `栏目“${name}”为空白栏目，没有任何信息`, observed: observedBase, highlight: column.name });
        continue;
      }
      if (def.judge === 'never') continue;

      const days = newest ? daysBetween(newest.date!, ctx.asOf) : null;
      const fresh = newest !== null && (def.judge === 'age' ? days! <= def.staleAfterDays! : yearOf(newest.date!) >= ctx.year);
      if (fresh) continue;
      if (column.status === 'partial') {
        inconclusiveAbout(facts, `栏目“${name}”部分列表页读取失败，已读页面中没有近期信息`);
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
      inconclusive.push({ rule: 'column-update', url: snapshot.unit.url, reason: '未发现需要判断更新的栏目，可能是栏目树未能识别' });
    }
    return { findings, inconclusive, assessed: true };
  },
});
