import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /**
   * Flush the file and its folder to the disk (default true). Only a cache
   * whose reader treats a missing or damaged file as "not stored" may skip it.
   */
  fsync?: boolean;
}

/**
 * Written beside the target, flushed, renamed, and the folder flushed: a
 * reader never sees half a file, and after a power cut the file is either
 * the old one or the complete new one (never zero-length). The temporary
 * name carries the pid, so a crashed process's leftovers can be told apart.
 */
/** Whole, or in pieces (an iterable of strings: a large file is never one string in memory). */
export type FileContent = Buffer | Uint8Array | string | Iterable<string>;

export async function writeFileAtomic(file: string, content: FileContent, opts: AtomicWriteOptions = {}): Promise<void> {
  await commitFileAtomic(file, async (tmp) => {
    const fh = await open(tmp, 'w');
    try {
      if (typeof content === 'string' || content instanceof Uint8Array) await fh.writeFile(content);
      else for (const piece of content) await fh.write(piece);
    } finally {
      await fh.close();
    }
  }, opts);
}

/**
 * The same guarantee for a file a writer streams out itself (a workbook written
 * row by row): `write` fills the temporary path given; it is then flushed and
 * renamed into place.
 */
export async function commitFileAtomic(file: string, write: (tmp: string) => Promise<void>, opts: AtomicWriteOptions = {}): Promise<void> {
  const durable = opts.fsync !== false;
  await makeDir(dirname(file), durable);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await write(tmp);
    if (durable) {
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (durable) await fsyncDir(dirname(file));
}

/** Flushes a folder's entries (a rename or a new file in it) to the disk. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
  } catch (err) {
    // Windows cannot open a folder; it has no folder fsync to do either.
    if (process.platform === 'win32') return;
    throw err;
  }
  try {
    await fh.sync();
  } catch (err) {
    // Some file systems (network shares) refuse a folder fsync: nothing more can be done there.
    if (!['EINVAL', 'ENOTSUP', 'EPERM', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await fh.close();
  }
}

/** mkdir -p; with `durable`, the folders it created are flushed into their parents. */
async function makeDir(dir: string, durable: boolean): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (!durable || first === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    await fsyncDir(dirname(d));
    if (d === first || dirname(d) === d) break;
  }
}
