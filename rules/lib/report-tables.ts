import type { ArticleTable } from '../../src/model/snapshot.ts';
import { compact } from './text.ts';

/**
 * The two statistics tables of the national annual-report formats (2019 and
 * 2021: the same two tables, the same 勾稽关系) read from an article's tables
 * (ArticleSnapshot.tables: rows of cells, a spanning cell in every place it covers), and their sums:
 *
 * - 收到和处理政府信息公开申请情况: per applicant column (自然人, the five kinds of
 *   法人或其他组织, 总计), 一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理;
 * - 政府信息公开行政复议、行政诉讼情况: in each of 行政复议, 未经复议直接起诉 and
 *   复议后起诉, 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计.
 *
 * A table is used only when every row and column the check needs is found by
 * its label, once; anything else is "not mapped" (the caller's inconclusive),
 * never a guess. A blank cell may mean 0 (many reports leave zeros blank), so
 * a sum that holds with blanks as 0 is consistent, and one that fails only
 * with a blank in it cannot be judged.
 */

/** A cell's number: a count, blank (null), or something else (undefined: not a number). */
function value(text: string): number | null | undefined {
  const t = compact(text);
  if (t === '' || /^[-—–/／]+$/u.test(t)) return null;
  return /^\d{1,9}$/u.test(t) ? Number(t) : undefined;
}

/** A table as a rectangle (the parser gives rows of cells, spans spread out); null for a definition list or one too large. */
function grid(t: ArticleTable, maxRows = 200, maxCols = 60): string[][] | null {
  if (t.kind === 'dl' || t.rows.length > maxRows) return null;
  const width = Math.max(0, ...t.rows.map((row) => row.length));
  if (width > maxCols) return null;
  return t.rows.map((row) => Array.from({ length: width }, (_, j) => row[j] ?? ''));
}

/** Distinct texts down a column over the header rows, top first (a spanned header counts once). */
function headerPath(g: string[][], col: number, rows: number): string[] {
  const path: string[] = [];
  for (let r = 0; r < rows; r++) {
    const t = compact(g[r]![col]!);
    if (t && path[path.length - 1] !== t) path.push(t);
  }
  return path;
}

