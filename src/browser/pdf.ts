import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { withPage } from './chromium.ts';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { NetworkPolicy } from '../net/policy.ts';

/**
 * Prints report.html to PDF with the shared Chromium: A4, backgrounds on, the
 * report's own print CSS (cover, page per unit, repeated table headers, the
 * title and page numbers in its @page margin boxes, so a PDF and a page
 * printed from the browser look the same). Scripts are
 * off; the report has none and needs none. No network at all: a policy that
 * allows no host (its proxy refuses everything), and only files of the
 * report's own folder may load.
 */
export async function writePdfReport(htmlFile: string, pdfFile: string): Promise<void> {
  const file = resolve(htmlFile);
  const pdf = await withPage(
    NetworkPolicy.none(),
    async (page) => {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 60_000 });
      return page.pdf({
        format: 'A4',
        printBackground: true,
        preferCSSPageSize: true,
      });
    },
    { javaScriptEnabled: false },
    { deadlineMs: 120_000, files: dirname(file) },
  );
  await writeFileAtomic(pdfFile, pdf);
}
