import type { AuditOutcome, AuditRequest } from '../audit/run-audit.ts';

/**
 * The real audit pipeline and PDF printer for `zwgk serve`, sharing the
 * process's one Chromium: it is closed when the last user is done, so a
 * server idle between nightly runs does not keep a browser alive.
 * Loaded lazily, so the service and its tests do not pull in the crawler.
 */

let users = 0;

async function withBrowserUse<T>(fn: () => Promise<T>): Promise<T> {
  users++;
  try {
    return await fn();
  } finally {
    if (--users === 0) {
      const { closeBrowser } = await import('../browser/chromium.ts');
      await closeBrowser();
    }
  }
}

export function realRunner(request: AuditRequest): Promise<AuditOutcome> {
  return withBrowserUse(async () => (await import('../audit/run-audit.ts')).runAuditRequest({ ...request, keepSnapshots: true }));
}

export function realPdfWriter(htmlFile: string, pdfFile: string): Promise<void> {
  return withBrowserUse(async () => (await import('../browser/pdf.ts')).writePdfReport(htmlFile, pdfFile));
}
