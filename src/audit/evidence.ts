import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import PQueue from 'p-queue';
import { reasonOf, screenshot, type Locator } from '../browser/screenshot.ts';
import type { Finding, UnitResult } from '../model/result.ts';
import type { NetworkPolicy } from '../net/policy.ts';

/**
 * Evidence screenshots (佐证截图): for each finding, the page it is about,
 * scrolled to and outlining the element it concerns (located by the finding's
 * `evidence.highlight` — the newest item's title, the link text… — with the
 * `linkUrl` or `newestDate` the rule observed, see locatorOf), saved under
 * `<outDir>/evidence/<unit>/`. Sets `evidence.screenshot` (relative to
 * outDir) and `evidence.located` (the element was found and outlined) or,
 * when the page cannot be shown, `evidence.screenshotError`.
 * A finding about a file (an attachment) is pictured on the page that links
 * to it, `evidence.linkedFrom`, with the link outlined.
 */

export interface EvidenceOptions {
  /** The run's network policy: pages of the units file's hosts only, every browser request through it. */
  policy: NetworkPolicy;
  /** Whole budget for one page, from navigation to the saved file. Default 15 000 ms. */
  timeoutMs?: number;
  /** Pages open at once. Default 2. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called after each distinct page is done (captured or failed). */
  onProgress?: (done: number, total: number) => void;
}

interface Planned {
  url: string;
  locator: Locator | null;
  /** Relative to outDir, with forward slashes. */
  file: string;
  findings: Finding[];
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

/**
 * A file-name segment made only of [A-Za-z0-9_-]; when anything had to be
 * replaced, a hash of the original keeps distinct ids distinct.
 */
export function safeSegment(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return cleaned === text && cleaned !== '' ? cleaned : `${cleaned}-${shortHash(text).slice(0, 6)}`;
}

function isHttp(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The page to picture: where the text the rule relied on stands (its
 * `evidencePage`, e.g. the 机构职能 article the leader rule read), the page
 * linking to the file the finding is about, or the finding's own page.
 */
function pageOf(f: Finding): string {
  const { evidencePage, evidenceText, linkedFrom } = f.evidence;
  if (typeof evidencePage === 'string' && typeof evidenceText === 'string' && evidenceText && isHttp(evidencePage)) return evidencePage;
  return typeof linkedFrom === 'string' && isHttp(linkedFrom) ? linkedFrom : f.url;
}

/**
 * What locates the finding's element: the text the rule relied on
 * (`evidenceText`, a sentence or card) or its highlight text, and where the
 * rule observed them, the link's address (a link finding: dead-link,
 * interpretation-link) and the newest item's date (a stale column's dated row).
 */
export function locatorOf(f: Finding): Locator | null {
  const { evidenceText, highlight, linkUrl, newestDate } = f.evidence;
  const text = pageOf(f) !== f.url && typeof evidenceText === 'string' && evidenceText ? evidenceText : typeof highlight === 'string' ? highlight : '';
  if (!text) return null;
  return {
    text,
    ...(typeof linkUrl === 'string' && isHttp(linkUrl) ? { href: new URL(linkUrl).href } : {}),
    ...(typeof newestDate === 'string' ? { near: newestDate } : {}),
  };
}

export async function captureEvidence(units: UnitResult[], outDir: string, opts: EvidenceOptions): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const evidenceRoot = resolve(outDir, 'evidence');
  const shots = new Map<string, Planned>();
  for (const unit of units) {
    const unitDir = safeSegment(unit.id);
    for (const f of unit.findings) {
      if (f.review?.decision === 'waived') continue;
      const page = pageOf(f);
      if (!isHttp(page)) {
        fail([f], '问题地址不是 http/https 网址，未截图');
        continue;
      }
      if (!opts.policy.isUnitUrl(f.url) || !opts.policy.isUnitUrl(page)) {
        fail([f], '问题地址不在单位名单所列网站之内，按网络访问规则未截图');
        continue;
      }
      const locator = locatorOf(f);
      const key = JSON.stringify([unit.id, page, locator]);
      const existing = shots.get(key);
      if (existing) {
        existing.findings.push(f);
        continue;
      }
      const name = `${safeSegment(f.rule)}-${safeSegment(f.code)}-${shortHash(`${page}\n${f.column ?? ''}\n${JSON.stringify(locator)}`)}.png`;
      shots.set(key, { url: page, locator, file: `evidence/${unitDir}/${name}`, findings: [f] });
    }
  }

  const total = shots.size;
  let done = 0;
  const queue = new PQueue({ concurrency: opts.concurrency ?? 2 });
  const abort = () => queue.clear();
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    for (const shot of shots.values()) {
      void queue.add(async () => {
        if (opts.signal?.aborted) return;
        const target = resolve(outDir, shot.file);
        try {
          // Names are built from sanitised segments; this only guards the invariant.
          if (!target.startsWith(evidenceRoot + sep)) throw new Error(`截图路径越界：${shot.file}`);
          const { png, pointed } = await screenshot(shot.url, shot.locator, timeoutMs, { policy: opts.policy, signal: opts.signal });
          await mkdir(resolve(target, '..'), { recursive: true });
          await writeFile(target, png);
          for (const f of shot.findings) {
            f.evidence.screenshot = shot.file;
            if (shot.locator) f.evidence.located = pointed;
            delete f.evidence.screenshotError;
          }
        } catch (err) {
          fail(shot.findings, reasonOf(err, timeoutMs));
        }
        done++;
        opts.onProgress?.(done, total);
      });
    }
    await queue.onIdle();
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
  opts.signal?.throwIfAborted();
}

function fail(findings: Finding[], reason: string): void {
  for (const f of findings) {
    delete f.evidence.screenshot;
    delete f.evidence.located;
    f.evidence.screenshotError = reason;
  }
}
