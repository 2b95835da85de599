import { z } from 'zod';
import { daysBetween } from '../src/lib/time.ts';
import { columnMatches, defineRule, type ColumnFacts, type ColumnSnapshot, type Inconclusive, type ListItem, type RawFinding, type RuleInput } from './api.ts';
import type { ArticleSnapshot } from '../src/model/snapshot.ts';
import { REPORT_TEMPLATE_TEXT } from './lib/report-template.ts';
import { checkReportTables } from './lib/report-tables.ts';
import { monthDay, regexString, columnKeywords } from './lib/settings.ts';
import { boilerplateShingles, compareReports } from './lib/similarity.ts';
import { compact } from './lib/text.ts';

const settings = z
  .object({
    /** Where the unit publishes its reports; absent such a column, every judged column is searched. */
    columns: columnKeywords(['年度报告', '年报']),
    /** Deadline (MM-DD of the evaluation year) per unit type (条例第四十九条: 1月31日). */
    deadline: z.object({ department: monthDay, town: monthDay, farm: monthDay }).strict().default({ department: '01-31', town: '01-31', farm: '01-31' }),
    /** A title is a report when it names one of these kinds… */
    titleKinds: z.array(z.string()).min(1).default(['年度报告', '工作报告', '年报']),
    /** …and, when it says 工作报告, one of these subjects (so 法治政府建设工作报告 is not taken). */
    titleSubjects: z.array(z.string()).min(1).default(['信息公开', '政务公开']),
    /**
     * 条例第五十条 parts (and 2008 第三十二条); a part is present when every regex of `allOf` matches the
     * report's compacted text or headings. The old formats' wording (2011–2018) counts too.
     */
    requiredParts: z
      .array(z.object({ key: z.string(), label: z.string(), allOf: z.array(regexString).min(1) }).strict())
      .min(1)
      .default([
        { key: 'active', label: '主动公开政府信息情况', allOf: ['主动公开(政府)?信息(的)?(情况|数量|主要类别|主要形式)|第二十条第\\(一\\)项'] },
        {
          key: 'requests',
          label: '收到和处理政府信息公开申请情况',
          allOf: ['收到和处理政府信息公开申请|依申请公开[^。]{0,20}情况|依申请公开[^。]{0,6}办理|政府信息公开申请(的)?(情况|办理)|本年新收政府信息公开申请'],
        },
        // These two need a heading (四、…行政复议、行政诉讼情况) or the statistics table: a passing
        // "未发生…行政复议和行政诉讼" in the prose is not the part.
        {
          key: 'review',
          label: '政府信息公开行政复议、行政诉讼情况',
          allOf: ['[一二三四五六七八九十][、.)][^。]{0,20}行政复议[^。]{0,12}行政诉讼|行政复议数.{0,20}行政诉讼数|结果维持结果纠正其他结果尚未审结'],
        },
        { key: 'problems', label: '存在的主要问题及改进情况', allOf: ['[一二三四五六七八九十][、.)][^。]{0,20}(问题|不足)[^。]{0,12}(改进|整改|措施)'] },
      ]),
    /** Sentences that only list the report's parts (本报告包括…六个部分) and must not count as the parts. */
    ignoreSentences: z.array(regexString).default(['(本(年度)?报告|全文)(由|包括|主要包括|共分为?|分为|共有)[^。]*。?']),
    /** A body shorter than this (characters, no whitespace) is not the report's text (PDF or image only): content checks are inconclusive. */
    minTextChars: z.number().int().nonnegative().default(150),
    copied: z
      .object({
        method: z.enum(['jaccard', 'containment']).default('containment'),
        shingle: z.number().int().min(2).max(10).default(4),
        threshold: z.number().gt(0).max(1).default(0.7),
        /** Fewer distinct shingles than this (after the template text) → too short to compare: inconclusive. */
        minShingles: z.number().int().nonnegative().default(60),
        /** Fixed text of the national templates, ignored when comparing. */
        boilerplate: z.array(z.string()).default(REPORT_TEMPLATE_TEXT),
        /** How the threshold was chosen (a record kept beside it). */
        calibration: z.array(z.string()).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

type Settings = z.output<typeof settings>;

export default defineRule({
  meta: {
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
      inconsistent: '年报统计表数据前后不一致',
    },
    settings,
    // Report items are those whose title names the column's kind (年度报告/年报); a column without such titles is read whole.
    needs: (s) => [{ kind: 'articles', columns: s.columns, titles: s.columns, fallbackToAll: true }],
    observed: {
      reportYear: '年报年度',
      deadline: '发布期限',
      searchedColumns: '已查找栏目',
      title: '标题',
      published: '发布日期',
      daysLate: '逾期天数',
      missingParts: '缺少内容',
      previousTitle: '上年年报标题',
      previousUrl: '上年年报网址',
      similarity: '相似度',
      threshold: '雷同阈值',
      mismatches: '不一致之处',
    },
  },
  run,
});

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

function findReports({ snapshot, columns }: RuleInput, s: Settings, year: number): Search {
  const roleColumns = columns.filter((f) => columnMatches(f.column.path, s.columns)).map((f) => f.column);
  const searched = roleColumns.length ? roleColumns : columns.filter((f: ColumnFacts) => f.judged).map((f) => f.column);
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

/**
 * `inconsistent`: the report's two statistics tables add up (rules/lib/report-tables.ts).
 * Only a sum that fails with every cell a number is a finding; a table not
 * found, not mapped, or failing only through a blank cell is inconclusive.
 */
function tableFindings(c: Candidate, reportYear: number, lacking: ReadonlySet<string>): { findings: RawFinding[]; inconclusive: Inconclusive[] } {
  const at = { rule: 'annual-report', url: c.item.url, column: c.column.key, codes: ['inconsistent'] };
  const tables = c.article!.tables;
  if (tables === undefined) {
    return { findings: [], inconclusive: [{ ...at, reason: `${reportYear}年年报取自旧快照（当时未记录表格），无法核对统计表` }] };
  }
  const checked = checkReportTables(tables);
  const sums = [...(checked.application ?? []), ...(checked.review ?? [])];
  const wrong = sums.filter((x) => x.holds === false);
  if (wrong.length) {
    const mismatches = wrong.map((x) => `${x.where}：${x.detail}`);
    return {
      findings: [
        {
          rule: 'annual-report',
          code: 'inconsistent',
          url: c.item.url,
          column: c.column.key,
          message: `${reportYear}年年报统计表数据前后不一致：${mismatches[0]}${wrong.length > 1 ? `（共 ${wrong.length} 处）` : ''}`,
          observed: { title: c.item.title, mismatches },
          highlight: wrong[0]!.where.startsWith('行政复议') ? '行政复议' : '本年新收',
        },
      ],
      inconclusive: [],
    };
  }
  const doubts = [
    ...checked.unmapped,
    // A part the report lacks altogether is `incomplete`, not a table that could not be read.
    ...(checked.application || lacking.has('requests') || checked.unmapped.some((u) => u.startsWith('申请')) ? [] : ['未找到可逐格读取的收到和处理政府信息公开申请情况表']),
    ...(checked.review || lacking.has('review') || checked.unmapped.some((u) => u.startsWith('行政')) ? [] : ['未找到可逐格读取的行政复议、行政诉讼情况表']),
    ...sums.filter((x) => x.holds === null).map((x) => `${x.where}有空白单元格，按0计算不相符（${x.detail}）`),
  ];
  if (!doubts.length) return { findings: [], inconclusive: [] };
  return { findings: [], inconclusive: [{ ...at, reason: `${reportYear}年年报统计表无法完整核对：${doubts.join('；')}` }] };
}

function run(input: RuleInput, ctx: { year: number; settings: Settings }) {
  const { snapshot } = input;
  const s = ctx.settings;
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];
  const unassessed: string[] = [];
  const reportYear = ctx.year - 1;
  const deadline = `${ctx.year}-${s.deadline[snapshot.unit.type]}`;

  const current = findReports(input, s, reportYear);
  const report = current.found[0];
  if (!report) {
    const where = current.home;
    const url = where?.url ?? snapshot.unit.url;
    if (!current.searched.length || current.searched.some((c) => c.status !== 'ok')) {
      inconclusive.push({ rule: 'annual-report', url, reason: `年报所在栏目未能完整读取，无法确认是否发布了${reportYear}年年报` });
    } else {
      findings.push({
        rule: 'annual-report',
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

  const at = { rule: 'annual-report', url: report.item.url, column: report.column.key };
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
      codes: ['incomplete', 'copied', 'inconsistent'],
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
      rule: 'annual-report',
      code: 'incomplete',
      url: withText.item.url,
      column: withText.column.key,
      message: `${reportYear}年年报缺少《条例》第五十条规定的内容：${lacking.map((p) => p.label).join('；')}`,
      observed: { title: withText.item.title, missingParts: lacking.map((p) => p.label) },
      highlight: withText.item.title,
    });
  }

  const tables = tableFindings(withText, reportYear, new Set(lacking.map((p) => p.key)));
  findings.push(...tables.findings);
  inconclusive.push(...tables.inconclusive);

  const earlier = findReports(input, s, reportYear - 1);
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
      rule: 'annual-report',
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
        rule: 'annual-report',
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

