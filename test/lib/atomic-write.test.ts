import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from '../../src/lib/atomic-write.ts';
import { HistoryStore } from '../../src/history/history-store.ts';
import { openStore } from '../../src/store/store.ts';
import { SNAPSHOT_SCHEMA_VERSION } from '../../src/model/snapshot.ts';

/**
 * fsync around every atomic rename, seen through the file system calls the
 * code makes: the new file's data is flushed before the rename, the folder
 * after it (and a folder just created, into its parent). Without both, a
 * power cut may leave a zero-length file under the real name.
 */
const calls = vi.hoisted(() => ({ ops: [] as string[] }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (path, flags, mode) => {
    const fh = await real.open(path, flags, mode);
    const sync = fh.sync.bind(fh);
    fh.sync = () => {
      calls.ops.push(`sync ${String(path)}`);
      return sync();
    };
    return fh;
  };
  const rename: typeof real.rename = (from, to) => {
    calls.ops.push(`rename ${String(from)} ${String(to)}`);
    return real.rename(from, to);
  };
  return { ...real, default: { ...real, open, rename }, open, rename };
});

const root = mkdtempSync(join(tmpdir(), 'zwgk-fsync-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => {
  calls.ops.length = 0;
});

/** The rename into `file`, with its file flushed before and its folder after. */
function expectDurableRename(file: string): void {
  const rename = calls.ops.findIndex((op) => op.startsWith('rename ') && op.endsWith(` ${file}`));
  expect(rename, `a rename into ${relative(root, file)} in ${JSON.stringify(calls.ops)}`).toBeGreaterThanOrEqual(0);
  const tmp = calls.ops[rename]!.split(' ')[1]!;
  expect(calls.ops.indexOf(`sync ${tmp}`), `${tmp} flushed before the rename`).toBeGreaterThanOrEqual(0);
  expect(calls.ops.indexOf(`sync ${tmp}`)).toBeLessThan(rename);
  expect(calls.ops.indexOf(`sync ${dirname(file)}`, rename), 'the folder flushed after the rename').toBeGreaterThan(rename);
}

describe('writeFileAtomic', () => {
  it('flushes the temporary file, renames it, flushes the folder, and flushes new folders into their parents', async () => {
    const file = join(root, 'a', 'b', 'report.json');
    await writeFileAtomic(file, '{}');
    expectDurableRename(file);
    expect(calls.ops).toContain(`sync ${join(root, 'a')}`);
    expect(calls.ops).toContain(`sync ${root}`);
    expect(readFileSync(file, 'utf8')).toBe('{}');
  });
});

describe('the index, snapshots and history go through it', () => {
  it('store: the journal on every flush, the index when compacted, each snapshot file', async () => {
    const dataDir = join(root, 'data');
    const store = await openStore(dataDir);
    const run = await store.beginRun(['jtj']);
    // Appended to the journal and flushed; the journal, new, flushed into its folder after.
    const journal = calls.ops.indexOf(`sync ${join(dataDir, 'zwgk.journal')}`);
    expect(journal, JSON.stringify(calls.ops)).toBeGreaterThanOrEqual(0);
    expect(calls.ops.indexOf(`sync ${dataDir}`, journal)).toBeGreaterThan(journal);
    calls.ops.length = 0;
    await store.saveSnapshot({
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      unit: { id: 'jtj', name: '县教育体育局', type: 'department', url: 'http://127.0.0.1:9/xxgk/jtj/index.html' },
      crawlId: run.id,
      startedAt: run.startedAt,
      finishedAt: run.startedAt,
      status: 'ok',
      columns: [],
      articles: {},
      failures: [],
      stats: { requests: 0, pages: 0, bytes: 0, browserRenders: 0, durationMs: 0 },
    });
    expectDurableRename(join(dataDir, 'snapshots', 'jtj', `${run.id}.json.gz`));
    // The unit's new folder is flushed into snapshots/.
    expect(calls.ops).toContain(`sync ${join(dataDir, 'snapshots')}`);
    calls.ops.length = 0;
    await store.finishRun(run.id, 'done');
    expectDurableRename(join(dataDir, 'zwgk.json'));
    // The next compaction: the version it replaces becomes the backup, inside the same flushed folder.
    calls.ops.length = 0;
    await store.finishRun((await store.beginRun(['jtj'])).id, 'done');
    expectDurableRename(join(dataDir, 'zwgk.json'));
    expect(calls.ops.some((op) => op.startsWith('rename ') && op.endsWith(` ${join(dataDir, 'zwgk.json.bak')}`))).toBe(true);
  });

  it('history: every update', async () => {
    const history = await HistoryStore.open(join(root, 'serve'));
    await history.update(() => {});
    expectDurableRename(history.file);
  });
});
