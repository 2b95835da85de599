import ExcelJS from 'exceljs';
import { isCalendarDate } from '../lib/time.ts';
import type { RuleCatalog } from '../model/result.ts';
import { codeLabel } from '../report/format.ts';
import { neutralise } from '../report/xlsx-report.ts';
import type { NoticeItem } from './notice.ts';

/**
 * The 整改情况表 a unit fills in and sends back: one row per finding of its
 * notice, the office's columns locked, the unit's three (整改情况, 整改时间,
 * 说明) open, with a drop-down for 整改情况. `readReplies` reads a returned
 * file and checks every row; any bad row is one line (file, sheet, row,
 * field) and the whole file is refused, so a broken file changes nothing.
 */

export const REPLY_SHEET = '整改情况表';
const META_SHEET = '表格信息';
export const REPLY_RESULTS = ['已整改', '未整改', '无法整改'] as const;
export type ReplyResult = (typeof REPLY_RESULTS)[number];
const MAX_NOTE = 500;
/** A returned form holds at most a few hundred rows: far less than this unpacked. */
const MAX_UNPACKED = 50 * 1024 * 1024;

const COLUMNS = [
  { header: '序号', width: 6 },
  { header: '问题编号', width: 13 },
  { header: '指标', width: 20 },
  { header: '问题类型', width: 20 },
  { header: '问题描述', width: 50 },
  { header: '网址', width: 36 },
  { header: '整改情况', width: 12 },
  { header: '整改时间', width: 13 },
  { header: '说明', width: 40 },
] as const;
const FIRST_REPLY_COLUMN = 7;

export interface ReplyForm {
  unit: { id: string; name: string };
  /** When the form was made (ISO instant): a reply to an older form is still read, by its finding numbers. */
  issuedAt: string;
  items: NoticeItem[];
  rules?: RuleCatalog;
}

export async function writeReplyXlsx(form: ReplyForm): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'zwgk-audit';
  const ws = wb.addWorksheet(REPLY_SHEET, {
    views: [{ state: 'frozen', ySplit: 1 }],
    pageSetup: { paperSize: 9 as ExcelJS.PaperSize, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1' },
  });
  ws.columns = COLUMNS.map((c) => ({ header: c.header, width: c.width }));
  ws.getRow(1).font = { bold: true };
  form.items.forEach(({ id, finding: f }, i) => {
    const row = ws.addRow([i + 1, id, neutralise(f.indicator), neutralise(codeLabel(form.rules, f)), neutralise(f.message), neutralise(f.url), null, null, null]);
    row.alignment = { wrapText: true, vertical: 'top' };
    for (let c = FIRST_REPLY_COLUMN; c <= COLUMNS.length; c++) row.getCell(c).protection = { locked: false };
    row.getCell(FIRST_REPLY_COLUMN).dataValidation = { type: 'list', allowBlank: true, formulae: [`"${REPLY_RESULTS.join(',')}"`] };
    row.getCell(FIRST_REPLY_COLUMN + 1).numFmt = 'yyyy-mm-dd';
  });
  // The office's columns are locked (no password: this guards against slips, not against people).
  await ws.protect('', { selectLockedCells: true, selectUnlockedCells: true, formatColumns: true, formatRows: true });
  const meta = wb.addWorksheet(META_SHEET, { state: 'veryHidden' });
  meta.addRows([
    ['单位编号', form.unit.id],
    ['单位名称', neutralise(form.unit.name)],
    ['生成时间', form.issuedAt],
  ]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export interface Reply {
  id: string;
  result: ReplyResult;
  /** YYYY-MM-DD, when given. */
  date?: string;
  note?: string;
  /** Row in the sheet (for messages). */
  row: number;
}

export interface ReturnedForm {
  unitId: string;
  replies: Reply[];
}

export class ReplyFileError extends Error {
  override name = 'ReplyFileError';
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

/** A cell as text: strings, numbers, rich text and hyperlinks alike. */
function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('').trim();
    if ('text' in v) return String(v.text).trim();
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    return '';
  }
  return String(v).trim();
}

/** A date cell (Excel keeps dates as Date at UTC midnight) or text written as 2021-02-01 / 2021/2/1 / 2021年2月1日. */
function cellDate(v: ExcelJS.CellValue): string | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10);
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(cellText(v));
  if (!m) return null;
  const iso = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  return isCalendarDate(iso) ? iso : null;
}

/**
 * Reads a returned 整改情况表. `known` says which finding numbers the unit may
 * answer for; `today` bounds 整改时间. Rows the unit left blank are skipped.
 */
