import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';

/** Every file below `dir` (none when it does not exist). */
export function walkFiles(dir: string, acc: string[] = []): string[] {
  if (!existsSync(dir)) return acc;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walkFiles(p, acc);
    else acc.push(p);
  }
  return acc;
}

/** Every .json, .gz and .json.gz file below `dir` parses; returns how many were checked. */
export function expectDataFilesParse(dir: string): number {
  let n = 0;
  for (const f of walkFiles(dir)) {
    if (f.endsWith('.json.gz')) expect(() => JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')), f).not.toThrow();
    else if (f.endsWith('.gz')) expect(() => gunzipSync(readFileSync(f)), f).not.toThrow();
    else if (f.endsWith('.json')) expect(() => JSON.parse(readFileSync(f, 'utf8')), f).not.toThrow();
    else continue;
    n++;
  }
  return n;
}
