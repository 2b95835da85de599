import { z } from 'zod';
import type { ArticleSnapshot, ListItem } from '../src/model/snapshot.ts';
import { columnMatches, defineRule, type ColumnSnapshot, type Inconclusive, type RawFinding, type RuleContext, type RuleInput } from './api.ts';
import { closingDate, lateText, publishedOf, SPAN_LABELS, spanObserved } from './lib/dates.ts';
import { columnKeywords, regexString } from './lib/settings.ts';
import { clip, yearOf } from './lib/text.ts';
import { addWorkdays, workdaysBetween } from './lib/workdays.ts';

const settings = z
  .object({
    /** The 建议提案 column (人大代表建议和政协委员提案办理), by name. */
    columns: columnKeywords(['建议提案', '提案', '代表建议', '人大建议']),
    /** A reply's title contains one of these (其他条目 such as 办理工作总结 are not replies). */
    replyTitles: z.array(z.string().min(1)).min(1).default(['答复', '复函', '回复']),
    /** A statement that the unit had no proposals to handle (the seed: 未有建议提案的做出说明). */
    noneStatements: z
      .array(regexString)
      .default(['(?:无|没有|未)(?:收到|承办|接到|承接|涉及|有)?(?:县|市)?(?:人大代表|人大|政协委员|政协)?的?(?:建议|提案)(?:和|及|、|与)?(?:县|市)?(?:政协委员|政协)?的?(?:建议|提案)?']),
    /** 复函自签发之日起10个工作日内向社会公开. */
    workingDays: z.number().int().positive().default(10),
    /** Articles read per 建议提案 column. */
    perColumn: z.number().int().positive().default(100),
  })
  .strict();

type Settings = z.output<typeof settings>;

export default defineRule({
  meta: {
    id: 'proposal-column',
    indicator: '建议提案公开',
    title: '建议提案公开子栏目及复函及时公开',
    description:
      '部门须在信息公开专栏设置建议提案公开子栏目；人大代表建议和政协委员提案的复函自签发之日起10个工作日内公开（按国务院公布的节假日和调休安排计算工作日，签发日期取复函页面标明的签发/成文日期，或复函落款日期）。栏目中说明本年度没有建议提案的，复函一项不参与考核（得平均分）；页面未能读取的记为无法判定。',
    codes: { missing: '未设置建议提案公开栏目', late: '复函未在10个工作日内公开' },
    settings,
    needs: (s) => [{ kind: 'articles', columns: s.columns, columnPage: true, max: s.perColumn }],
    observed: {
      columns: '栏目数',
      searched: '查找的栏目名称',
      title: '标题',
      signed: '签发日期',
      signedFrom: '签发日期取自',
      ...SPAN_LABELS,
    },
  },
  run,
});

/** Characters of a statement's sentence looked at (a flattened table can make one very long "sentence"). */
const SENTENCE_MAX = 200;
const SENTENCE_END = /[。！？!?；;\n]/u;

/** The year a statement speaks of: the last year named before it in its sentence, else `fallback`. */
function statementYear(sentence: string, at: number, fallback: number | null): number | null {
  const years = [...sentence.slice(0, at).matchAll(/(\d{4})\s*年/gu)];
  return years.length ? Number(years[years.length - 1]![1]) : fallback;
}

/** A "本年度无建议提案" sentence about `year` in the texts, or null. */
export function noneStatement(texts: readonly string[], patterns: readonly RegExp[], year: number, fallbackYear: number | null): string | null {
  for (const text of texts) {
    for (const raw of text.split(SENTENCE_END)) {
      const sentence = raw.trim().slice(0, SENTENCE_MAX);
      for (const re of patterns) {
        const m = re.exec(sentence);
        if (m && statementYear(sentence, m.index, fallbackYear) === year) return clip(sentence, 60);
      }
    }
  }
  return null;
}

/** The date a reply was signed: the page's 签发日期/成文日期, else the date under the letter's signature. */
function signedOf(article: ArticleSnapshot): { date: string; from: string } | null {
  if (article.written) return { date: article.written, from: '页面标注的签发（成文）日期' };
  const closing = closingDate(article.text);
  return closing ? { date: closing, from: '复函落款' } : null;
}

