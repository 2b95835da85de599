import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { nowIso } from '../lib/time.ts';
import type { Destination, Notice } from './channels.ts';

/**
 * Notices waiting to go out, kept in `<dataDir>/outbox.json` so a restart
 * loses none: each destination is tried, and on failure retried with growing
 * delays (1, 2, 4 … minutes, at most an hour apart) up to `maxAttempts`, then
 * marked failed for the dashboard. A failed send is logged and never fails
 * anything else (an audit, the nightly run). A notice is queued once per key
 * and destination, so a digest is never sent twice.
 */

export interface OutboxEntry {
  id: string;
  /** What the notice is about (digest:2021-01-20:jtj, confirmed:<finding>…): one entry per key and destination. */
  key: string;
  dest: Destination;
  notice: Notice;
  createdAt: string;
  state: 'pending' | 'sent' | 'failed';
  attempts: number;
  /** Earliest next try (ISO instant), while pending. */
  nextAt?: string;
  sentAt?: string;
  lastError?: string;
}

export interface OutboxOptions {
  send: (dest: Destination, notice: Notice) => Promise<void>;
  clock?: () => Date;
  log?: (line: string) => void;
  /** Default 6. */
  maxAttempts?: number;
  /** First retry delay; doubles each time, at most an hour. Default 60 000 ms. */
  baseDelayMs?: number;
  /** Sent and failed entries kept for the dashboard. Default 200. */
  keepDone?: number;
}

export interface OutboxSummary {
  pending: number;
  sent: number;
  failed: number;
  /** Newest failures and pending retries, with their reasons. */
  problems: { key: string; to: string; state: OutboxEntry['state']; attempts: number; lastError: string; nextAt?: string }[];
}

const MAX_DELAY_MS = 3_600_000;

/** A destination as a person names it (the mail address, or which robot). */
export function describeDestination(dest: Destination): string {
  if (dest.kind === 'email') return dest.to;
  const host = (() => {
    try {
      return new URL(dest.url).host;
    } catch {
      return '?';
    }
  })();
  return `${dest.kind === 'wecom' ? '企业微信群机器人' : '钉钉群机器人'}（${host}）`;
}

export class Outbox {
  private entries: OutboxEntry[] = [];
  private writing: Promise<void> = Promise.resolve();
  private delivering: Promise<void> | null = null;
  private seq = 0;

  private constructor(
    readonly file: string,
    private readonly opts: OutboxOptions,
  ) {}

  /** Opens the outbox file; an unreadable one is set aside as empty and reported, never a crash. */
  static async open(file: string, opts: OutboxOptions): Promise<Outbox> {
    const box = new Outbox(file, opts);
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { entries?: OutboxEntry[] };
      box.entries = Array.isArray(parsed.entries) ? parsed.entries : [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') opts.log?.(`通知待发队列 ${file} 无法读取，已从空队列开始（${(err as Error).message.split('\n')[0]}）`);
    }
    return box;
  }

  private now(): Date {
    return (this.opts.clock ?? (() => new Date()))();
  }

  /** Queues a notice for each destination not yet holding this key. */
  async enqueue(key: string, dests: readonly Destination[], notice: Notice): Promise<number> {
    let added = 0;
    for (const dest of dests) {
      const same = JSON.stringify(dest);
      if (this.entries.some((e) => e.key === key && JSON.stringify(e.dest) === same)) continue;
      const at = nowIso(this.now());
      this.entries.push({ id: `${Date.now().toString(36)}-${(this.seq++).toString(36)}`, key, dest, notice, createdAt: at, state: 'pending', attempts: 0, nextAt: at });
      added++;
    }
    if (added) await this.persist();
    return added;
  }

  /** Sends every pending notice that is due, one after another; never throws. A call while one runs waits for it. */
  deliverDue(): Promise<void> {
    this.delivering ??= this.deliver().finally(() => {
      this.delivering = null;
    });
    return this.delivering;
  }

  private async deliver(): Promise<void> {
    const max = this.opts.maxAttempts ?? 6;
    const base = this.opts.baseDelayMs ?? 60_000;
    for (const e of this.entries) {
      if (e.state !== 'pending' || (e.nextAt && Date.parse(e.nextAt) > this.now().getTime())) continue;
      e.attempts++;
      try {
        await this.opts.send(e.dest, e.notice);
        e.state = 'sent';
        e.sentAt = nowIso(this.now());
        delete e.nextAt;
        delete e.lastError;
      } catch (err) {
        e.lastError = (err as Error).message.split('\n')[0]!.slice(0, 300);
        if (e.attempts >= max) {
          e.state = 'failed';
          delete e.nextAt;
          this.opts.log?.(`通知发送失败，已放弃（${describeDestination(e.dest)}，${e.attempts} 次）：${e.lastError}`);
        } else {
          e.nextAt = nowIso(new Date(this.now().getTime() + Math.min(MAX_DELAY_MS, base * 2 ** (e.attempts - 1))));
          this.opts.log?.(`通知发送失败，将于 ${e.nextAt.slice(11, 16)} 重试（${describeDestination(e.dest)}）：${e.lastError}`);
        }
      }
      await this.persist();
    }
  }

  summary(): OutboxSummary {
    const count = (s: OutboxEntry['state']) => this.entries.filter((e) => e.state === s).length;
    const problems = this.entries
      .filter((e) => e.lastError !== undefined)
      .slice(-20)
      .reverse()
      .map((e) => ({ key: e.key, to: describeDestination(e.dest), state: e.state, attempts: e.attempts, lastError: e.lastError!, ...(e.nextAt ? { nextAt: e.nextAt } : {}) }));
    return { pending: count('pending'), sent: count('sent'), failed: count('failed'), problems };
  }

  list(): readonly OutboxEntry[] {
    return this.entries;
  }

  private persist(): Promise<void> {
    const keep = this.opts.keepDone ?? 200;
    const done = this.entries.filter((e) => e.state !== 'pending');
    if (done.length > keep) {
      const drop = new Set(done.slice(0, done.length - keep));
      this.entries = this.entries.filter((e) => !drop.has(e));
    }
    const text = `${JSON.stringify({ version: 1, entries: this.entries })}\n`;
    // Writes in order; one failed write does not stop the next.
    this.writing = this.writing.catch(() => {}).then(() => writeFileAtomic(this.file, text));
    return this.writing;
  }
}
