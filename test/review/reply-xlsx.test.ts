import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { findingNumber, type NoticeItem } from '../../src/review/notice.ts';
import { readReplies, REPLY_SHEET, ReplyFileError, writeReplyXlsx, zipContentBytes } from '../../src/review/reply-xlsx.ts';
import { finding, makeReport } from '../helpers/report-factory.ts';

/** The 整改情况表 round trip: the office exports it, the unit fills it in, the office reads it back. */

const items: NoticeItem[] = ['a', 'b', 'c'].map((n) => {
  const f = finding({ rule: 'column-update', code: 'stale', deduction: 1, url: `http://127.0.0.1:8080/xxgk/jtj/${n}/`, column: n, message: `=栏目 ${n} 未更新` });
  return { id: findingNumber(`column-update|stale|${n}|${f.url}`), finding: f };
});
const form = { unit: { id: 'jtj', name: '县教育体育局' }, issuedAt: '2021-01-21T09:00:00+08:00', items, rules: makeReport().rules };
const known = (unit: string) => (unit === 'jtj' ? new Set(items.map((i) => i.id)) : unit === 'wjw' ? new Set<string>() : null);
const TODAY = '2021-02-10';

/** The exported form with the unit's answers written into rows 2.. (G 整改情况, H 整改时间, I 说明); `edit` changes anything else. */
async function filled(answers: [string | null, string | Date | null, string | null][], edit?: (ws: ExcelJS.Worksheet, wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await writeReplyXlsx(form)) as unknown as ArrayBuffer);
  const ws = wb.getWorksheet(REPLY_SHEET)!;
  answers.forEach(([r, d, n], i) => {
    const row = ws.getRow(i + 2);
    row.getCell(7).value = r;
    row.getCell(8).value = d;
    row.getCell(9).value = n;
  });
  edit?.(ws, wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function errorsOf(bytes: Buffer): Promise<string[]> {
  try {
    await readReplies(bytes, 'reply.xlsx', known, TODAY);
  } catch (err) {
    if (err instanceof ReplyFileError) return err.lines;
    throw err;
  }
  return [];
}

describe('整改情况表: export → fill → import', () => {
  it('the export is locked but for the unit’s three columns, with a drop-down, formulas neutralised, the print header repeated', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await writeReplyXlsx(form)) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet(REPLY_SHEET)!;
    expect(ws.getRow(1).values).toEqual([undefined, '序号', '问题编号', '指标', '问题类型', '问题描述', '网址', '整改情况', '整改时间', '说明']);
    expect(ws.getCell('B2').value).toBe(items[0]!.id);
    expect(ws.getCell('E2').value).toBe("'=栏目 a 未更新");
    expect(ws.getCell('D2').value).toBe('栏目未及时更新');
    expect(ws.getCell('G2').dataValidation).toMatchObject({ type: 'list', formulae: ['"已整改,未整改,无法整改"'] });
    expect(ws.getCell('G2').protection).toMatchObject({ locked: false });
    expect(ws.getCell('E2').protection?.locked).not.toBe(false);
    expect(ws.pageSetup.printTitlesRow).toBe('1:1');
  });

  it('reads the answers back: dates as Excel dates or text, blank rows skipped', async () => {
    const bytes = await filled([
      ['已整改', new Date(Date.UTC(2021, 1, 1)), '已补发四季度信息'],
      [null, null, null],
      ['无法整改', '2021年2月3日', '该栏目已由上级平台统一维护'],
    ]);
    const r = await readReplies(bytes, 'reply.xlsx', known, TODAY);
    expect(r.unitId).toBe('jtj');
    expect(r.replies.map((x) => [x.id, x.result, x.date, x.row])).toEqual([
      [items[0]!.id, '已整改', '2021-02-01', 2],
      [items[2]!.id, '无法整改', '2021-02-03', 4],
    ]);
  });

  it.each<[string, Parameters<typeof filled>[0], RegExp, ((ws: ExcelJS.Worksheet, wb: ExcelJS.Workbook) => void)?]>([
    ['an answer that is not one of the three', [['整改完毕', '2021-02-01', null]], /第2行 字段 整改情况：应为 已整改、未整改、无法整改 之一，实际为“整改完毕”/],
    ['已整改 without a date', [['已整改', null, '已更新']], /第2行 字段 整改时间：已整改的问题必须填写整改时间/],
    ['a date that is not a date', [['已整改', '二月初', null]], /第2行 字段 整改时间：“二月初”不是有效日期/],
    ['a date in the future', [['已整改', '2021-03-01', null]], /第2行 字段 整改时间：2021-03-01 晚于今天（2021-02-10）/],
    ['无法整改 without a reason', [['无法整改', null, null]], /第2行 字段 说明：无法整改的问题必须写明原因/],
    ['a note over 500 characters', [['未整改', null, '字'.repeat(501)]], /第2行 字段 说明：不能超过 500 字/],
    ['a date but no answer', [[null, '2021-02-01', null]], /第2行 字段 整改情况：不能为空/],
    ['an unknown finding number', [['已整改', '2021-02-01', null]], /第2行 字段 问题编号：“FFFFFFFFFF”不是本单位整改通知中的问题/, (ws) => (ws.getCell('B2').value = 'FFFFFFFFFF')],
    ['the same finding twice', [['已整改', '2021-02-01', null], ['未整改', null, null]], /第3行 字段 问题编号：“[0-9A-F]{10}”与第2行重复/, (ws) => (ws.getCell('B3').value = ws.getCell('B2').value)],
  ])('refuses %s, naming sheet, row and field', async (_name, answers, message, edit) => {
    const errors = await errorsOf(await filled(answers, edit));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^整改情况表 reply\.xlsx 工作表 整改情况表 /);
    expect(errors[0]).toMatch(message);
  });

  it('one line per bad row, and a good row beside bad ones is not taken either', async () => {
    const errors = await errorsOf(await filled([['已整改', '2021-02-01', null], ['好了', null, null], ['无法整改', null, null]]));
    expect(errors.map((e) => /第(\d+)行/.exec(e)![1])).toEqual(['3', '4']);
  });

  it('a file of another kind, a renamed sheet, a moved column, another unit’s form are refused whole', async () => {
    expect(await errorsOf(Buffer.from('not a zip'))).toEqual(['整改情况表 reply.xlsx：无法读取，不是有效的 xlsx 文件（请用 Excel 或 WPS 另存为 .xlsx）']);
    // A part whose central directory says it unpacks to 2 GB: refused before anything is inflated.
    const bomb = await filled([]);
    expect(zipContentBytes(bomb)).toBeLessThan(1024 * 1024);
    bomb.writeUInt32LE(0x7fffffff, bomb.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
    expect(await errorsOf(bomb)).toEqual(['整改情况表 reply.xlsx：文件解压后超过 50 MB，不是下发的整改情况表']);
    expect((await errorsOf(await filled([], (ws) => (ws.name = 'Sheet1'))))[0]).toMatch(/找不到工作表“整改情况表”/);
    expect((await errorsOf(await filled([], (ws) => (ws.getCell('G1').value = '整改结果'))))[0]).toMatch(/第1行 字段 整改情况：表头应为/);
    expect((await errorsOf(await filled([], (_ws, wb) => (wb.getWorksheet('表格信息')!.getCell('B1').value = 'nosuch'))))[0]).toMatch(/单位编号“nosuch”不在单位名单中/);
    expect((await errorsOf(await filled([['已整改', '2021-02-01', null]], (_ws, wb) => (wb.getWorksheet('表格信息')!.getCell('B1').value = 'wjw'))))[0]).toMatch(/不是本单位整改通知中的问题/);
  });
});
