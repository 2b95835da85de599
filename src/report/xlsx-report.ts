import ExcelJS from 'exceljs';
import type { AuditReport, Finding, UnitResult } from '../model/result.ts';
import { commitFileAtomic } from '../lib/atomic-write.ts';
import {
  COLUMN_STATUS_LABEL,
  UNIT_STATUS_LABEL,
  UNIT_TYPE_LABEL,
  ADVISORY_NOTE,
  advisoryCount,
  advisoryGroups,
  codeLabel,
  fmtInstant,
  isAdvisory,
  label,
  observedFacts,
  openFindings,
  ruleLabel,
  rankedUnits,
  safeEvidencePath,
  safeHref,
  schemeTitle,
  unitDeducted,
} from './format.ts';

/**
 * The report as an Excel workbook for the office (汇总, 扣分明细, 提示, 无法判定,
 * 栏目概况, 说明), made to be filtered on screen and printed on A4: landscape,
 * the header row frozen, filtered and repeated on every printed page, wrapped
 * text in rows as tall as their text, the report's title and page numbers in
 * the page header/footer, shrunk to one page width only while the text stays
 * readable (printLayout). Evidence is a short link (查看截图 / 打开页面), not a
 * raw path or address.
 *
 * Written with exceljs's streaming WorkbookWriter, row by row and without
 * shared strings, so memory does not grow with the number of units; every
 * print setting above is one the streaming writer writes (worksheet-writer.js:
 * pageSetup, headerFooter, autoFilter, views; workbook-xform.js turns
 * printTitlesRow into _xlnm.Print_Titles).
 *
 * Strings are always written as plain strings, never as formula objects; text
 * that a spreadsheet could still read as a formula once someone edits the cell
 * (leading = + - @, tab, CR) gets the OWASP "CSV injection" treatment: a
 * leading single quote. No cell holds more than Excel's 32,767 characters (a
 * longer text is cut, with an ellipsis): Excel calls such a workbook damaged.
 */

type Cell = string | number | null | { text: string; hyperlink: string };

interface ColumnSpec {
  header: string;
  /** Excel character units (the width of a digit); a Chinese character takes about two. */
  width: number;
  /** Numbers keep this Excel number format. */
  numFmt?: string;
}

/** Excel's limit on the characters of one cell. */
export const MAX_CELL_CHARS = 32_767;
/** Excel refuses (repairs away) a hyperlink longer than this. */
const MAX_LINK_CHARS = 2_079;
/** The sheets' font size (pt); the printed size is this times the print scale. */
export const FONT_PT = 11;
/** The smallest printed font we still call readable. */
export const MIN_PRINT_PT = 8;
const MARGINS = { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 };
/** A4 landscape (11.69 in wide) between the side margins, in points. */
const PRINTABLE_WIDTH_PT = (11.69 - MARGINS.left - MARGINS.right) * 72;
/** Height of one line of 11 pt text with Chinese glyphs, in points. */
const LINE_PT = 15;

export function neutralise(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  if (safe.length <= MAX_CELL_CHARS) return safe;
  let cut = MAX_CELL_CHARS - 1;
  // Never half of a surrogate pair.
  if (/[\ud800-\udbff]/.test(safe[cut - 1]!)) cut--;
  return `${safe.slice(0, cut)}…`;
}

function text(v: string | null | undefined): Cell {
  return v === null || v === undefined ? null : neutralise(v);
}

/** A short link (查看截图, 打开页面) only to http(s) addresses and evidence files; anything else stays plain text. */
function hyperlink(url: string | undefined, shown: string): Cell {
  if (!url) return null;
  const href = safeHref(url);
  if (!href) return neutralise(url);
  return href.length <= MAX_LINK_CHARS ? { text: shown, hyperlink: href } : `${shown}（地址过长，未设链接）`;
}

/**
 * How a sheet prints: the printed font size if shrunk to one page width, and
 * whether to shrink. Column widths in Excel units become pixels as Excel does
 * (7 px a unit + 5 px padding at the default font), pixels points at 96 dpi.
 */
export function printLayout(widths: readonly number[]): { fitToWidth: boolean; printedPt: number } {
  const sheetPt = widths.reduce((s, w) => s + (w * 7 + 5) * 0.75, 0);
  const scale = Math.min(1, PRINTABLE_WIDTH_PT / sheetPt);
  const printedPt = Math.round(FONT_PT * scale * 10) / 10;
  return { fitToWidth: printedPt >= MIN_PRINT_PT, printedPt };
}

/** Display width in Excel units: East Asian wide characters count two. */
function displayWidth(line: string): number {
  let w = 0;
  for (const ch of line) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\ud800-\udbff]/.test(ch) ? 2 : 1.1;
  return w;
}

