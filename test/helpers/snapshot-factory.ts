import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadScheme, type Scheme } from '../../src/config/scheme.ts';
import { judgeUnit, type JudgeContext } from '../../src/judge/run-rules.ts';
import type { RuleResult } from '../../src/model/judged.ts';
import type { ArticleSnapshot, ArticleTable, ColumnSnapshot, LinkRef, ListItem, Unit, UnitSnapshot } from '../../src/model/snapshot.ts';

/** Hand-made snapshots for rule and scoring tests: only what a test states differs from a clean unit. */

export const PORTAL = 'http://portal.test';
export const SCHEME_FILE = resolve(import.meta.dirname, '../../rules/schemes/yifeng-2020.yaml');
export const REALPAGES = resolve(import.meta.dirname, '../../../shared/realpages');

let cached: Scheme | undefined;
export function scheme(): Scheme {
  cached ??= loadScheme(SCHEME_FILE);
  return cached;
}

/** The judge's context for a rule test: the sample evaluation (as of 2021-01-20, year 2020) unless stated. */
export function ctx(over: Partial<JudgeContext> = {}): JudgeContext {
  return { asOf: '2021-01-20', year: 2020, scheme: scheme(), portalHosts: ['portal.test'], ...over };
}

/** One rule run through the judge stage (column facts and settings as in an audit). */
export function ruleRunner(id: string): (snap: UnitSnapshot, c?: JudgeContext) => RuleResult {
  return (snap, c = ctx()) => judgeUnit(snap, c).results[id]!;
}

/** The scheme with some settings of one rule changed (as a scheme file would set them). */
export function withSettings(id: string, settings: Record<string, unknown>, base: Scheme = scheme()): Scheme {
  return { ...base, settings: { ...base.settings, [id]: { ...base.settings[id], ...settings } } };
}

export function unit(over: Partial<Unit> = {}): Unit {
  const id = over.id ?? 'jtj';
  return { id, name: '县教育体育局', type: 'department', url: `${PORTAL}/xxgk/${id}/index.html`, ...over };
}

let seq = 0;
export function item(title: string, date: string | null, over: Partial<ListItem> = {}): ListItem {
  return {
    title,
    url: over.url ?? `${PORTAL}/art/${++seq}.html`,
    date,
    dateSource: date ? 'list' : null,
    firstSeen: '2021-01-19T20:00:00+08:00',
    ...over,
  };
}

export function column(key: string, items: ListItem[] = [], over: Partial<ColumnSnapshot> = {}): ColumnSnapshot {
  const path = key.split('/');
  return {
    key,
    name: path[path.length - 1]!,
    path,
    url: `${PORTAL}/col/${encodeURIComponent(key)}/index.html`,
    category: 'regular',
    status: 'ok',
    items,
    pages: [],
    notes: [],
    ...over,
  };
}

export function article(of: ListItem, columnKey: string, over: Partial<ArticleSnapshot> = {}): ArticleSnapshot {
  return {
    url: of.url,
    finalUrl: of.url,
    column: columnKey,
    fetched: true,
    title: of.title,
    published: of.date,
    written: null,
    source: null,
    docNumber: null,
    text: '',
    headings: [],
    links: [],
    // Read by today's crawl: scanned for personal numbers (none found).
    personalData: [],
    ...over,
  };
}

export function link(url: string, text: string, over: Partial<LinkRef> = {}): LinkRef {
  return { url, text, context: text, check: { status: 200, ok: true }, ...over };
}

export function snapshot(over: Omit<Partial<UnitSnapshot>, 'articles'> & { articles?: ArticleSnapshot[] | UnitSnapshot['articles'] } = {}): UnitSnapshot {
  const { articles, ...rest } = over;
  const u = rest.unit ?? unit();
  return {
    schemaVersion: 1,
    unit: u,
    crawlId: 'test-crawl',
    startedAt: '2021-01-20T01:00:00+08:00',
    finishedAt: '2021-01-20T01:05:00+08:00',
    status: 'ok',
    columns: [],
    failures: [],
    stats: { requests: 0, pages: 0, bytes: 0, browserRenders: 0, durationMs: 0 },
    ...rest,
    articles: Array.isArray(articles) ? Object.fromEntries(articles.map((a) => [a.url, a])) : (articles ?? {}),
  };
}

