import { InvalidArgumentError } from 'commander';
import { lockDataDir, type DataLock } from '../store/data-lock.ts';
import { openStore, type Store } from '../store/store.ts';

/** `--wait <分钟>` of audit, crawl and serve: how long to wait for another process on the same data folder. */
export function parseWaitMinutes(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1440) throw new InvalidArgumentError('--wait 须为 0 到 1440 之间的分钟数');
  return n;
}

/**
 * What every command that writes the data folder does first: take its lock
 * (src/store/data-lock.ts), then open the store, which recovers a damaged
 * index at once; both say what they had to do in one line each.
 */
export async function openDataDir(dataDir: string, opts: { command: string; waitMinutes?: number; log: (line: string) => void }): Promise<{ lock: DataLock; store: Store }> {
  const lock = await lockDataDir(dataDir, { command: opts.command, waitMs: (opts.waitMinutes ?? 0) * 60_000, onWait: opts.log, onTakeover: opts.log });
  try {
    const store = await openStore(dataDir);
    if (store.recovery) opts.log(store.recovery);
    return { lock, store };
  } catch (err) {
    await lock.release();
    throw err;
  }
}
