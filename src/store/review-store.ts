import { mkdir, open, readFile, truncate } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fsyncDir } from '../lib/atomic-write.ts';
import { REVIEW_STATE_LABEL, ReviewError, stateOf, type Review, type ReviewEvent, type ReviewState } from '../model/review-states.ts';

/**
 * Review states (复核) in the data folder: `<dataDir>/reviews.jsonl`, an
 * append-only journal of JSON lines, each either a state change of one
 * finding or the record of an audit of one unit (where its report is):
 *
 *   {"unit":"jtj","key":"<finding key>","event":{state,at,by,reason?,source}}
 *   {"unit":"jtj","audit":{"reportDir":"/abs/reports/2021-01-20","at":"…"}}
 *
 * A finding is named by the unit and its key (src/review/apply.ts
 * reviewKey: rule, code, column, address — the identity history.json uses),
 * so its review survives re-audits. Replaying the journal gives each
 * finding's Review; transitions are checked before they are appended
 * (src/model/review-states.ts), so replay only folds.
 *
 * Durability: every append is one write of whole lines, fsynced (and the
 * folder fsynced when the file is created). A last line cut short by a crash
 * is passed over at open (and cut off before the next append), said so in
 * `recovery`. One writer per data folder:
 * callers hold its lock (src/store/data-lock.ts) — the CLI through
 * src/cli/data-dir.ts, `zwgk serve` for its whole life.
 *
 * API (small on purpose, so another backend can offer the same):
 *   openReviewStore(dataDir) → ReviewStore     one instance per folder in a process
 *   store.review(unit, key) → Review | undefined
 *   store.reviewsOf(unit) → ReadonlyMap<key, Review>
 *   store.units() → unit ids with reviews or audits
 *   store.lastAudit(unit) → { reportDir, at } | undefined
 *   await store.append(changes, audits?)       one durable write
 */

export const REVIEW_FILE = 'reviews.jsonl';

export interface ReviewChange {
  unit: string;
  key: string;
  event: ReviewEvent;
  /** The state the change was decided from: checked again when it is written (another change may have come first). Not stored. */
  from?: ReviewState;
}

export interface AuditRecord {
  unit: string;
  reportDir: string;
  at: string;
}

type Line = ReviewChange | { unit: string; audit: { reportDir: string; at: string } };

export class ReviewStore {
  readonly #reviews = new Map<string, Map<string, Review>>();
  readonly #audits = new Map<string, { reportDir: string; at: string }>();
  #writing: Promise<void> = Promise.resolve();
  #cutTo: number | null = null;
  /** Set when a damaged last line was dropped at open: one Chinese line for the log. */
  recovery: string | null = null;

  private constructor(readonly file: string) {}

  static async load(dataDir: string): Promise<ReviewStore> {
    const store = new ReviewStore(join(dataDir, REVIEW_FILE));
    let text: string;
    try {
      text = await readFile(store.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return store;
      throw new Error(`复核记录 ${store.file} 无法读取：${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    // Every append ends with a newline: a last piece without one is a write a crash cut short, never acknowledged.
    const lines = text.split('\n');
    const torn = lines.pop()!;
    lines.forEach((raw, i) => {
      if (raw === '') return;
      const line = parseLine(raw);
      if (!line) throw new Error(`复核记录 ${store.file} 第${i + 1}行已损坏，无法读取（请从备份恢复该文件）`);
      store.#apply(line);
    });
    if (torn !== '') {
      store.recovery = `复核记录 ${store.file} 的最后一行不完整（上次写入时中断），已舍弃该行`;
      // Cut before the next append (under the lock), so reading never writes.
      store.#cutTo = Buffer.byteLength(text) - Buffer.byteLength(torn);
    }
    return store;
  }

  #apply(line: Line): void {
    if ('audit' in line) {
      this.#audits.set(line.unit, line.audit);
      return;
    }
    const byKey = this.#reviews.get(line.unit) ?? new Map<string, Review>();
    this.#reviews.set(line.unit, byKey);
    const before = byKey.get(line.key);
    byKey.set(line.key, { state: line.event.state, log: [...(before?.log ?? []), line.event] });
  }

  review(unit: string, key: string): Review | undefined {
    return this.#reviews.get(unit)?.get(key);
  }

  reviewsOf(unit: string): ReadonlyMap<string, Review> {
    return this.#reviews.get(unit) ?? new Map();
  }

  units(): string[] {
    return [...new Set([...this.#audits.keys(), ...this.#reviews.keys()])].sort();
  }

  lastAudit(unit: string): { reportDir: string; at: string } | undefined {
    return this.#audits.get(unit);
  }

  /**
   * Appends state changes and audit records in one fsynced write; they count
   * in memory once it is on disk. A change whose `from` is no longer the
   * finding's state (someone else's change came first) refuses the whole
   * batch (ReviewError), or with `onStale: 'skip'` (an audit's re-check) is left out.
   */
  append(changes: readonly ReviewChange[], audits: readonly AuditRecord[] = [], opts: { onStale?: 'refuse' | 'skip' } = {}): Promise<void> {
    const done = this.#writing.catch(() => {}).then(async () => {
      const current = changes.filter((c) => c.from === undefined || stateOf(this.review(c.unit, c.key)) === c.from);
      const stale = changes.find((c) => !current.includes(c));
      if (stale && opts.onStale !== 'skip') {
        throw new ReviewError(`问题的状态刚被改为“${REVIEW_STATE_LABEL[stateOf(this.review(stale.unit, stale.key))]}”，请刷新后重试`);
      }
      const lines: Line[] = [...current.map(({ unit, key, event }) => ({ unit, key, event })), ...audits.map(({ unit, reportDir, at }) => ({ unit, audit: { reportDir, at } }))];
      if (lines.length === 0) return;
      const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
      if (this.#cutTo !== null) await truncate(this.file, this.#cutTo);
      this.#cutTo = null;
      await appendDurably(this.file, text);
      for (const l of lines) this.#apply(l);
    });
    this.#writing = done;
    return done;
  }
}

async function appendDurably(file: string, text: string): Promise<void> {
  await mkdir(resolve(file, '..'), { recursive: true });
  const fh = await open(file, 'a');
  let created: boolean;
  try {
    created = (await fh.stat()).size === 0;
    await fh.appendFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (created) await fsyncDir(resolve(file, '..'));
}

function parseLine(raw: string): Line | null {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.unit !== 'string') return null;
  if (o.audit && typeof o.audit === 'object') {
    const a = o.audit as Record<string, unknown>;
    return typeof a.reportDir === 'string' && typeof a.at === 'string' ? { unit: o.unit, audit: { reportDir: a.reportDir, at: a.at } } : null;
  }
  const e = o.event as Record<string, unknown> | undefined;
  if (typeof o.key !== 'string' || !e || typeof e.state !== 'string' || typeof e.at !== 'string' || typeof e.by !== 'string') return null;
  return { unit: o.unit, key: o.key, event: e as unknown as ReviewEvent };
}

const stores = new Map<string, Promise<ReviewStore>>();

/** The review journal of `dataDir` (one shared instance per folder in a process). */
export function openReviewStore(dataDir: string): Promise<ReviewStore> {
  const dir = resolve(dataDir);
  let store = stores.get(dir);
  if (!store) {
    store = ReviewStore.load(dir);
    stores.set(dir, store);
    store.catch(() => stores.delete(dir));
  }
  return store;
}
