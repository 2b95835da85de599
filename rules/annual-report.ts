import { columnRoles } from '../src/judge/column-facts.ts';
import type { SchemeSettings } from '../src/config/scheme.ts';
import type { ArticleSnapshot, ListItem } from '../src/model/snapshot.ts';
import { daysBetween } from '../src/lib/time.ts';
import { columnCategory } from './column-update.ts';
import { boilerplateShingles, compareReports } from './similarity.ts';
import { compact } from './text.ts';
import type { ColumnSnapshot, Inconclusive, RawFinding, RuleContext, RuleMeta, RuleResult, UnitSnapshot } from './types.ts';

export const meta: RuleMeta = {
  id: 'annual-report',
  indicator: '年度报告发布 / 年度报告编制质量',
  title: '政府信息公开工作年度报告',
  description:
    '测评年度的上一年度年报须在规定期限（1月31日）前发布在本单位栏目中，包括《条例》第五十条规定的内容，且不与再上一年的年报雷同。',
  codes: {
    missing: '未发布上一年度年报',
    late: '年报逾期发布',
    incomplete: '年报缺少《条例》第五十条规定的内容',
    copied: '年报与往年雷同',
  },
  artifacts: ['columns', 'annual-report-articles'],
};

type Settings = SchemeSettings['annual-report'];

/** The year an annual disclosure report is about, from its title; null when the title is not such a report. */
export function reportYearOfTitle(title: string, s: Pick<Settings, 'titleKinds' | 'titleSubjects'>): number | null {
  const t = compact(title);
  if (!s.titleKinds.some((k) => t.includes(k)) || !s.titleSubjects.some((k) => t.includes(k))) return null;
  const m = /(\d{4})年/.exec(t);
  return m ? Number(m[1]) : null;
}

/** 条例第五十条 parts the report's text and headings do not show. */
export function missingParts(
  article: Pick<ArticleSnapshot, 'text' | 'headings'>,
  s: Pick<Settings, 'requiredParts' | 'ignoreSentences'>,
): { key: string; label: string }[] {
  let text = compact([...article.headings, article.text].join('。'));
  for (const re of s.ignoreSentences) text = text.replace(new RegExp(re, 'gu'), '');
  return s.requiredParts
    .filter((part) => !part.allOf.every((re) => new RegExp(re, 'u').test(text)))
    .map(({ key, label }) => ({ key, label }));
}

interface Candidate {
  item: ListItem;
  column: ColumnSnapshot;
  article: ArticleSnapshot | undefined;
  /** 发布日期 from the article, else from the list. */
  date: string | null;
}

interface Search {
  found: Candidate[];
  /** Columns looked through: the annual-report columns, or every judged column when the unit has none. */
  searched: ColumnSnapshot[];
  /** The unit's annual-report column, where a missing report is shown. */
  home: ColumnSnapshot | undefined;
}

function findReports(snapshot: UnitSnapshot, ctx: RuleContext, year: number): Search {
  const s = ctx.scheme.settings['annual-report'];
  const roleColumns = snapshot.columns.filter((c) => columnRoles(c.path, ctx.scheme).includes('annual-report'));
  const searched = roleColumns.length
    ? roleColumns
    : snapshot.columns.filter((c) => ctx.scheme.categories[columnCategory(c, ctx)]?.judge !== 'skip');
  const seen = new Set<string>();
  const found: Candidate[] = [];
  for (const column of searched) {
    for (const item of column.items) {
      if (seen.has(item.url) || reportYearOfTitle(item.title, s) !== year) continue;
      seen.add(item.url);
      const article = snapshot.articles[item.url];
      const date = (article?.fetched ? article.published : null) ?? item.date;
      found.push({ item, column, article, date });
    }
  }
  // Earliest publication first: a report published on time and re-posted later was published on time.
  found.sort((a, b) => (a.date ?? '9999').localeCompare(b.date ?? '9999'));
  return { found, searched, home: roleColumns[0] };
}

function readable(c: Candidate, s: Settings): string | null {
  if (!c.article?.fetched) return null;
  return compact(c.article.text).length >= s.minTextChars ? c.article.text : null;
}

