import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, withPage } from '../../src/browser/chromium.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { writePdfReport } from '../../src/browser/pdf.ts';
import { NetworkPolicy } from '../../src/net/policy.ts';
import type { AuditReport } from '../../src/model/result.ts';
import { finding, makeReport } from '../helpers/report-factory.ts';

const dir = mkdtempSync(join(tmpdir(), 'zwgk-pdf-'));

/** The unit that gets enough findings to fill several pages, each row marked at its start and at its end. */
const BIG = 'rsj';
const ROWS = 45;
const mark = (i: number, end: 'S' | 'E') => `Q${String(i).padStart(2, '0')}${end}`;

function bigReport(): AuditReport {
  const report = makeReport();
  const unit = report.units.find((u) => u.id === BIG)!;
  for (let i = 0; i < ROWS; i++) {
    unit.findings.push(
      finding({
        rule: 'column-update',
        code: 'stale',
        deduction: 0,
        column: `栏目${i}`,
        url: `http://127.0.0.1:8080/xxgk/rsj/c${i}/index.html`,
        // Long enough to wrap over many lines (Chromium splits such rows unless told not to): a cut row would show its start and end on different pages.
        message: `${mark(i, 'S')} 栏目“栏目${i}”最新信息发布于 2020-03-01，距测评基准日超过 180 天未更新，${'该栏目长期未更新相关信息，'.repeat(14)}${mark(i, 'E')}`,
        evidence: { screenshotError: '页面加载超时（15 秒）' },
      }),
    );
  }
  return report;
}

interface Text {
  str: string;
  /** From the top of the page, in points. */
  top: number;
}

/** Each page's text items with their height on the page, read back with pdfjs. */
async function pdfPages(file: string): Promise<Text[][]> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
  const doc = await getDocument({
    data: new Uint8Array(readFileSync(file)),
    cMapUrl: join(root, 'cmaps') + '/',
    cMapPacked: true,
    isEvalSupported: false,
    disableFontFace: true,
    verbosity: 0,
  }).promise;
  const pages: Text[][] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const height = page.getViewport({ scale: 1 }).height;
    const content = await page.getTextContent();
    pages.push(
      content.items
        .filter((x) => 'str' in x && x.str.trim() !== '')
        .map((x) => {
          const item = x as { str: string; transform: number[] };
          return { str: item.str, top: height - item.transform[5]! };
        }),
    );
  }
  return pages;
}

const joined = (page: Text[]) => page.map((t) => t.str).join('');
/** The first page on which `text` shows, from page `from` (0-based). */
const pageOf = (pages: Text[][], text: string, from = 0) => pages.findIndex((p, i) => i >= from && joined(p).includes(text));

/**
 * Pages each unit should take, measured by Chromium's own print layout: the
 * unit section's height over the page's content height (A4 less the @page
 * margins). Keeping rows whole can push a page's last row over: one more page
 * at most.
 */
async function expectedPages(htmlFile: string): Promise<Record<string, number>> {
  return withPage(
    NetworkPolicy.none(),
    async (page) => {
      await page.emulateMedia({ media: 'print' });
      await page.goto(pathToFileURL(htmlFile).href);
      return page.evaluate(`(() => {
        const mm = (n) => n * 96 / 25.4;
        const content = mm(297 - 32);
        const out = {};
        for (const s of document.querySelectorAll('section.unit')) out[s.querySelector('h2').textContent.replace(/^第 \\d+ 名/, '')] = Math.ceil(s.getBoundingClientRect().height / content);
        return out;
      })()`) as Promise<Record<string, number>>;
    },
    { viewport: { width: Math.round((210 - 24) * 96 / 25.4), height: 1000 } },
    { deadlineMs: 60_000, files: dir },
  );
}

let report: AuditReport;
let pages: Text[][];
let pdf: Buffer;
let htmlFile: string;

beforeAll(async () => {
  report = bigReport();
  htmlFile = join(dir, 'report.html');
  writeFileSync(htmlFile, renderHtmlReport(report));
  const pdfFile = join(dir, 'sub', 'report.pdf');
  await writePdfReport(htmlFile, pdfFile);
  pdf = readFileSync(pdfFile);
  pages = await pdfPages(pdfFile);
}, 120_000);

afterAll(async () => {
  await closeBrowser();
  rmSync(dir, { recursive: true, force: true });
});

