import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fsyncDir } from '../lib/atomic-write.ts';
import { fmtInstant, nowIso } from '../lib/time.ts';

/**
 * One writer per data folder: `zwgk audit`, `crawl` and `serve` hold
 * `<dataDir>/zwgk.lock` (JSON: pid, command, host, start time) while they run;
 * a second one waits up to `waitMs` for it, then refuses with one Chinese
 * line naming the holder. The lock of a process that is gone (killed, a power
 * cut, the machine rebooted, its pid reused) is taken over, and said so.
 * Within one process the lock is shared: `zwgk serve` holds it, and the
 * audits it runs in-process need nothing more.
 *
 *   const lock = await lockDataDir(dataDir, { command: 'zwgk audit', waitMs, onWait, onTakeover })
 *   await lock.release()
 */

export const LOCK_FILE = 'zwgk.lock';

export interface LockOwner {
  pid: number;
  command: string;
  host: string;
  startedAt: string;
  /** Linux: the boot the process ran in (a lock from before a reboot is stale). */
  bootId?: string;
  /** Linux: the process's start tick, which a reused pid does not share. */
  procStart?: string;
}

export interface DataLock {
  readonly file: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** What the holder is, shown to whoever finds the folder taken: `zwgk serve`, `zwgk audit --unit jtj`. */
  command: string;
  /** How long to wait for the holder to finish (default 0: refuse at once). */
  waitMs?: number;
  /** Told once when the folder is taken and waiting begins. */
  onWait?: (line: string) => void;
  /** Told when a dead process's lock is taken over. */
  onTakeover?: (line: string) => void;
}

export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError';
}

const POLL_MS = 250;
/** A lock file that cannot be read is a holder still writing it, unless it is older than this. */
const UNREADABLE_GRACE_MS = 5_000;

const held = new Map<string, { file: string; owner: LockOwner; users: number }>();
let exitHook = false;

/** Acquisitions under way in this process: a second one for the same folder waits for it and then shares the lock. */
const acquiring = new Map<string, Promise<unknown>>();

export async function lockDataDir(dataDir: string, opts: LockOptions): Promise<DataLock> {
  const dir = resolve(dataDir);
  const file = join(dir, LOCK_FILE);
  const pending = acquiring.get(dir);
  if (pending) {
    await pending.catch(() => {});
    return lockDataDir(dataDir, opts);
  }
  const mine = held.get(dir);
  if (mine) {
    mine.users++;
    return handle(dir, file);
  }
  const owner: LockOwner = { pid: process.pid, command: opts.command, host: hostname(), startedAt: nowIso(), ...procIdentity(process.pid) };
  const done = acquire(dir, file, owner, opts);
  acquiring.set(dir, done);
  try {
    await done;
  } finally {
    acquiring.delete(dir);
  }
  held.set(dir, { file, owner, users: 1 });
  if (!exitHook) {
    exitHook = true;
    // A command that exits without releasing (process.exit on a second Ctrl-C) leaves no lock behind.
    process.on('exit', () => {
      for (const h of held.values()) if (ownsSync(h.file, h.owner)) unlinkSafe(h.file);
    });
  }
  return handle(dir, file);
}

