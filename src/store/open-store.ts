import { isPostgresUrl, PostgresStore } from './postgres-store.ts';
import { openStore } from './store.ts';
import type { SnapshotStore } from './store-api.ts';

const open = new Map<string, Promise<SnapshotStore>>();

/**
 * The store `--store` names: a `postgres://` address (shared by the machines
 * of a distributed run), else the file store in the data directory. One
 * instance per address in a process, like openStore.
 */
export function openStoreAt(spec: string): Promise<SnapshotStore> {
  if (!isPostgresUrl(spec)) return openStore(spec);
  let store = open.get(spec);
  if (!store) {
    store = PostgresStore.open(spec);
    open.set(spec, store);
    store.catch(() => open.delete(spec));
  }
  return store;
}

/** Closes the database stores this process opened (the file store holds no connection). */
export async function closeStores(): Promise<void> {
  const all = [...open.values()];
  open.clear();
  await Promise.all(all.map(async (s) => ((await s.catch(() => null)) as PostgresStore | null)?.close()));
}