export function run(snapshot: UnitSnapshot, ctx: RuleContext): RuleResult {
  const s = ctx.scheme.settings['annual-report'];
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];
  const unassessed: string[] = [];
  const reportYear = ctx.year - 1;
  const deadline = `${ctx.year}-${s.deadline[snapshot.unit.type]}`;

  const current = findReports(snapshot, ctx, reportYear);
  const report = current.found[0];
  if (!report) {
    const where = current.home;
    const url = where?.url ?? snapshot.unit.url;
    if (!current.searched.length || current.searched.some((c) => c.status !== 'ok')) {
      inconclusive.push({ rule: meta.id, url, reason: `年报所在栏目未能完整读取，无法确认是否发布了${reportYear}年年报` });
    } else {
      findings.push({
        rule: meta.id,
        code: 'missing',
        url,
        ...(where ? { column: where.key } : {}),
        message: `未在本单位栏目中找到${reportYear}年政府信息公开工作年度报告（应于${deadline}前发布）`,
        observed: { reportYear, deadline, searchedColumns: current.searched.map((c) => c.key) },
        highlight: where?.name ?? snapshot.unit.name,
      });
    }
    return { findings, inconclusive, assessed: true };
  }

  const at = { rule: meta.id, url: report.item.url, column: report.column.key };
  const title = report.item.title;
  if (!report.date) {
    inconclusive.push({ ...at, codes: ['late'], reason: `${reportYear}年年报没有可认定的发布日期，无法判断是否按时发布` });
  } else if (report.date > deadline) {
    const daysLate = daysBetween(deadline, report.date);
    findings.push({
      ...at,
      code: 'late',
      message: `${reportYear}年年报发布于${report.date}，晚于规定期限${deadline}（逾期${daysLate}天）`,
      observed: { title, published: report.date, deadline, daysLate },
      highlight: report.date,
    });
  }

  const withText = current.found.find((c) => readable(c, s) !== null);
  if (!withText) {
    const fetched = current.found.some((c) => c.article?.fetched);
    inconclusive.push({
      ...at,
      codes: ['incomplete', 'copied'],
      reason: fetched
        ? `${reportYear}年年报正文过短，可能以附件或图片形式发布，无法核查内容`
        : `${reportYear}年年报页面无法读取，无法核查内容`,
    });
    return { findings, inconclusive, assessed: true };
  }

  const text = withText.article!.text;
  const lacking = missingParts(withText.article!, s);
  if (lacking.length) {
    findings.push({
      rule: meta.id,
      code: 'incomplete',
      url: withText.item.url,
      column: withText.column.key,
      message: `${reportYear}年年报缺少《条例》第五十条规定的内容：${lacking.map((p) => p.label).join('；')}`,
      observed: { title: withText.item.title, missingParts: lacking.map((p) => p.label) },
      highlight: withText.item.title,
    });
  }

  const earlier = findReports(snapshot, ctx, reportYear - 1);
  const previous = earlier.found.find((c) => readable(c, s) !== null);
  if (!earlier.found.length) {
    // Nothing to compare with: 不参与考核 for 雷同, unless the columns were not fully read.
    if (earlier.searched.some((c) => c.status !== 'ok')) {
      inconclusive.push({ ...at, codes: ['copied'], reason: `${reportYear - 1}年年报所在栏目未能完整读取，无法比对是否雷同` });
    } else {
      unassessed.push('copied');
    }
  } else if (!previous) {
    inconclusive.push({
      rule: meta.id,
      url: earlier.found[0]!.item.url,
      column: earlier.found[0]!.column.key,
      codes: ['copied'],
      reason: `${reportYear - 1}年年报正文无法读取，无法比对是否雷同`,
    });
  } else {
    const c = s.copied;
    const sim = compareReports(text, previous.article!.text, {
      size: c.shingle,
      method: c.method,
      boilerplate: boilerplateShingles(c.boilerplate, c.shingle),
    });
    if (sim.shinglesNew < c.minShingles || sim.shinglesOld < c.minShingles) {
      inconclusive.push({ ...at, codes: ['copied'], reason: '年报去掉格式固定文字后正文过短，无法比对是否雷同' });
    } else if (sim.score >= c.threshold) {
      const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
      findings.push({
        rule: meta.id,
        code: 'copied',
        url: withText.item.url,
        column: withText.column.key,
        message:
          c.method === 'containment'
            ? `${reportYear}年年报与${reportYear - 1}年年报雷同：${pct(sim.score)}的文字已见于上一年年报（阈值${pct(c.threshold)}）`
            : `${reportYear}年年报与${reportYear - 1}年年报雷同：文字相似度${pct(sim.score)}（阈值${pct(c.threshold)}）`,
        observed: {
          title: withText.item.title,
          previousTitle: previous.item.title,
          previousUrl: previous.item.url,
          similarity: Math.round(sim.score * 1000) / 1000,
          method: c.method,
          threshold: c.threshold,
          jaccard: Math.round(sim.jaccard * 1000) / 1000,
        },
        highlight: withText.item.title,
      });
    }
  }
  return { findings, inconclusive, assessed: true, ...(unassessed.length ? { unassessed } : {}) };
}

export const rule = { meta, run };