async function acquire(dir: string, file: string, owner: LockOwner, opts: LockOptions): Promise<void> {
  const deadline = Date.now() + Math.max(0, opts.waitMs ?? 0);
  let told = false;
  for (;;) {
    let created: boolean;
    try {
      created = await create(file, owner);
    } catch (err) {
      throw new Error(`数据目录 ${dir} 无法写入锁文件：${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (created) return;
    const found = await readOwner(file);
    if (found === 'gone') continue;
    if (found === 'unreadable' ? await olderThan(file, UNREADABLE_GRACE_MS) : isStale(found)) {
      if (await takeOver(file, found)) {
        opts.onTakeover?.(`数据目录 ${dir} 的锁文件${found === 'unreadable' ? '已损坏' : `属于已不存在的进程 ${describe(found)}`}，已接管`);
      }
      continue;
    }
    const holder = found === 'unreadable' ? '另一个 zwgk 进程' : ` ${describe(found)}`;
    if (Date.now() >= deadline) {
      const waited = opts.waitMs ? `，等待 ${opts.waitMs >= 60_000 ? `${Math.round(opts.waitMs / 60_000)} 分钟` : `${Math.ceil(opts.waitMs / 1000)} 秒`}后仍未释放` : '';
      const hint = found !== 'unreadable' && found.command.startsWith('zwgk serve') ? '服务运行期间请在仪表盘上操作，或' : '请等它结束，或';
      throw new DataDirBusyError(`数据目录 ${dir} 正被${holder}使用${waited}；${hint}用 --wait <分钟> 排队等待、用 --data 指定另一个数据目录`);
    }
    if (!told) opts.onWait?.(`数据目录 ${dir} 正被${holder}使用，等待其结束…`);
    told = true;
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
}

function handle(dir: string, file: string): DataLock {
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      const h = held.get(dir);
      if (!h || --h.users > 0) return;
      held.delete(dir);
      if (ownsSync(h.file, h.owner)) await unlink(h.file).catch(() => {});
    },
  };
}

function describe(o: LockOwner): string {
  return `${o.command}（进程号 ${o.pid}，主机 ${o.host}，${fmtInstant(o.startedAt)} 起）`;
}

/**
 * The lock appears whole or not at all: written to a temporary file and
 * hard-linked into place (link fails when the lock exists). Where the file
 * system has no hard links, an exclusive create and a write.
 */
async function create(file: string, owner: LockOwner): Promise<boolean> {
  await mkdir(dirname(file), { recursive: true });
  const text = `${JSON.stringify(owner)}\n`;
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw err;
    return createExclusive(file, text);
  } finally {
    await rm(tmp, { force: true });
  }
  await fsyncDir(dirname(file));
  return true;
}

async function createExclusive(file: string, text: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return true;
}

async function readOwner(file: string): Promise<LockOwner | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable';
  }
  return parseOwner(text) ?? 'unreadable';
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return typeof o.pid === 'number' && typeof o.command === 'string' && typeof o.host === 'string' && typeof o.startedAt === 'string' ? (o as LockOwner) : null;
  } catch {
    return null;
  }
}

/** True only when the holder is surely gone; a lock from another host cannot be checked and stands. */
function isStale(o: LockOwner): boolean {
  if (o.host !== hostname()) return false;
  const now = procIdentity(o.pid);
  if (o.bootId && now.bootId && o.bootId !== now.bootId) return true;
  if (o.pid === process.pid) return ![...held.values()].some((h) => h.owner.startedAt === o.startedAt);
  try {
    process.kill(o.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return true;
  }
  return Boolean(o.procStart && now.procStart && o.procStart !== now.procStart);
}

/**
 * Moves the stale lock aside and checks it is still the one judged stale:
 * if another process took it over meanwhile, its lock is put back.
 */
async function takeOver(file: string, judged: LockOwner | 'unreadable'): Promise<boolean> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(file, aside);
  } catch {
    return false;
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  const same = judged === 'unreadable' ? parseOwner(moved) === null : sameOwner(parseOwner(moved), judged);
  if (!same) await link(aside, file).catch(() => {});
  await rm(aside, { force: true });
  return same;
}

function sameOwner(a: LockOwner | null, b: LockOwner): boolean {
  return a !== null && a.pid === b.pid && a.startedAt === b.startedAt && a.host === b.host;
}

function ownsSync(file: string, owner: LockOwner): boolean {
  try {
    return sameOwner(parseOwner(readFileSync(file, 'utf8')), owner);
  } catch {
    return false;
  }
}

function unlinkSafe(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  return stat(file).then(
    (s) => Date.now() - s.mtimeMs > ms,
    () => true,
  );
}

/** Linux only (elsewhere empty): what tells a live holder from a reused pid or a previous boot. */
function procIdentity(pid: number): Pick<LockOwner, 'bootId' | 'procStart'> {
  const out: Pick<LockOwner, 'bootId' | 'procStart'> = {};
  try {
    out.bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return out;
  }
  try {
    // Field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    out.procStart = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    // no such process
  }
  return out;
}
