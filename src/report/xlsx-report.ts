import ExcelJS from 'exceljs';
import type { AuditReport, Finding, UnitResult } from '../model/result.ts';
import { writeFileAtomic } from '../lib/atomic-write.ts';
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
 * 栏目概况). Strings are always written as plain strings, never as formula
 * objects; text that a spreadsheet could still read as a formula once someone
 * edits the cell (leading = + - @, tab, CR) gets the OWASP "CSV injection"
 * treatment: a leading single quote. No cell holds more than Excel's 32,767
 * characters (a longer text is cut, with an ellipsis): Excel calls a workbook
 * with a longer cell damaged.
 */

type Cell = string | number | null | { text: string; hyperlink: string };

interface ColumnSpec {
  header: string;
  width: number;
  /** Numbers keep this Excel number format. */
  numFmt?: string;
}

/** Excel's limit on the characters of one cell. */
export const MAX_CELL_CHARS = 32_767;

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

/** A hyperlink only to http(s) addresses and evidence files; anything else stays plain text. */
function hyperlink(url: string | undefined, shown?: string): Cell {
  if (!url) return null;
  const href = safeHref(url);
  const label = neutralise(shown ?? url);
  return href ? { text: label, hyperlink: href } : label;
}

function addSheet(wb: ExcelJS.Workbook, name: string, columns: ColumnSpec[], rows: Cell[][]): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 1 }],
    pageSetup: {
      paperSize: 9 as ExcelJS.PaperSize, // A4
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '1:1',
      margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 },
    },
  });
  ws.columns = columns.map((c) => ({ header: c.header, width: c.width }));
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
  header.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF3E8E8' } };
  });
  for (const values of rows) {
    const row = ws.addRow(values);
    row.alignment = { vertical: 'top', wrapText: true };
    values.forEach((v, i) => {
      const cell = row.getCell(i + 1);
      if (typeof v === 'number' && columns[i]!.numFmt) cell.numFmt = columns[i]!.numFmt!;
      if (v !== null && typeof v === 'object') cell.font = { color: { argb: 'FF1D4ED8' }, underline: true };
    });
  }
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  ws.headerFooter.oddFooter = '&C第 &P 页，共 &N 页';
  return ws;
}

const SCORE = '0.##';

/** The columns every finding row ends with (see findingRow). */
const FINDING_COLUMNS: ColumnSpec[] = [
  { header: '问题描述', width: 50 },
  { header: '栏目', width: 16 },
  { header: '链接', width: 40 },
  { header: '截图', width: 36 },
  { header: '复核结论', width: 24 },
];

/** One finding's row: the unit, the given cells (which indicator, how it counts), then what was found and where. */
function findingRow(report: AuditReport, unit: UnitResult, f: Finding, middle: Cell[]): Cell[] {
  const facts = observedFacts(f, report.rules).map((x) => `${x.label}：${x.value}`);
  const shot = f.evidence.screenshot ? safeEvidencePath(f.evidence.screenshot) : null;
  return [
    text(unit.name),
    ...middle,
    text([f.message, ...(f.deductionNote ? [f.deductionNote] : []), ...facts].join('\n')),
    text(f.column),
    hyperlink(f.url),
    shot ? hyperlink(shot) : text(f.evidence.screenshotError ? `未截图：${f.evidence.screenshotError}` : null),
    f.review ? text(`${f.review.decision === 'waived' ? '已豁免' : '已确认'}：${f.review.reason}`) : null,
  ];
}

export async function writeXlsxReport(report: AuditReport, file: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'zwgk-audit';
  wb.title = neutralise(schemeTitle(report));
  const generated = Date.parse(report.generatedAt);
  if (!Number.isNaN(generated)) wb.created = new Date(generated);

  const ranked = rankedUnits(report);

  addSheet(
    wb,
    '汇总',
    [
      { header: '排名', width: 7 },
      { header: '单位编号', width: 12 },
      { header: '单位', width: 28 },
      { header: '类型', width: 8 },
      { header: '状态', width: 16 },
      { header: '过程测评得分', width: 13, numFmt: SCORE },
      { header: '扣分合计', width: 10, numFmt: SCORE },
      { header: '折算得分', width: 10, numFmt: SCORE },
      { header: '问题数', width: 8 },
      { header: '无法判定数', width: 11 },
      { header: '提示数', width: 8 },
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
    '扣分明细',
    [
      { header: '单位', width: 22 },
      { header: '指标', width: 22 },
      { header: '规则', width: 16 },
      { header: '问题类型', width: 20 },
      { header: '扣分', width: 7, numFmt: SCORE },
      ...FINDING_COLUMNS,
    ],
    ranked.flatMap(({ unit }) => [
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
    '提示',
    [
      { header: '单位', width: 22 },
      { header: '检查项', width: 24 },
      { header: '本单位该项提示数', width: 10 },
      { header: '问题类型', width: 20 },
      ...FINDING_COLUMNS,
    ],
    ranked.flatMap(({ unit }) =>
      advisoryGroups(unit, report.rules, { waived: true }).flatMap((g) =>
        g.findings.map((f) => findingRow(report, unit, f, [text(g.title), g.findings.length, text(codeLabel(report.rules, f))])),
      ),
    ),
  );

  addSheet(
    wb,
    '无法判定',
    [
      { header: '单位', width: 22 },
      { header: '检查项', width: 18 },
      { header: '栏目', width: 16 },
      { header: '原因', width: 50 },
      { header: '链接', width: 40 },
    ],
    ranked.flatMap(({ unit }) =>
      unit.inconclusive.map((c) => [text(unit.name), ruleLabel(report.rules, c.rule), text(c.column), text(c.reason), hyperlink(c.url)]),
    ),
  );

  if (report.units.some((u) => u.columns?.length)) {
    addSheet(
      wb,
      '栏目概况',
      [
        { header: '单位', width: 22 },
        { header: '栏目', width: 28 },
        { header: '类别', width: 10 },
        { header: '最新信息日期', width: 14 },
        { header: '条数', width: 8 },
        { header: '状态', width: 12 },
        { header: '链接', width: 40 },
      ],
      ranked.flatMap(({ unit }) =>
        (unit.columns ?? []).map((c) => [
          text(unit.name),
          text(c.key),
          text(c.categoryLabel ?? c.category),
          text(c.newest ?? '无信息'),
          c.items,
          text(label(COLUMN_STATUS_LABEL, c.status)),
          hyperlink(c.url),
        ]),
      ),
    );
  }

  const info = wb.addWorksheet('说明');
  info.columns = [{ width: 16 }, { width: 60 }];
  for (const [k, v] of [
    ['考评方案', schemeTitle(report)],
    ['考评年度', String(report.year)],
    ['测评基准日', report.asOf],
    ['生成时间', fmtInstant(report.generatedAt)],
    ['折算权重', String(report.weight)],
    ['说明', '过程测评满分 100 分；无法判定的检查不扣分；以单引号开头的单元格内容系防止被当作公式执行而加的前缀。'],
    ['提示', ADVISORY_NOTE],
  ] as const) {
    info.addRow([k, neutralise(v)]).alignment = { wrapText: true, vertical: 'top' };
  }
  info.getColumn(1).font = { bold: true };

  await writeFileAtomic(file, new Uint8Array(await wb.xlsx.writeBuffer()));
}