describe('writePdfReport', () => {
  it('prints an A4 PDF', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const boxes = [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(boxes.length).toBe(pages.length);
    // A4 is 595×842 points (Chromium rounds to whole CSS pixels).
    for (const [w, h] of boxes) {
      expect(w).toBeCloseTo(595.3, -0.5);
      expect(h).toBeCloseTo(841.9, -0.5);
    }
  });

  it('opens with a cover page: county, title, year, as-of date, issuing office and date, no page number', () => {
    const cover = joined(pages[0]!);
    for (const text of ['宜丰县', '政务公开工作考评', '过程测评结果报告', '考评年度2020 年', '测评基准日2021-01-20', '出具单位宜丰县人民政府办公室', '出具日期2021年1月20日']) {
      expect(cover.replace(/\s+/g, '')).toContain(text.replace(/\s+/g, ''));
    }
    expect(cover).not.toMatch(/第 \d+ 页/);
    expect(joined(pages[1]!)).toContain('测评结果汇总');
  });

  it('numbers every page after the cover and heads it with the title', () => {
    pages.slice(1).forEach((page, i) => {
      const text = joined(page);
      expect(text).toContain(`第 ${i + 2} 页 / 共 ${pages.length} 页`);
      expect(text).toContain(report.schemeTitle!);
    });
  });

  it('starts each unit on a page of its own, taking the pages its layout needs', async () => {
    const expected = await expectedPages(htmlFile);
    const ranked = [...report.units].sort((a, b) => a.rank! - b.rank!);
    const starts = ranked.map((u) => pageOf(pages, `第 ${u.rank} 名${u.name}`));
    expect(starts.every((s) => s > 0)).toBe(true);
    // The unit's heading is the first line under the page's running title.
    for (const [i, u] of ranked.entries()) {
      const body = pages[starts[i]!]!.filter((t) => !t.str.includes(report.schemeTitle!) && !/^第 \d+ 页/.test(t.str));
      const top = Math.min(...body.map((t) => t.top));
      expect(body.filter((t) => t.top === top).map((t) => t.str).join('')).toContain(`第 ${u.rank} 名`);
    }
    const counts = ranked.map((u, i) => (starts[i + 1] ?? pages.length) - starts[i]!);
    ranked.forEach((u, i) => {
      const want = expected[u.name]!;
      expect(counts[i], u.name).toBeGreaterThanOrEqual(want);
      expect(counts[i], u.name).toBeLessThanOrEqual(want + 1);
    });
    expect(counts[ranked.findIndex((u) => u.id === BIG)]).toBeGreaterThanOrEqual(3);
  });

  it('never splits a table row across pages, and repeats the table header on every page a table continues on', () => {
    let continued = 0;
    for (let i = 0; i < ROWS; i++) {
      const start = pageOf(pages, mark(i, 'S'));
      expect(start, mark(i, 'S')).toBeGreaterThan(0);
      expect(pageOf(pages, mark(i, 'E')), `row ${i} ends on the page it starts`).toBe(start);
      const page = pages[start]!;
      const rowTop = page.find((t) => t.str.includes(mark(i, 'S')))!.top;
      const headerTop = page.find((t) => t.str === '问题描述')?.top;
      expect(headerTop, `a header above row ${i} on page ${start + 1}`).toBeDefined();
      expect(headerTop!).toBeLessThan(rowTop);
      if (i > 0 && pageOf(pages, mark(i - 1, 'S')) !== start) continued++;
    }
    // The table went on over at least two page breaks.
    expect(continued).toBeGreaterThanOrEqual(2);
  });

  it('prints the per-unit report the same way: its cover, then the unit', async () => {
    const unit = report.units.find((u) => u.id === BIG)!;
    const html = join(dir, 'unit.html');
    writeFileSync(html, renderHtmlReport(report, { unitId: BIG }));
    const file = join(dir, 'unit.pdf');
    await writePdfReport(html, file);
    const unitPages = await pdfPages(file);
    const cover = joined(unitPages[0]!);
    expect(cover).toContain(unit.name);
    expect(cover).toContain('过程测评扣分情况');
    expect(cover).not.toMatch(/第 \d+ 页/);
    expect(joined(unitPages[1]!)).toContain(`第 2 页 / 共 ${unitPages.length} 页`);
    for (let i = 0; i < ROWS; i++) expect(pageOf(unitPages, mark(i, 'E'))).toBe(pageOf(unitPages, mark(i, 'S')));
  });

  it('fails with an error when the HTML file does not exist', async () => {
    await expect(writePdfReport(join(dir, 'missing.html'), join(dir, 'missing.pdf'))).rejects.toThrow();
  });
});