const APPLICANTS = ['自然人', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他', '总计'] as const;
const APPLICATION_ROWS = {
  new: /本年新收/u,
  carried: /上年结转/u,
  total: /^(?:三、本年度办理结果)?[（(]七[)）]总计$/u,
  next: /结转下年度/u,
} as const;
const RESULTS = ['结果维持', '结果纠正', '其他结果', '尚未审结', '总计'] as const;
const REVIEW_GROUPS = [
  { key: 'review', label: '行政复议' },
  { key: 'direct', label: '行政诉讼（未经复议直接起诉）' },
  { key: 'after', label: '行政诉讼（复议后起诉）' },
] as const;

export interface SumCheck {
  /** Which table and column or group, in the office's words. */
  where: string;
  /** The sum as written, e.g. `本年新收 12 + 上年结转 0 = 12，办理结果总计 10 + 结转下年度 0 = 10`. */
  detail: string;
  /** true: holds; false: does not, with no blank involved; null: fails only with a blank cell in it. */
  holds: boolean | null;
}

export interface TableChecks {
  /** Each table found and mapped, with its sums; absent when the table was not found or not mapped. */
  application?: SumCheck[];
  review?: SumCheck[];
  /** Why a table that seems to be there could not be mapped (Chinese). */
  unmapped: string[];
}

function judge(left: (number | null)[], right: (number | null)[]): boolean | null {
  const sum = (xs: (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);
  if (sum(left) === sum(right)) return true;
  return [...left, ...right].some((x) => x === null) ? null : false;
}

const show = (x: number | null) => (x === null ? '空白' : String(x));

/** The first row (below the header) whose label cells, joined, match; the label is what stands left of `firstData`. */
function labelOf(row: string[], firstData: number): string {
  const parts: string[] = [];
  for (let j = 0; j < firstData; j++) {
    const t = compact(row[j]!);
    if (t && parts[parts.length - 1] !== t) parts.push(t);
  }
  return parts.join('');
}

function applicationChecks(g: string[][]): SumCheck[] | string {
  const newRow = g.findIndex((row) => row.some((c) => APPLICATION_ROWS.new.test(compact(c))));
  if (newRow < 1) return '申请情况表的表头无法识别';
  const cols = APPLICANTS.map((name) => {
    const found = g[0]!.map((_, j) => j).filter((j) => headerPath(g, j, newRow).at(-1) === name);
    return found.length === 1 ? found[0]! : -1;
  });
  if (cols.some((c) => c < 0)) return '申请情况表的申请人列（自然人、法人或其他组织、总计）无法逐列识别';
  const firstData = Math.min(...cols);
  const rows: Partial<Record<keyof typeof APPLICATION_ROWS, number>> = {};
  for (const [key, re] of Object.entries(APPLICATION_ROWS) as [keyof typeof APPLICATION_ROWS, RegExp][]) {
    const found = g.map((row, i) => (i >= newRow && re.test(labelOf(row, firstData)) ? i : -1)).filter((i) => i >= 0);
    if (found.length !== 1) return `申请情况表中“${{ new: '本年新收', carried: '上年结转', total: '（七）总计', next: '结转下年度继续办理' }[key]}”一行无法唯一识别`;
    rows[key] = found[0]!;
  }
  const checks: SumCheck[] = [];
  for (const [i, col] of cols.entries()) {
    const [a, b, c, d] = (['new', 'carried', 'total', 'next'] as const).map((k) => value(g[rows[k]!]![col]!));
    if ([a, b, c, d].some((x) => x === undefined)) return `申请情况表“${APPLICANTS[i]}”列有不是数字的内容`;
    const holds = judge([a!, b!], [c!, d!]);
    checks.push({
      where: `收到和处理政府信息公开申请情况表“${APPLICANTS[i]}”列`,
      detail: `本年新收 ${show(a!)} + 上年结转 ${show(b!)}，办理结果总计 ${show(c!)} + 结转下年度继续办理 ${show(d!)}`,
      holds,
    });
  }
  return checks;
}

function reviewChecks(g: string[][]): SumCheck[] | string {
  // The data row: the first row below the headers whose cells are all numbers or blank.
  const dataRow = g.findIndex((row, i) => i > 0 && row.every((c) => value(c) !== undefined) && row.some((c) => value(c) !== null));
  const blankRow = g.findIndex((row, i) => i > 0 && row.every((c) => value(c) === null));
  const at = dataRow >= 0 ? dataRow : blankRow;
  if (at < 1) return '行政复议、行政诉讼情况表的数据行无法识别';
  const groupOf = (path: string[]) =>
    path.includes('未经复议直接起诉') ? 'direct' : path.includes('复议后起诉') ? 'after' : path.includes('行政复议') ? 'review' : null;
  const checks: SumCheck[] = [];
  for (const group of REVIEW_GROUPS) {
    const cols = RESULTS.map((name) => {
      const found = g[0]!.map((_, j) => j).filter((j) => {
        const path = headerPath(g, j, at);
        return groupOf(path) === group.key && path.at(-1) === name;
      });
      return found.length === 1 ? found[0]! : -1;
    });
    if (cols.some((c) => c < 0)) return `行政复议、行政诉讼情况表“${group.label}”的各列无法逐列识别`;
    const vals = cols.map((c) => value(g[at]![c]!)) as (number | null)[];
    const parts = vals.slice(0, 4);
    checks.push({
      where: `行政复议、行政诉讼情况表“${group.label}”`,
      detail: `${RESULTS.slice(0, 4).map((n, i) => `${n} ${show(parts[i]!)}`).join(' + ')}，总计 ${show(vals[4]!)}`,
      holds: judge(parts, [vals[4]!]),
    });
  }
  return checks;
}

/** Finds and checks the two tables among an article's tables. */
export function checkReportTables(tables: readonly ArticleTable[]): TableChecks {
  const out: TableChecks = { unmapped: [] };
  for (const t of tables) {
    const all = t.rows.flat().map((c) => compact(c));
    const isApplication = all.some((c) => APPLICATION_ROWS.new.test(c)) && all.some((c) => APPLICATION_ROWS.next.test(c));
    const isReview = all.includes('未经复议直接起诉') && all.includes('复议后起诉');
    if (!isApplication && !isReview) continue;
    const g = grid(t);
    if (!g) {
      out.unmapped.push('统计表的合并单元格超出可识别的范围');
      continue;
    }
    if (isApplication && !out.application) {
      const r = applicationChecks(g);
      if (typeof r === 'string') out.unmapped.push(r);
      else out.application = r;
    }
    if (isReview && !out.review) {
      // Some reports put both tables in one: the review part starts at its 行政复议 heading.
      const from = isApplication ? g.findIndex((row) => row.some((c) => compact(c) === '行政复议')) : 0;
      const r = from < 0 ? '行政复议、行政诉讼情况表的表头无法识别' : reviewChecks(g.slice(from));
      if (typeof r === 'string') out.unmapped.push(r);
      else out.review = r;
    }
  }
  return out;
}
