import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditRequest } from '../../src/audit/run-audit.ts';
import { extractAttachmentText } from '../../src/crawl/parse/attachment.ts';
import { REPLY_SHEET } from '../../src/review/reply-xlsx.ts';
import { openStore } from '../../src/store/store.ts';
import { runCli } from '../helpers/faults-cli.ts';
import { column, item, snapshot, unit } from '../helpers/snapshot-factory.ts';

/** `zwgk review list|set|import|notice` as the office runs them: one Chinese line on bad input, no stack trace. */

let root: string;
let dataDir: string;
let ids: string[];
let total: number;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'zwgk-review-cli-'));
  dataDir = join(root, 'data');
  const unitsFile = join(root, 'units.csv');
  writeFileSync(unitsFile, 'id,name,type,url\njtj,县教育体育局,department,http://portal.test/xxgk/jtj/index.html\n');
  const store = await openStore(dataDir);
  await store.saveSnapshot(
    snapshot({ unit: unit(), columns: [column('通知公告', [item('关于开展安全检查的通知', '2020-03-01')]), column('工作动态', [item('动态', '2020-02-01')])] }),
  );
  await store.flush();
  const outcome = await runAuditRequest({ unitsFile, asOf: '2021-01-20', dataDir, outDir: join(root, 'out'), fromStore: true, screenshots: false, formats: ['json'] });
  ids = outcome.report.units[0]!.findings.slice(0, 2).map((f) => f.reviewState!.id);
  total = outcome.report.units[0]!.findings.length;
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(['review', ...args, '--data', dataDir], { timeoutMs: 90_000 });

describe('zwgk review', () => {
  it('list, set, notice (HTML, PDF with CJK text on A4, reply form), import of a bad then a good reply', async () => {
    const listed = await cli('list', '--state', '待复核');
    expect(listed.code).toBe(0);
    for (const id of ids) expect(listed.stdout).toMatch(new RegExp(`^${id}  jtj（县教育体育局）  待复核  `, 'm'));
    expect(listed.stdout).toMatch(new RegExp(`共 ${total} 项\n$`));

    const noReason = await cli('set', ids[1]!, '--state', '误报', '--by', '龚健');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toBe('错误：标记为误报必须写明理由\n');
    const badState = await cli('set', ids[1]!, '--state', '已核实', '--by', '龚健');
    expect(badState.code).toBe(2);
    expect(badState.stderr).toMatch(/^错误：--state “已核实”无效，应为 待复核、确认、误报/);
    expect((await cli('set', ...ids, '--state', '确认', '--by', '龚健')).stdout).toBe('已将 2 项问题改为“确认”\n');
    expect((await cli('set', ids[1]!, '--state', '误报', '--by', '龚健', '--reason', '该栏目已并入通知公告')).code).toBe(0);

    const notice = await cli('notice', '--unit', 'jtj', '--office', '某某县人民政府办公室', '--reply-by', '2021-02-10');
    expect(notice.code, notice.stderr).toBe(0);
    const out = join(root, 'out');
    expect(notice.stdout).toContain(`整改通知（1 项问题）：${join(out, 'notice-jtj.html')}`);
    const pdf = readFileSync(join(out, 'notice-jtj.pdf'));
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(3);
    const text = (await extractAttachmentText(pdf, 'pdf')).text.replace(/\s+/g, '');
    expect(text).toContain('某某县人民政府办公室');
    expect(text).toContain('县教育体育局政务公开过程测评问题整改的通知');
    expect(text).toContain('2021年2月10日');
    // The 误报 is not in the notice.
    expect(text).toContain(ids[0]!);
    expect(text).not.toContain(ids[1]!);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(join(out, 'reply-jtj.xlsx')) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet(REPLY_SHEET)!;
    expect(ws.getCell('B2').value).toBe(ids[0]);
    ws.getCell('G2').value = '已整改';
    const badFile = join(root, 'bad.xlsx');
    await wb.xlsx.writeFile(badFile);
    const bad = await cli('import', badFile);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('错误：整改情况表 bad.xlsx 工作表 整改情况表 第2行 字段 整改时间：已整改的问题必须填写整改时间\n错误：整改情况表 bad.xlsx 有 1 处问题，未导入任何内容\n');
    expect((await cli('list', '--state', '已整改')).stdout).toBe('共 0 项\n');

    ws.getCell('H2').value = new Date(Date.UTC(2021, 0, 25));
    const goodFile = join(root, 'good.xlsx');
    await wb.xlsx.writeFile(goodFile);
    const good = await cli('import', goodFile);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('单位 jtj（县教育体育局）：1 项改为“已整改”，0 项报未整改或无法整改');
    expect(good.stdout).toContain('需要复查的单位：jtj');
    expect((await cli('list', '--state', '已整改')).stdout).toMatch(new RegExp(`^${ids[0]}  jtj（县教育体育局）  已整改 .*\\[县教育体育局 .*：整改时间 2021-01-25\\]$`, 'm'));
  }, 180_000);

  it('a missing file, an unknown number: one line and exit 2', async () => {
    const missing = await cli('import', join(root, 'nosuch.xlsx'));
    expect([missing.code, missing.stderr]).toEqual([2, `错误：文件 ${join(root, 'nosuch.xlsx')} 无法读取：文件不存在\n`]);
    const unknown = await cli('set', 'ABCDEF0123', '--state', '确认', '--by', '龚健');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^错误：问题编号 ABCDEF0123 不存在/);
    expect(unknown.stderr.split('\n')).toHaveLength(2);
  }, 60_000);
});