/** Lines a wrapped cell takes in a column of this width (a long cell is counted only up to a sheet's worth). */
function wrappedLines(value: Cell, width: number): number {
  if (value === null || typeof value === 'number') return 1;
  const shown = (typeof value === 'string' ? value : value.text).slice(0, 4_000);
  const usable = Math.max(1, width - 1);
  return shown.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(displayWidth(line) / usable)), 0);
}

/** Excel's page header/footer: `&` is a code, a header longer than 255 characters a damaged file. */
function headerText(s: string): string {
  return s.slice(0, 80).replace(/&/g, '&&');
}

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF3E8E8' } };
const LINK_FONT: Partial<ExcelJS.Font> = { color: { argb: 'FF1D4ED8' }, underline: true };
/** Excel's limit on a row's height (points). */
const MAX_ROW_PT = 409;

function addSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, title: string, name: string, columns: ColumnSpec[], rows: Iterable<Cell[]>): void {
  const layout = printLayout(columns.map((c) => c.width));
  const ws = wb.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 1 }],
    pageSetup: {
      paperSize: 9 as ExcelJS.PaperSize, // A4
      orientation: 'landscape',
      // Shrinking to one page width only while the print stays readable; else the sheet prints at full size over more pages.
      ...(layout.fitToWidth ? { fitToPage: true, fitToWidth: 1, fitToHeight: 0 } : { fitToPage: false, scale: 100 }),
      printTitlesRow: '1:1',
      horizontalCentered: true,
      showGridLines: true, // printed cell borders
      margins: MARGINS,
    },
    headerFooter: {
      oddHeader: `&L${headerText(title)}&R${headerText(name)}`,
      oddFooter: '&C第 &P 页，共 &N 页',
    },
  });
  ws.columns = columns.map((c) => ({ header: c.header, width: c.width }));
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
  header.height = LINE_PT * Math.max(...columns.map((c) => wrappedLines(c.header, c.width))) + 4;
  for (let i = 1; i <= columns.length; i++) header.getCell(i).fill = HEADER_FILL;
  header.commit();
  let count = 0;
  for (const values of rows) {
    count++;
    const row = ws.addRow(values);
    const lines = Math.max(...values.map((v, i) => wrappedLines(v, columns[i]!.width)));
    row.height = Math.min(MAX_ROW_PT, LINE_PT * lines + 4);
    values.forEach((v, i) => {
      const cell = row.getCell(i + 1);
      cell.alignment = { vertical: 'top', wrapText: true };
      if (typeof v === 'number' && columns[i]!.numFmt) cell.numFmt = columns[i]!.numFmt!;
      if (v !== null && typeof v === 'object') cell.font = LINK_FONT;
    });
    row.commit();
  }
  // An empty sheet says so rather than printing a lone header.
  if (count === 0) {
    const row = ws.addRow(['无']);
    row.getCell(1).alignment = { vertical: 'top', wrapText: true };
    row.commit();
  }
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  ws.commit();
}

const SCORE = '0.##';

/** The columns every finding row ends with (see findingRow). */
const FINDING_COLUMNS: ColumnSpec[] = [
  { header: '问题描述', width: 50 },
  { header: '栏目', width: 12 },
  { header: '链接', width: 10 },
  { header: '截图', width: 10 },
  { header: '复核结论', width: 18 },
];

const OPEN_PAGE = '打开页面';
const VIEW_SHOT = '查看截图';

/** One finding's row: the unit, the given cells (which indicator, how it counts), then what was found and where. */
function findingRow(report: AuditReport, unit: UnitResult, f: Finding, middle: Cell[]): Cell[] {
  const facts = observedFacts(f, report.rules).map((x) => `${x.label}：${x.value}`);
  const shot = f.evidence.screenshot ? safeEvidencePath(f.evidence.screenshot) : null;
  return [
    text(unit.name),
    ...middle,
    text([f.message, ...(f.deductionNote ? [f.deductionNote] : []), ...facts].join('\n')),
    text(f.column),
    hyperlink(f.url, OPEN_PAGE),
    shot ? hyperlink(shot, VIEW_SHOT) : text(f.evidence.screenshotError ? `未截图：${f.evidence.screenshotError}` : null),
    f.review ? text(`${f.review.decision === 'waived' ? '已豁免' : '已确认'}：${f.review.reason}`) : null,
  ];
}

function* each<T, R>(items: Iterable<T>, rows: (item: T) => Iterable<R>): Generator<R> {
  for (const item of items) yield* rows(item);
}

export async function writeXlsxReport(report: AuditReport, file: string): Promise<void> {
  await commitFileAtomic(file, async (tmp) => {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: tmp, useStyles: true, useSharedStrings: false });
    writeSheets(wb, report);
    await wb.commit();
  });
}