function run({ snapshot, columns: facts }: RuleInput, ctx: RuleContext<Settings>) {
  const s = ctx.settings;
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];
  const columns = facts.filter((f) => !f.group && columnMatches(f.column.path, s.columns)).map((f) => f.column);
  const unitAt = { rule: 'proposal-column', url: snapshot.unit.url };

  if (!columns.length) {
    if (snapshot.status !== 'ok') {
      inconclusive.push({ ...unitAt, reason: '部分页面未能读取，无法确认是否设置了建议提案公开栏目' });
      return { findings, inconclusive, assessed: true };
    }
    findings.push({
      ...unitAt,
      code: 'missing',
      message: `单位信息公开目录的 ${facts.length} 个栏目中没有建议提案公开栏目（应设置建议提案公开子栏目）`,
      observed: { columns: facts.length, searched: s.columns },
    });
    inconclusive.push({ ...unitAt, codes: ['late'], reason: `没有建议提案公开栏目，无法核查复函是否在${s.workingDays}个工作日内公开` });
    return { findings, inconclusive, assessed: true };
  }

  const patterns = s.noneStatements.map((p) => new RegExp(p, 'u'));
  let replies = 0;
  let checked = 0;
  let statement: string | null = null;
  const seen = new Set<string>();

  for (const column of columns) {
    if (column.status !== 'ok') {
      inconclusive.push({ rule: 'proposal-column', url: column.url, column: column.key, codes: ['late'], reason: `建议提案栏目“${column.key}”未能完整读取，可能漏看部分复函` });
    }
    // The column's own page (kept as content): a statement there must name its year.
    const page = snapshot.articles[column.url];
    if (page?.fetched) statement ??= noneStatement([page.text], patterns, ctx.year, null);
    for (const item of column.items) {
      if (seen.has(item.url)) continue;
      seen.add(item.url);
      const article = snapshot.articles[item.url];
      const read = article?.fetched ? article : null;
      const published = publishedOf(item, read?.published ?? null);
      statement ??= noneStatement([item.title, read?.text ?? ''], patterns, ctx.year, published ? yearOf(published.date) : null);
      if (!s.replyTitles.some((k) => item.title.includes(k)) || !published || yearOf(published.date) !== ctx.year) continue;
      replies++;
      const r = judgeReply(item, column, read, published, s);
      if (r === 'undated') continue;
      checked++;
      if (r === null) continue;
      if ('reason' in r) inconclusive.push(r);
      else findings.push(r);
    }
  }

  if (replies === 0) {
    // 未有建议提案的做出说明: a unit that said so has no replies to judge (the average); one that did not cannot be judged.
    if (statement) return { findings, inconclusive, assessed: true, unassessed: ['late'] };
    inconclusive.push({
      ...unitAt,
      url: columns[0]!.url,
      column: columns[0]!.key,
      codes: ['late'],
      reason: `建议提案栏目中没有 ${ctx.year} 年发布的复函，也没有“本年度无建议提案”的说明，无法核查复函公开时限，需人工核实`,
    });
  } else if (checked === 0) {
    inconclusive.push({ ...unitAt, url: columns[0]!.url, column: columns[0]!.key, codes: ['late'], reason: `${ctx.year} 年的 ${replies} 件复函均未标明签发日期，无法核查是否在${s.workingDays}个工作日内公开` });
  }
  return { findings, inconclusive, assessed: true };
}

/** One reply: late (a finding), on time (null), not judgeable (inconclusive), or without a signing date. */
function judgeReply(
  item: ListItem,
  column: ColumnSnapshot,
  article: ArticleSnapshot | null,
  published: NonNullable<ReturnType<typeof publishedOf>>,
  s: Settings,
): RawFinding | Inconclusive | 'undated' | null {
  const at = { rule: 'proposal-column', url: item.url, column: column.key };
  if (!article) return { ...at, codes: ['late'], reason: `复函“${clip(item.title)}”页面未能读取，无法核对签发日期` };
  const signed = signedOf(article);
  // A "signing date" after publication is some other date of the text.
  if (!signed || signed.date > published.date) return 'undated';
  const span = workdaysBetween(signed.date, published.date);
  if (!span) return { ...at, codes: ['late'], reason: `复函“${clip(item.title)}”签发于 ${signed.date}、发布于 ${published.date}，其间有年份的国务院节假日安排未知，无法计算工作日` };
  if (span.workingDays <= s.workingDays) return null;
  const deadline = addWorkdays(signed.date, s.workingDays);
  return {
    ...at,
    code: 'late',
    message: `复函“${clip(item.title)}”签发日期 ${signed.date}，发布日期 ${published.date}，${lateText(span, s.workingDays, deadline)}`,
    observed: {
      title: article.title || item.title,
      signed: signed.date,
      signedFrom: signed.from,
      published: published.date,
      publishedFrom: published.from,
      ...spanObserved(span, s.workingDays, deadline),
    },
    highlight: item.title,
  };
}
