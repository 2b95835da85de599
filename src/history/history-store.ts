import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { emptyHistory, HISTORY_VERSION, type HistoryData } from './model.ts';

export const HISTORY_FILE = 'history.json';

/**
 * history.json beside the crawler's store. lowdb's JSONFile writes through
 * steno (temp file + rename), so a crash never leaves it half-written.
 * (Not JSONFilePreset: it silently swaps in memory storage under NODE_ENV=test.)
 */
export class HistoryStore {
  private constructor(
    private readonly db: Low<HistoryData>,
    readonly file: string,
  ) {}

  static async open(dataDir: string): Promise<HistoryStore> {
    const file = join(dataDir, HISTORY_FILE);
    mkdirSync(dirname(file), { recursive: true });
    const db = new Low<HistoryData>(new JSONFile<HistoryData>(file), emptyHistory());
    try {
      await db.read();
    } catch (err) {
      throw new Error(`历史记录文件 ${file} 无法读取：${(err as Error).message.split('\n')[0]}`);
    }
    if (db.data.version !== HISTORY_VERSION) {
      throw new Error(`历史记录文件 ${file} 的版本 ${String(db.data.version)} 不受支持（应为 ${HISTORY_VERSION}）`);
    }
    return new HistoryStore(db, file);
  }

  get data(): Readonly<HistoryData> {
    return this.db.data;
  }

  /** Mutates the data and writes it out; steno serialises overlapping writes. */
  async update(fn: (data: HistoryData) => void): Promise<void> {
    fn(this.db.data);
    await this.db.write();
  }
}
