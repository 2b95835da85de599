import { lockDataDir, type DataLock } from '../store/data-lock.ts';
import { openStore, type Store } from '../store/store.ts';

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
