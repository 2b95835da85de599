import { randomBytes } from 'node:crypto';
import { copyFile, link, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Adapter } from 'lowdb';
import { writeFileAtomic } from './atomic-write.ts';
import { fmtInstant, nowIso } from './time.ts';

/**
 * A lowdb adapter for the files the tool cannot do without (the store's
 * index, the service's history): every write is atomic and fsynced
 * (src/lib/atomic-write.ts), and the version it replaces is kept as
 * `<file>.bak`. Reading a file that is missing, zero-length, not JSON or not
 * of the expected shape (a power cut, a full disk, a hand edit) falls back to
 * the `.bak`, else to nothing (the caller's defaults); the damaged file is set
 * aside as `<file>.damaged-<time>` rather than overwritten, and
 * `recovery` says in one Chinese line what happened.
 */
export interface DurableJsonOptions<T> {
  /** What the file is, for the office: 数据目录索引, 历史记录文件. */
  label: string;
  /** Shape check beyond "parses as JSON". */
  valid: (data: unknown) => data is T;
  /** The file's text, whole or in pieces (src/lib/atomic-write.ts FileContent). */
  stringify?: (data: T) => string | Iterable<string>;
}

export interface Recovery {
  /** One Chinese line for the log or the terminal. */
  line: string;
  /** `backup`: the .bak was used; `empty`: nothing usable, the caller starts from its defaults. */
  from: 'backup' | 'empty';
}

export class DurableJsonFile<T> implements Adapter<T> {
  readonly file: string;
  readonly backup: string;
  recovery: Recovery | null = null;
  readonly #o: DurableJsonOptions<T>;
  /** The file on disk is known good (read back fine, or written by us): only then may it become the .bak. */
  #good = false;
  #chain: Promise<void> = Promise.resolve();
  #queued: Promise<void> | null = null;
  #latest: T | undefined;

  constructor(file: string, opts: DurableJsonOptions<T>) {
    this.file = file;
    this.backup = `${file}.bak`;
    this.#o = opts;
  }

  async read(): Promise<T | null> {
    const main = await this.#load(this.file);
    if (main.ok) {
      this.#good = true;
      return main.data;
    }
    if (main.problem === null && !(await exists(this.backup))) return null; // a new data folder
    const bak = await this.#load(this.backup);
    const problem = main.problem ?? '文件不存在';
    const aside = main.problem === null ? null : await this.#setAside();
    const kept = aside ? `，损坏的文件已另存为 ${basename(aside)}` : '';
    if (bak.ok) {
      const when = await stat(this.backup).then((s) => `（${fmtInstant(nowIso(s.mtime))} 的版本）`, () => '');
      this.recovery = { from: 'backup', line: `${this.#o.label} ${this.file} ${problem}，已从备份 ${basename(this.backup)}${when}恢复${kept}` };
      return bak.data;
    }
    const why = bak.problem === null ? '没有备份' : `备份也${bak.problem}`;
    this.recovery = { from: 'empty', line: `${this.#o.label} ${this.file} ${problem}，${why}，已重新建立${kept}` };
    return null;
  }

  /**
   * Overlapping writes are serialised; writes asked for while one is waiting
   * share it (it serialises the newest data when its turn comes).
   */
  write(data: T): Promise<void> {
    this.#latest = data;
    if (this.#queued) return this.#queued;
    const next = this.#chain.then(() => {
      this.#queued = null;
      return this.#writeNow(this.#latest as T);
    });
    this.#queued = next;
    this.#chain = next.catch(() => {});
    return next;
  }

  async #writeNow(data: T): Promise<void> {
    const text = (this.#o.stringify ?? ((d: T) => JSON.stringify(d)))(data);
    if (this.#good) await keepBackup(this.file, this.backup);
    await writeFileAtomic(this.file, text);
    this.#good = true;
  }

  async #load(file: string): Promise<{ ok: true; data: T } | { ok: false; problem: string | null }> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, problem: null };
      return { ok: false, problem: `无法读取（${(err as NodeJS.ErrnoException).code ?? (err as Error).message}）` };
    }
    if (text.trim() === '') return { ok: false, problem: '是空文件' };
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return { ok: false, problem: '内容不完整或已损坏' };
    }
    return this.#o.valid(data) ? { ok: true, data } : { ok: false, problem: '内容格式不对' };
  }

  async #setAside(): Promise<string | null> {
    const aside = `${this.file}.damaged-${nowIso().slice(0, 19).replace(/[-:]/g, '')}`;
    try {
      await rename(this.file, aside);
      return aside;
    } catch {
      return null;
    }
  }
}

/**
 * The current file becomes the .bak by a hard link (no copy, and the file is
 * never absent); where the file system has no hard links, by a copy.
 */
async function keepBackup(file: string, backup: string): Promise<void> {
  const tmp = `${backup}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await link(file, tmp);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK') throw err;
    await copyFile(file, tmp);
  }
  try {
    await rename(tmp, backup);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** For shape checks: a JSON object (not an array, not null). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
