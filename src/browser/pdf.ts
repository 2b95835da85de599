import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { withPage } from './chromium.ts';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { NetworkPolicy } from '../net/policy.ts';

/** Page number footer; Chromium fills the pageNumber/totalPages spans. */
const FOOTER = `<div style="width:100%;font-size:8px;color:#7b8794;text-align:center;font-family:'WenQuanYi Zen Hei','Noto Sans CJK SC','Microsoft YaHei',sans-serif">第 <span class="pageNumber"></span> 页 / 共 <span class="totalPages"></span> 页</div>`;

/**
 * Prints report.html to PDF with the shared Chromium: A4, backgrounds on, the
 * report's own print CSS (page per unit, repeated table headers). Scripts are
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
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: FOOTER,
      });
    },
    { javaScriptEnabled: false },
    { deadlineMs: 120_000, files: dirname(file) },
  );
  await writeFileAtomic(pdfFile, pdf);
}