export async function readReplies(bytes: Buffer, file: string, known: (unitId: string) => Set<string> | null, today: string): Promise<ReturnedForm> {
  const unpacked = zipContentBytes(bytes);
  if (unpacked !== null && unpacked > MAX_UNPACKED) {
    throw new ReplyFileError([`整改情况表 ${file}：文件解压后超过 ${MAX_UNPACKED / 1024 / 1024} MB，不是下发的整改情况表`]);
  }
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw new ReplyFileError([`整改情况表 ${file}：无法读取，不是有效的 xlsx 文件（请用 Excel 或 WPS 另存为 .xlsx）`]);
  }
  const ws = wb.getWorksheet(REPLY_SHEET);
  if (!ws) throw new ReplyFileError([`整改情况表 ${file}：找不到工作表“${REPLY_SHEET}”（请使用下发的表格填写，不要改工作表名）`]);
  const meta = wb.getWorksheet(META_SHEET);
  const unitId = meta ? cellText(meta.getCell('B1').value) : '';
  const allowed = unitId ? known(unitId) : null;
  if (!allowed) throw new ReplyFileError([`整改情况表 ${file}：表格中的单位编号${unitId ? `“${unitId}”不在单位名单中` : '缺失'}（请使用下发的表格填写）`]);

  const at = (row: number, field: string, why: string) => `整改情况表 ${file} 工作表 ${REPLY_SHEET} 第${row}行 字段 ${field}：${why}`;
  const header = COLUMNS.map((_, i) => cellText(ws.getRow(1).getCell(i + 1).value));
  const missing = COLUMNS.filter((c, i) => header[i] !== c.header).map((c) => c.header);
  if (missing.length) throw new ReplyFileError([at(1, missing[0]!, `表头应为“${COLUMNS.map((c) => c.header).join('、')}”，不要增删或移动列`)]);

  const errors: string[] = [];
  const replies: Reply[] = [];
  const seen = new Map<string, number>();
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    if (n === 1) return;
    const id = cellText(row.getCell(2).value).toUpperCase();
    const resultText = cellText(row.getCell(FIRST_REPLY_COLUMN).value);
    const dateCell = row.getCell(FIRST_REPLY_COLUMN + 1).value;
    const note = cellText(row.getCell(FIRST_REPLY_COLUMN + 2).value);
    if (!resultText && cellText(dateCell) === '' && !note) return; // not answered
    const bad = (field: string, why: string) => errors.push(at(n, field, why));
    if (!id) return void bad('问题编号', '不能为空');
    if (!allowed.has(id)) return void bad('问题编号', `“${id}”不是本单位整改通知中的问题`);
    const earlier = seen.get(id);
    if (earlier !== undefined) return void bad('问题编号', `“${id}”与第${earlier}行重复`);
    seen.set(id, n);
    if (!resultText) return void bad('整改情况', `不能为空（应为 ${REPLY_RESULTS.join('、')}）`);
    if (!(REPLY_RESULTS as readonly string[]).includes(resultText)) return void bad('整改情况', `应为 ${REPLY_RESULTS.join('、')} 之一，实际为“${resultText.slice(0, 20)}”`);
    const result = resultText as ReplyResult;
    let date: string | undefined;
    if (cellText(dateCell) !== '') {
      const d = cellDate(dateCell);
      if (!d) return void bad('整改时间', `“${cellText(dateCell).slice(0, 20)}”不是有效日期（如 2021-02-01）`);
      if (d > today) return void bad('整改时间', `${d} 晚于今天（${today}）`);
      date = d;
    } else if (result === '已整改') return void bad('整改时间', '已整改的问题必须填写整改时间');
    if (note.length > MAX_NOTE) return void bad('说明', `不能超过 ${MAX_NOTE} 字（现 ${note.length} 字）`);
    if (result === '无法整改' && !note) return void bad('说明', '无法整改的问题必须写明原因');
    replies.push({ id, result, ...(date ? { date } : {}), ...(note ? { note } : {}), row: n });
  });
  if (errors.length) throw new ReplyFileError(errors);
  return { unitId, replies };
}

/**
 * What an xlsx (a zip) says its parts unpack to, from its central directory,
 * so a crafted file cannot make the reader inflate gigabytes; a zip64 size
 * counts as too big. Null when it is no zip (the reader then says so).
 */
export function zipContentBytes(bytes: Buffer): number | null {
  // The end-of-central-directory record: within the last 64 KiB + 22 bytes.
  const from = Math.max(0, bytes.length - 65_557);
  let end = -1;
  for (let i = bytes.length - 22; i >= from; i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) return null;
  const entries = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) return null;
    const size = bytes.readUInt32LE(at + 24);
    total += size === 0xffffffff ? Number.POSITIVE_INFINITY : size;
    at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return total;
}
