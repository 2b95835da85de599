import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { DurableJsonFile, isPlainObject } from '../lib/json-file.ts';
import { emptyHistory, HISTORY_VERSION, type HistoryData } from './model.ts';

export const HISTORY_FILE = 'history.json';

/**
 * history.json beside the crawler's store, written atomically and fsynced
 * with the previous version kept as history.json.bak; a zero-length or
 * damaged file is recovered from the .bak, else history starts afresh, and
 * `recovery` says so in one line (src/lib/json-file.ts).
 */
export class HistoryStore {
  private constructor(
    private readonly db: Low<HistoryData>,
    readonly file: string,
    /** Set when the file had to be recovered at open: one Chinese line for the log. */
    readonly recovery: string | null,
  ) {}

  static async open(dataDir: string): Promise<HistoryStore> {
    const file = join(dataDir, HISTORY_FILE);
    mkdirSync(dataDir, { recursive: true });
    const adapter = new DurableJsonFile<HistoryData>(file, { label: '历史记录文件', valid: isHistoryShape, stringify: (d) => JSON.stringify(d, null, 2) });
    const db = new Low<HistoryData>(adapter, emptyHistory());
    await db.read();
    if (db.data.version !== HISTORY_VERSION) {
      throw new Error(`历史记录文件 ${file} 的版本 ${String(db.data.version)} 不受支持（应为 ${HISTORY_VERSION}）`);
    }
    // The recovered (or fresh) state goes to disk at once, so the damaged file is not what the next start finds.
    if (adapter.recovery) await db.write();
    return new HistoryStore(db, file, adapter.recovery?.line ?? null);
  }

  get data(): Readonly<HistoryData> {
    return this.db.data;
  }

  /** Mutates the data and writes it out; overlapping writes are serialised by the adapter. */
  async update(fn: (data: HistoryData) => void): Promise<void> {
    fn(this.db.data);
    await this.db.write();
  }
}

/** The shape, whatever the version (a newer version is refused by name, not set aside as damaged). */
function isHistoryShape(v: unknown): v is HistoryData {
  return isPlainObject(v) && Array.isArray(v.runs) && isPlainObject(v.findings) && isPlainObject(v.units);
}
