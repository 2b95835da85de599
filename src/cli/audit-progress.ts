import type { AuditProgress } from '../audit/run-audit.ts';
import type { Unit } from '../model/snapshot.ts';
import { createCrawlProgress } from './progress.ts';

/** Audit progress on stderr: the crawl as `zwgk crawl` shows it, then the screenshot count. */
export function createAuditProgress(units: Unit[], stream: NodeJS.WriteStream = process.stderr) {
  const crawl = createCrawlProgress(units, stream);
  let evidenceShown = 0;
  return {
    onProgress(p: AuditProgress): void {
      if (p.crawl) return crawl.onProgress(p.crawl);
      if (p.phase !== 'evidence') return;
      crawl.finish();
      // On a log file, one line per tenth is enough.
      const step = stream.isTTY ? 1 : Math.max(1, Math.ceil(p.unitsTotal / 10));
      if (p.unitsDone < p.unitsTotal && p.unitsDone - evidenceShown < step) return;
      evidenceShown = p.unitsDone;
      stream.write(stream.isTTY ? `\r\x1b[2K截图 ${p.unitsDone}/${p.unitsTotal}` : `截图 ${p.unitsDone}/${p.unitsTotal}\n`);
    },
    finish(): void {
      crawl.finish();
      if (stream.isTTY && evidenceShown > 0) stream.write('\n');
    },
  };
}