/** A real page from ../shared/realpages, or null when the folder is absent. */
export function realpage(rel: string): string | null {
  const file = resolve(REALPAGES, rel);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

export const haveRealpages = existsSync(REALPAGES);

/** The archiver's TEXT copy: its metadata lines and the body (page chrome the archiver kept removed). */
export function archivedText(raw: string): { title: string; published: string | null; source: string | null; body: string } {
  const meta = (key: string) => new RegExp(`^${key}: ?(.*)$`, 'm').exec(raw)?.[1]?.trim() || null;
  const body = raw
    .split('==================== 正文 ====================')[1]!
    .replace(/^[\s\S]*?相关链接：\s*-->/, '')
    .replace(/附件下载\s*$/, '')
    .trim();
  return { title: meta('标题') ?? '', published: meta('发布时间')?.slice(0, 10) ?? null, source: meta('发布机构'), body };
}

/** Annual report text for rule tests. */
export const INTRO =
  '本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼情况、存在的主要问题及改进情况和其他需要报告的事项等六个部分。';
export const PARTS = {
  active: '二、主动公开政府信息情况 第二十条第（一）项 信息内容 本年新制作数量 本年新公开数量 对外公开总数量 规章 0 0 0 规范性文件 3 3 41',
  requests: '三、收到和处理政府信息公开申请情况 申请人情况 自然人 法人或其他组织 总计 一、本年新收政府信息公开申请数量 4 0 4',
  review: '四、政府信息公开行政复议、行政诉讼情况 行政复议 行政诉讼 结果维持 结果纠正 其他结果 尚未审结 总计 0 0 0 0 0',
  problems: '五、存在的主要问题及改进情况 一是主动公开的深度不够；二是解读形式单一。下一步将加强培训，改进解读形式。',
};

/** Two bodies of prose that share nothing (the 2019 and the 2018 report of a unit that rewrites). */
export const PROSE_2019 =
  '2019年，县教育体育局围绕义务教育均衡发展和校园安全两项重点，公开学区划分方案、招生政策和校车线路调整信息，' +
  '在局门户栏目开设营养改善计划专题，逐月发布食堂食材采购结果，同时对全县四十三所中小学的收费项目进行集中公示，' +
  '组织校长和财务人员学习新修订条例，建立信息发布前的保密审查和三级审核机制，家长来电咨询明显减少，社会反映良好。';
export const PROSE_2018 =
  '2018年，本局把政务公开与机构改革结合起来，先后调整公开工作领导小组和联络员，重新梳理权责清单一百余项，' +
  '对体育场馆免费开放时段、全民健身器材布点和青少年足球特色学校名单进行了专题发布，' +
  '并通过局长信箱受理群众来信，对高考报名和中考体育考试的问题逐一答复，全年未发生泄密事件。';

/** A synthetic annual report: title line, the intro listing the parts, prose, and the chosen 条例第五十条 parts. */
export function reportBody(year: number, prose: string, parts: (keyof typeof PARTS)[] = ['active', 'requests', 'review', 'problems']): string {
  return [`${year}年县教育体育局政府信息公开工作年度报告`, INTRO, `一、总体情况 ${prose}`, ...parts.map((p) => PARTS[p])].join(' ');
}

/** A table cell as markup writes it. */
interface TableCell {
  text: string;
  rowspan?: number;
  colspan?: number;
}
const cells = (...texts: (string | number)[]): TableCell[] => texts.map((t) => ({ text: String(t) }));

/** Rows as markup writes them (a spanning cell once) as the parser records them: each spanning cell in every place it covers. */
export function spreadSpans(rows: TableCell[][]): ArticleTable {
  const out: string[][] = [];
  rows.forEach((row, r) => {
    out[r] ??= [];
    let c = 0;
    for (const cell of row) {
      while (out[r]![c] !== undefined) c++;
      for (let i = 0; i < (cell.rowspan ?? 1); i++) for (let j = 0; j < (cell.colspan ?? 1); j++) (out[r + i] ??= [])[c + j] = cell.text;
      c += cell.colspan ?? 1;
    }
  });
  return { rows: out.map((row) => Array.from(row, (t) => t ?? '')) };
}

/**
 * A report's two statistics tables as the crawl records them (2019/2021 national format), balanced unless told:
 * `applications` new requests of 自然人, all answered; the （七）总计 row and the 行政复议 total as given.
 */
export function reportTables(o: { applications?: number; total?: number; reviewTotal?: number; blankTotal?: boolean } = {}): ArticleTable[] {
  const n = o.applications ?? 4;
  const total = o.blankTotal ? '' : (o.total ?? n);
  const seven = (v: number | string) => cells(v, 0, 0, 0, 0, 0, v);
  const application = spreadSpans([
      [{ text: '（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）', rowspan: 3, colspan: 3 }, { text: '申请人情况', colspan: 7 }],
      [{ text: '自然人', rowspan: 2 }, { text: '法人或其他组织', colspan: 5 }, { text: '总计', rowspan: 2 }],
      cells('商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他'),
      [{ text: '一、本年新收政府信息公开申请数量', colspan: 3 }, ...seven(n)],
      [{ text: '二、上年结转政府信息公开申请数量', colspan: 3 }, ...seven(0)],
      [{ text: '三、本年度办理结果', rowspan: 2 }, { text: '（一）予以公开', colspan: 2 }, ...seven(n)],
      [{ text: '（七）总计', colspan: 2 }, ...seven(total)],
      [{ text: '四、结转下年度继续办理', colspan: 3 }, ...seven(0)],
  ]);
  const five = ['结果维持', '结果纠正', '其他结果', '尚未审结', '总计'];
  const review = spreadSpans([
      [{ text: '行政复议', colspan: 5 }, { text: '行政诉讼', colspan: 10 }],
      [...five.map((t) => ({ text: t, rowspan: 2 })), { text: '未经复议直接起诉', colspan: 5 }, { text: '复议后起诉', colspan: 5 }],
      cells(...five, ...five),
      cells(0, 0, 0, 0, o.reviewTotal ?? 0, ...Array<number>(10).fill(0)),
  ]);
  return [application, review];
}
