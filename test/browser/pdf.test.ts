import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeBrowser } from '../../src/browser/chromium.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { writePdfReport } from '../../src/browser/pdf.ts';
import { makeReport } from '../helpers/report-factory.ts';

const dir = mkdtempSync(join(tmpdir(), 'zwgk-pdf-'));

afterAll(async () => {
  await closeBrowser();
  rmSync(dir, { recursive: true, force: true });
});

/** Page objects in the PDF (Chromium writes them uncompressed, one `/Type /Page` each). */
function pageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}

describe('writePdfReport', () => {
  it('prints the HTML report to an A4 PDF with a page per unit', async () => {
    const report = makeReport();
    const html = join(dir, 'report.html');
    writeFileSync(html, renderHtmlReport(report));
    const pdfFile = join(dir, 'sub', 'report.pdf');
    await writePdfReport(html, pdfFile);
    const pdf = readFileSync(pdfFile);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // The summary, then every unit on a page of its own.
    expect(pageCount(pdf)).toBeGreaterThanOrEqual(report.units.length + 1);
    // A4 is 595×842 points (Chromium rounds to whole CSS pixels).
    const boxes = [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(boxes.length).toBe(pageCount(pdf));
    for (const [w, h] of boxes) {
      expect(w).toBeCloseTo(595.3, -0.5);
      expect(h).toBeCloseTo(841.9, -0.5);
    }
  });

  it('fails with an error when the HTML file does not exist', async () => {
    await expect(writePdfReport(join(dir, 'missing.html'), join(dir, 'missing.pdf'))).rejects.toThrow();
  });
});
