/**
 * Makes docs/printed-page.png, the README's picture of a printed report page:
 * prints a report.html to PDF exactly as `zwgk audit --pdf` does, then draws
 * one page of that PDF with pdfjs inside the shared Chromium and saves it.
 *
 *   npm run demo
 *   npx tsx docs/print-picture.ts reports/demo/report.html <unit name> docs/printed-page.png
 *
 * The page drawn is the first page of the unit named. Only a temporary folder
 * holding the PDF is readable by the page; no network.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { closeBrowser, withPage } from '../src/browser/chromium.ts';
import { writePdfReport } from '../src/browser/pdf.ts';
import { writeFileAtomic } from '../src/lib/atomic-write.ts';
import { NetworkPolicy } from '../src/net/policy.ts';

const [htmlArg, unitName, outArg] = process.argv.slice(2);
if (!htmlArg || !unitName || !outArg) {
  process.stderr.write('用法：npx tsx docs/print-picture.ts <report.html> <单位名称> <输出.png>\n');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'zwgk-print-picture-'));
try {
  const pdfFile = join(work, 'report.pdf');
  await writePdfReport(resolve(htmlArg), pdfFile);
  const build = join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'build');
  writeFileSync(join(work, 'draw.html'), '<!doctype html><meta charset="utf-8"><body style="margin:0;background:#fff"><canvas id="c"></canvas></body>');
  const drawn = await withPage(
    NetworkPolicy.none(),
    async (page) => {
      await page.goto(pathToFileURL(join(work, 'draw.html')).href);
      // Inline module scripts (a file: page may not import modules): they leave globalThis.pdfjsLib and, run in
      // this thread instead of a worker, globalThis.pdfjsWorker.
      for (const f of ['pdf.worker.mjs', 'pdf.mjs']) await page.addScriptTag({ content: readFileSync(join(build, f), 'utf8'), type: 'module' });
      await page.waitForFunction('globalThis.pdfjsLib && globalThis.pdfjsWorker');
      const pdf = readFileSync(pdfFile).toString('base64');
      // 1.5 × the PDF's 72 dpi: an A4 page 893 × 1263 pixels.
      const size = (await page.evaluate(`(async ({ pdf, unit }) => {
        const pdfjs = globalThis.pdfjsLib;
        const data = Uint8Array.from(atob(pdf), (c) => c.charCodeAt(0));
        const doc = await pdfjs.getDocument({ data, isEvalSupported: false }).promise;
        let target = 1;
        for (let n = 2; n <= doc.numPages; n++) {
          const text = (await (await doc.getPage(n)).getTextContent()).items.map((x) => x.str).join('').replace(/\\s+/g, '');
          if (text.includes('名' + unit)) { target = n; break; }
        }
        const p = await doc.getPage(target);
        const viewport = p.getViewport({ scale: 1.5 });
        const canvas = document.getElementById('c');
        canvas.width = viewport.width;
        canvas.height = viewport.height;
        await p.render({ canvasContext: canvas.getContext('2d'), viewport }).promise;
        return { width: viewport.width, height: viewport.height, target };
      })(${JSON.stringify({ pdf, unit: unitName })})`)) as { width: number; height: number; target: number };
      return { png: await page.locator('#c').screenshot({ type: 'png', timeout: 30_000 }), size };
    },
    { viewport: { width: 900, height: 1300 } },
    { deadlineMs: 120_000, files: work },
  );
  await writeFileAtomic(resolve(outArg), drawn.png);
  process.stdout.write(`${resolve(outArg)}：第 ${drawn.size.target} 页（${Math.round(drawn.size.width)} × ${Math.round(drawn.size.height)}）\n`);
} finally {
  await closeBrowser();
  rmSync(work, { recursive: true, force: true });
}