function writeSheets(wb: ExcelJS.stream.xlsx.WorkbookWriter, report: AuditReport): void {
  const title = neutralise(schemeTitle(report));
  wb.creator = 'zwgk-audit';
  (wb as unknown as { title: string }).title = title;
  const generated = Date.parse(report.generatedAt);
  if (!Number.isNaN(generated)) wb.created = new Date(generated);

  const ranked = rankedUnits(report);

  addSheet(
    wb,
    title,
    '汇总',
    [
      { header: '排名', width: 6 },
      { header: '单位编号', width: 10 },
      { header: '单位', width: 24 },
      { header: '类型', width: 6 },
      { header: '状态', width: 14 },
      { header: '过程测评得分', width: 10, numFmt: SCORE },
      { header: '扣分合计', width: 8, numFmt: SCORE },
      { header: '折算得分', width: 8, numFmt: SCORE },
      { header: '问题数', width: 7 },
      { header: '无法判定数', width: 8 },
      { header: '提示数', width: 7 },
    ],
    ranked.map(({ unit, rank }) => [
      rank,
      text(unit.id),
      text(unit.name),
      label(UNIT_TYPE_LABEL, unit.type),
      label(UNIT_STATUS_LABEL, unit.status),
      unit.score,
      unitDeducted(unit),
      unit.weighted,
      openFindings(unit).length,
      unit.inconclusive.length,
      advisoryCount(unit),
    ]),
  );

  addSheet(
    wb,
    title,
    '扣分明细',
    [
      { header: '单位', width: 14 },
      { header: '指标', width: 16 },
      { header: '规则', width: 12 },
      { header: '问题类型', width: 12 },
      { header: '扣分', width: 6, numFmt: SCORE },
      ...FINDING_COLUMNS,
    ],
    each(ranked, ({ unit }) => [
      // An indicator that jumped is one deduction: its row carries the points, the findings counted in it 0.
      ...unit.indicators
        .filter((i) => i.note)
        .map((i): Cell[] => [text(unit.name), text(i.name), null, text(i.note), i.deducted, text(`${i.note}（各栏目见以下各行，计入本项）`), null, null, null, null]),
      ...unit.findings.filter((f) => !isAdvisory(f)).map((f) => findingRow(report, unit, f, [text(f.indicator), ruleLabel(report.rules, f.rule), text(codeLabel(report.rules, f)), f.deduction])),
    ]),
  );

  // 提示: advisories by unit and rule, never among the deductions.
  addSheet(
    wb,
    title,
    '提示',
    [
      { header: '单位', width: 14 },
      { header: '检查项', width: 18 },
      { header: '本单位该项提示数', width: 8 },
      { header: '问题类型', width: 12 },
      ...FINDING_COLUMNS,
    ],
    each(ranked, ({ unit }) =>
      advisoryGroups(unit, report.rules, { waived: true }).flatMap((g) =>
        g.findings.map((f) => findingRow(report, unit, f, [text(g.title), g.findings.length, text(codeLabel(report.rules, f))])),
      ),
    ),
  );

  addSheet(
    wb,
    title,
    '无法判定',
    [
      { header: '单位', width: 14 },
      { header: '检查项', width: 16 },
      { header: '栏目', width: 12 },
      { header: '原因', width: 50 },
      { header: '链接', width: 10 },
    ],
    each(ranked, ({ unit }) => unit.inconclusive.map((c) => [text(unit.name), ruleLabel(report.rules, c.rule), text(c.column), text(c.reason), hyperlink(c.url, OPEN_PAGE)])),
  );

  if (report.units.some((u) => u.columns?.length)) {
    addSheet(
      wb,
      title,
      '栏目概况',
      [
        { header: '单位', width: 14 },
        { header: '栏目', width: 24 },
        { header: '类别', width: 10 },
        { header: '最新信息日期', width: 12 },
        { header: '条数', width: 6 },
        { header: '状态', width: 10 },
        { header: '链接', width: 10 },
      ],
      each(ranked, ({ unit }) =>
        (unit.columns ?? []).map((c) => [
          text(unit.name),
          text(c.key),
          text(c.categoryLabel ?? c.category),
          text(c.newest ?? '无信息'),
          c.items,
          text(label(COLUMN_STATUS_LABEL, c.status)),
          hyperlink(c.url, OPEN_PAGE),
        ]),
      ),
    );
  }

  addSheet(
    wb,
    title,
    '说明',
    [
      { header: '项目', width: 12 },
      { header: '内容', width: 80 },
    ],
    (
      [
        ['考评方案', schemeTitle(report)],
        ['考评年度', String(report.year)],
        ['测评基准日', report.asOf],
        ['生成时间', fmtInstant(report.generatedAt)],
        ['折算权重', String(report.weight)],
        ['说明', '过程测评满分 100 分；无法判定的检查不扣分；以单引号开头的单元格内容系防止被当作公式执行而加的前缀。「打开页面」「查看截图」为链接（截图链接须与 evidence 文件夹放在一起打开）。'],
        ['提示', ADVISORY_NOTE],
      ] as const
    ).map(([k, v]) => [k, neutralise(v)]),
  );
}
