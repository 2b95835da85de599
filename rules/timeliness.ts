import { z } from 'zod';
import { columnMatches, defineRule, type Inconclusive, type RawFinding, type RuleContext, type RuleInput } from './api.ts';
import { lateText, publishedOf, SPAN_LABELS, spanObserved } from './lib/dates.ts';
import { columnKeywords } from './lib/settings.ts';
import { clip, yearOf } from './lib/text.ts';
import { addWorkdays, workdaysBetween } from './lib/workdays.ts';

const settings = z
  .object({
    /** Columns whose documents carry a 成文日期: the regular-category document columns. */
    columns: columnKeywords(['政策文件', '规范性文件', '通知公告']),
    /** Articles read per column, newest first as the list shows them (the crawl reads no more for this rule). */
    perColumn: z.number().int().positive().default(10),
    /** 条例第二十六条: within 20 working days of being formed or changed. */
    workingDays: z.number().int().positive().default(20),
  })
  .strict();

type Settings = z.output<typeof settings>;

export default defineRule({
  meta: {
    id: 'timeliness',
    indicator: '主动公开信息及时公开（条例第二十六条）',
    title: '信息在形成之日起20个工作日内公开',
    description:
      '政策文件、规范性文件、通知公告等栏目中同时标明成文日期（或形成日期）和发布日期的文件，自成文之次日起按国务院公布的节假日和调休安排计算工作日，超过20个工作日才发布的列为问题（条例第二十六条）。只看测评年度发布的文件，每个栏目读取最新的若干篇（默认10篇，考评方案可设 perColumn）；节假日安排未知的年份无法计算，记为无法判定。',
    codes: { late: '未在20个工作日内公开' },
    settings,
    needs: (s) => [{ kind: 'articles', columns: s.columns, max: s.perColumn }],
    observed: { title: '标题', written: '成文日期', ...SPAN_LABELS },
  },
  run,
});

function run({ snapshot, columns }: RuleInput, ctx: RuleContext<Settings>) {
  const s = ctx.settings;
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];
  const seen = new Set<string>();
  let judged = 0;

  for (const { column } of columns.filter((f) => columnMatches(f.column.path, s.columns))) {
    for (const item of column.items) {
      if (seen.has(item.url)) continue;
      seen.add(item.url);
      const article = snapshot.articles[item.url];
      if (!article) continue; // beyond the articles read per column
      const at = { rule: 'timeliness', url: item.url, column: column.key };
      if (!article.fetched) {
        if (item.date && yearOf(item.date) === ctx.year) inconclusive.push({ ...at, reason: `文件“${clip(item.title)}”页面无法读取，未能核对成文日期和发布日期` });
        continue;
      }
      const published = publishedOf(item, article.published);
      const written = article.written;
      // Only a document that shows both dates can be judged; others are not this rule's matter.
      if (!published || !written || yearOf(published.date) !== ctx.year) continue;
      judged++;
      const span = workdaysBetween(written, published.date);
      if (!span) {
        inconclusive.push({ ...at, reason: `文件“${clip(item.title)}”成文于 ${written}、发布于 ${published.date}，其间有年份的国务院节假日安排未知，无法计算工作日` });
        continue;
      }
      if (span.workingDays <= s.workingDays) continue;
      const deadline = addWorkdays(written, s.workingDays);
      findings.push({
        ...at,
        code: 'late',
        message: `文件“${clip(item.title)}”成文日期 ${written}，发布日期 ${published.date}，${lateText(span, s.workingDays, deadline)}`,
        observed: { title: article.title || item.title, written, published: published.date, publishedFrom: published.from, ...spanObserved(span, s.workingDays, deadline) },
        highlight: item.title,
      });
    }
  }
  return { findings, inconclusive, assessed: judged > 0 || inconclusive.length > 0 };
}
