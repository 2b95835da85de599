import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CELL_CHARS, MIN_PRINT_PT, neutralise, printLayout, writeXlsxReport } from '../../src/report/xlsx-report.ts';
import type { AuditReport } from '../../src/model/result.ts';
import { HOSTILE, hostileUnit, makeReport, withJump } from '../helpers/report-factory.ts';

let dir: string;
let report: AuditReport;
let wb: ExcelJS.Workbook;

/** Rows below the header as arrays of cell values (index 0 = column A). */
function rows(ws: ExcelJS.Worksheet): ExcelJS.CellValue[][] {
  const out: ExcelJS.CellValue[][] = [];
  ws.eachRow((row, n) => {
    if (n > 1) out.push((row.values as ExcelJS.CellValue[]).slice(1));
  });
  return out;
}

function headers(ws: ExcelJS.Worksheet): string[] {
  return (ws.getRow(1).values as string[]).slice(1);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zwgk-xlsx-'));
  report = makeReport();
  report.units.push(hostileUnit());
  const file = join(dir, 'out', 'report.xlsx');
  await writeXlsxReport(report, file);
  wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('writeXlsxReport', () => {
  it('汇总 holds the same numbers as the report, as numbers, in rank order', () => {
    const ws = wb.getWorksheet('汇总')!;
    expect(headers(ws)).toEqual(['排名', '单位编号', '单位', '类型', '状态', '过程测评得分', '扣分合计', '折算得分', '问题数', '无法判定数', '提示数']);
    const data = rows(ws);
    const expected = [...report.units].sort((a, b) => a.rank! - b.rank!);
    expect(data).toHaveLength(expected.length);
    data.forEach((row, i) => {
      const u = expected[i]!;
      expect(row[0]).toBe(u.rank);
      expect(row[2]).toBe(u.name);
      expect(row[5]).toBe(u.score);
      expect(row[6]).toBeCloseTo(u.indicators.reduce((s, x) => s + x.deducted, 0), 10);
      expect(row[7]).toBe(u.weighted);
      expect(row[8]).toBe(u.findings.filter((f) => !f.advisory && f.review?.decision !== 'waived').length);
      expect(row[9]).toBe(u.inconclusive.length);
      expect(row[10]).toBe(u.findings.filter((f) => f.advisory).length);
    });
  });

  it('扣分明细 has one row per finding with deductions, hyperlinks and review', () => {
    const ws = wb.getWorksheet('扣分明细')!;
    expect(headers(ws)).toEqual(['单位', '指标', '规则', '问题类型', '扣分', '问题描述', '栏目', '链接', '截图', '复核结论']);
    const data = rows(ws);
    const all = report.units.flatMap((u) => u.findings.filter((f) => !f.advisory));
    expect(data).toHaveLength(all.length);
    expect(data.reduce((s, r) => s + (r[4] as number), 0)).toBe(all.reduce((s, f) => s + f.deduction, 0));

    const wjwStale = report.units.find((u) => u.id === 'wjw')!.findings[0]!;
    const row = data.find((r) => r[0] === '县卫生健康委员会' && r[3] === '栏目未及时更新')!;
    expect(row[4]).toBe(wjwStale.deduction);
    expect(row[5]).toContain(wjwStale.message);
    expect(row[5]).toContain('最新信息标题：关于开展爱国卫生月活动的通知');
    expect(row[7]).toMatchObject({ hyperlink: new URL(wjwStale.url).href });
    // Evidence as short links, never a raw path or address.
    expect(row[7]).toMatchObject({ text: '打开页面' });
    expect(row[8]).toEqual({ text: '查看截图', hyperlink: wjwStale.evidence.screenshot });
    expect(data.some((r) => String(r[9]).startsWith('已豁免：'))).toBe(true);
    expect(data.some((r) => String(r[8]).startsWith('未截图：'))).toBe(true);
  });

  it('提示 lists the advisories by unit and rule with their counts; 扣分明细 never holds them', () => {
    const ws = wb.getWorksheet('提示')!;
    expect(headers(ws)).toEqual(['单位', '检查项', '本单位该项提示数', '问题类型', '问题描述', '栏目', '链接', '截图', '复核结论']);
    const data = rows(ws);
    expect(data.map((r) => [r[0], r[1], r[2], r[3]])).toEqual([
      ['县教育体育局', '主动公开信息及时公开（条例第二十六条）', 1, '未在20个工作日内公开'],
      ['县卫生健康委员会', '主动公开信息及时公开（条例第二十六条）', 2, '未在20个工作日内公开'],
      ['县卫生健康委员会', '主动公开信息及时公开（条例第二十六条）', 2, '未在20个工作日内公开'],
      ['县卫生健康委员会', '严重表述错误（国办秘函〔2019〕19号）', 1, '严重表述错误'],
    ]);
    expect(String(data[3]![4])).toContain('错误写法：中华人民共合国');
    expect(data[3]![6]).toMatchObject({ hyperlink: expect.stringContaining('/tzgg/') });
    expect(rows(wb.getWorksheet('扣分明细')!).some((r) => ['timeliness', 'wording'].some((id) => String(r[2]).includes(report.rules![id]!.title)))).toBe(false);
  });

  it('无法判定 and 栏目概况 sheets list what the report holds', () => {
    const inc = rows(wb.getWorksheet('无法判定')!);
    expect(inc).toHaveLength(report.units.reduce((s, u) => s + u.inconclusive.length, 0));
    expect(inc.some((r) => String(r[3]).includes('请求超时'))).toBe(true);
    const cols = rows(wb.getWorksheet('栏目概况')!);
    expect(cols).toHaveLength(report.units.reduce((s, u) => s + (u.columns?.length ?? 0), 0));
    expect(cols.find((r) => r[1] === '政策文件')![3]).toBe('2020-12-28');
    expect(typeof cols[0]![4]).toBe('number');
  });

  it('has no formula cell, neutralises formula-like text and links only http(s)/evidence', () => {
    let cells = 0;
    wb.eachSheet((ws) =>
      ws.eachRow((row) =>
        row.eachCell((cell) => {
          cells++;
          expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
          expect(cell.formula).toBeFalsy();
          const v = cell.value;
          const shown = typeof v === 'string' ? v : v && typeof v === 'object' && 'text' in v ? String(v.text) : '';
          expect(shown).not.toMatch(/^[=+\-@\t\r]/);
          if (v && typeof v === 'object' && 'hyperlink' in v) expect(v.hyperlink).toMatch(/^(https?:|evidence\/)/);
        }),
      ),
    );
    expect(cells).toBeGreaterThan(50);
    const detail = rows(wb.getWorksheet('扣分明细')!);
    const hostile = detail.find((r) => String(r[5]).includes('HYPERLINK'))!;
    expect(hostile[5]).toMatch(/^'=HYPERLINK/);
    expect(hostile[6]).toBe("'+SUM(1,2)");
    const js = detail.find((r) => r[7] === HOSTILE.jsUrl);
    expect(js, 'javascript: address kept as plain text').toBeDefined();
    // A traversal "screenshot" path is neither linked nor shown.
    expect(JSON.stringify(detail.find((r) => String(r[5]).includes(HOSTILE.title))![8] ?? null)).not.toContain('passwd');
    expect(rows(wb.getWorksheet('无法判定')!).some((r) => String(r[3]).startsWith("'\t=cmd"))).toBe(true);
  });

  it('prints every sheet on A4 landscape with margins, repeated frozen filtered header, title and page numbers', () => {
    const names = wb.worksheets.map((ws) => ws.name);
    expect(names).toEqual(['汇总', '扣分明细', '提示', '无法判定', '栏目概况', '说明']);
    for (const ws of wb.worksheets) {
      const header = ws.getRow(1);
      expect(header.getCell(1).font?.bold).toBe(true);
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(ws.pageSetup.orientation).toBe('landscape');
      expect(ws.pageSetup.paperSize).toBe(9);
      expect(ws.pageSetup.margins).toMatchObject({ left: 0.4, right: 0.4, top: 0.6, bottom: 0.6 });
      expect(ws.pageSetup.printTitlesRow).toBe('1:1');
      const last = String.fromCharCode(64 + header.cellCount);
      expect(ws.autoFilter).toBe(`A1:${last}1`);
      expect(ws.headerFooter.oddHeader).toContain(report.schemeTitle!);
      expect(ws.headerFooter.oddHeader).toContain(ws.name);
      expect(ws.headerFooter.oddFooter).toMatch(/&P.*&N/);
      ws.eachRow((row, n) => {
        if (n > 1) row.eachCell((cell) => expect(cell.alignment?.wrapText, `${ws.name}!${cell.address}`).toBe(true));
      });
    }
  });

  it('shrinks to one page width exactly when the print stays at 8 pt or more, computed from the column widths', () => {
    for (const ws of wb.worksheets) {
      const widths = ws.columns.map((c) => c.width!);
      const { fitToWidth, printedPt } = printLayout(widths);
      expect(ws.pageSetup.fitToPage, ws.name).toBe(fitToWidth);
      // The report's own sheets are laid out to fit readably.
      expect(printedPt, ws.name).toBeGreaterThanOrEqual(MIN_PRINT_PT);
      if (fitToWidth) expect(ws.pageSetup).toMatchObject({ fitToWidth: 1, fitToHeight: 0 });
    }
    // The old 扣分明细 (raw paths in wide columns) would print at about 6 pt: not shrunk then.
    const old = printLayout([22, 22, 16, 20, 7, 50, 16, 40, 36, 24]);
    expect(old.printedPt).toBeLessThan(MIN_PRINT_PT);
    expect(old.fitToWidth).toBe(false);
    expect(printLayout([10, 10]).printedPt).toBe(11);
  });

  it('gives 问题描述 room for Chinese text and rows the height of their wrapped text', () => {
    const ws = wb.getWorksheet('扣分明细')!;
    const col = headers(ws).indexOf('问题描述') + 1;
    expect(ws.getColumn(col).width).toBeGreaterThanOrEqual(40);
    let tall = 0;
    ws.eachRow((row, n) => {
      if (n === 1) return;
      const lines = String(row.getCell(col).value ?? '').split('\n').length;
      // At least one line (15 pt) per line of text.
      expect(row.height, `row ${n}`).toBeGreaterThanOrEqual(15 * lines);
      if (lines > 1) tall++;
    });
    expect(tall).toBeGreaterThan(0);
  });

  it('links evidence as 查看截图 / 打开页面 only', () => {
    let links = 0;
    wb.eachSheet((ws) =>
      ws.eachRow((row) =>
        row.eachCell((cell) => {
          const v = cell.value;
          if (v && typeof v === 'object' && 'hyperlink' in v) {
            links++;
            expect(v.text).toBe(v.hyperlink.startsWith('evidence/') ? '查看截图' : '打开页面');
          }
        }),
      ),
    );
    expect(links).toBeGreaterThan(10);
  });

  it('扣分明细 shows the >3 jump as one indicator row carrying the points, its columns at 0 counted in it', async () => {
    const file = join(dir, 'jump.xlsx');
    await writeXlsxReport(withJump(makeReport(), 'wjw'), file);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    const wjw = rows(book.getWorksheet('扣分明细')!).filter((r) => r[0] === '县卫生健康委员会' && r[1] === '平台栏目更新');
    expect(wjw[0]!.slice(3, 5)).toEqual(['名下超过3个栏目未更新，直接扣10分', 10]);
    const columns = wjw.slice(1);
    expect(columns.length).toBeGreaterThan(0);
    for (const r of columns) {
      expect(r[4]).toBe(0);
      expect(String(r[5])).toContain('计入“平台栏目更新”：名下超过3个栏目未更新，直接扣10分');
    }
  });

  it('an empty sheet says 无 instead of printing a lone header', async () => {
    const r = makeReport();
    for (const u of r.units) {
      u.inconclusive = [];
      u.findings = u.findings.filter((f) => !f.advisory);
    }
    const file = join(dir, 'empty.xlsx');
    await writeXlsxReport(r, file);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    for (const name of ['无法判定', '提示']) {
      const ws = book.getWorksheet(name)!;
      expect(rows(ws), name).toEqual([['无']]);
    }
    expect(rows(book.getWorksheet('扣分明细')!).length).toBeGreaterThan(1);
  });

  it('omits 栏目概况 when no unit carries columns', async () => {
    const r = makeReport();
    for (const u of r.units) delete u.columns;
    const file = join(dir, 'nocols.xlsx');
    await writeXlsxReport(r, file);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    expect(book.getWorksheet('栏目概况')).toBeUndefined();
    expect(book.getWorksheet('汇总')).toBeDefined();
  });

  it('no cell exceeds Excel’s 32,767 characters: a longer text is cut with an ellipsis', async () => {
    const r = makeReport();
    const f = r.units.flatMap((u) => u.findings)[0]!;
    f.message = `=${'栏'.repeat(40_000)}`;
    r.units[0]!.inconclusive.push({ rule: 'column-update', url: 'http://127.0.0.1/x', reason: `${'因'.repeat(MAX_CELL_CHARS - 2)}😀😀` });
    const file = join(dir, 'long.xlsx');
    await writeXlsxReport(r, file);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    const cells = ['扣分明细', '提示', '无法判定'].flatMap((name) => rows(book.getWorksheet(name)!).flat()).map((v) => (typeof v === 'string' ? v : ''));
    expect(Math.max(...cells.map((c) => c.length))).toBe(MAX_CELL_CHARS);
    const message = cells.find((c) => c.startsWith("'=栏"))!;
    expect(message.endsWith('栏…')).toBe(true);
    const reason = cells.find((c) => c.startsWith('因因'))!;
    // Cut before the emoji's surrogate pair, not through it.
    expect(reason).toBe(`${'因'.repeat(MAX_CELL_CHARS - 2)}…`);
    expect(neutralise('短文本')).toBe('短文本');
  });

  it('neutralise prefixes only dangerous leading characters', () => {
    expect(neutralise('=1+1')).toBe("'=1+1");
    expect(neutralise('-5')).toBe("'-5");
    expect(neutralise('\r=x')).toBe("'\r=x");
    expect(neutralise('政策文件 = 1')).toBe('政策文件 = 1');
  });
});
