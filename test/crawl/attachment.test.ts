import { afterAll, describe, expect, it } from 'vitest';
import { docxOf, minimalPdf, xlsxOf } from '../../fixtures/portal/documents.ts';
import { AttachmentReader } from '../../src/crawl/attachment-reader.ts';
import { extractAttachmentText, formatFromName, sniffFormat } from '../../src/crawl/parse/attachment.ts';

const ID = '360922198503151237';

describe('attachment formats', () => {
  it('names a format from the address, a filename= query or the link text', () => {
    expect(formatFromName('http://p.test/a/b/公示名单.PDF')).toBe('pdf');
    expect(formatFromName('http://p.test/down.jsp?filename=%E5%90%8D%E5%8D%95.xlsx&id=3')).toBe('xlsx');
    expect(formatFromName('http://p.test/down.jsp?id=3', '附件：补助名单.wps')).toBe('wps');
    expect(formatFromName('http://p.test/art/1.html', '查看详情')).toBeNull();
  });

  it('tells formats by their signature, not by the address', async () => {
    expect(sniffFormat(minimalPdf(['x']), 'doc')).toBe('pdf');
    expect(sniffFormat(docxOf(['x']), 'doc')).toBe('docx');
    expect(sniffFormat(xlsxOf('s', [['x']]), 'xls')).toBe('xlsx');
    expect(sniffFormat(Buffer.from('<!DOCTYPE html><html><body>登录</body></html>'), 'pdf')).toBe('html');
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(64), Buffer.from('Workbook', 'utf16le')]);
    expect(sniffFormat(ole, 'xls')).toBe('xls');
    expect(sniffFormat(ole, 'et')).toBe('et');
    expect(sniffFormat(Buffer.from('just bytes'), null)).toBe('unknown');
  });
});

describe('extractAttachmentText', () => {
  it('reads Chinese text of a PDF drawn with a predefined CJK CMap', async () => {
    const r = await extractAttachmentText(minimalPdf(['低保对象公示名单', `张三 身份证号 ${ID}`]), 'pdf');
    expect(r.text).toContain('低保对象公示名单');
    expect(r.text).toContain(`张三 身份证号 ${ID}`);
    expect(r.truncated).toBe(false);
  });

  it('reads DOCX paragraphs and XLSX cells', async () => {
    expect((await extractAttachmentText(docxOf(['第一段', `身份证号：${ID}`]), 'docx')).text).toMatch(new RegExp(`第一段\\s+身份证号：${ID}`));
    const x = await extractAttachmentText(xlsxOf('名单', [['姓名', '身份证号'], ['李四', ID]]), 'xlsx');
    expect(x.text.split('\n')).toEqual(['名单', '姓名\t身份证号', `李四\t${ID}`]);
  });

  it('reads an XLSX as Excel writes it (shared strings, numbers)', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const book = new ExcelJS.Workbook();
    const ws = book.addWorksheet('发放表');
    ws.addRow(['姓名', '身份证号', '金额']);
    ws.addRow(['王五', ID, 1200]);
    const r = await extractAttachmentText(Buffer.from(await book.xlsx.writeBuffer()), 'xlsx');
    expect(r.text.split('\n')).toEqual(['发放表', '姓名\t身份证号\t金额', `王五\t${ID}\t1200`]);
  });

  it('refuses a format no kept library reads, and a damaged file', async () => {
    await expect(extractAttachmentText(Buffer.from('x'), 'xls')).rejects.toThrow('XLS 格式没有可用的读取程序');
    await expect(extractAttachmentText(Buffer.from('%PDF-1.4 garbage'), 'pdf')).rejects.toThrow();
  });

  it('stops at the character bound and says so', async () => {
    const r = await extractAttachmentText(xlsxOf('s', Array.from({ length: 200 }, (_, i) => [`第${i}行`, '内容'.repeat(20)])), 'xlsx', { maxChars: 500 });
    expect(r.text.length).toBe(500);
    expect(r.truncated).toBe(true);
  });
});

describe('AttachmentReader (worker thread with a budget)', () => {
  const reader = new AttachmentReader();
  afterAll(() => reader.close());

  it('reads in a worker thread', async () => {
    const r = await reader.read(minimalPdf([`编号 ${ID}`]), 'pdf');
    expect(r).toEqual({ ok: true, text: expect.stringContaining(ID), truncated: false });
  });

  it('reports a file the libraries cannot parse as unreadable, and goes on', async () => {
    const r = await reader.read(Buffer.from('PK\u0003\u0004 not a zip'), 'docx');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^文件无法解析/);
    expect((await reader.read(docxOf(['好']), 'docx')).ok).toBe(true);
  });

  it('terminates a reading over its time bound (other readers go on)', async () => {
    const hasty = new AttachmentReader({ timeoutMs: 1 });
    try {
      const r = await hasty.read(minimalPdf(['慢']), 'pdf');
      expect(r).toEqual({ ok: false, reason: '读取超过 0 秒，已停止' });
    } finally {
      await hasty.close();
    }
    expect(await reader.read(minimalPdf(['快']), 'pdf')).toMatchObject({ ok: true });
  });
});
