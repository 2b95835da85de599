import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyRule } from './api.ts';

/**
 * The rule registry: every `rules/<id>.ts` beside this file, found by name —
 * a new rule is its file, nothing to list here. Each file's default export is
 * its rule, and its id is its file name. Which rules run, and in which order
 * they are reported, is the scheme's choice (its indicators).
 */
const RULE_FILE = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.ts$/;
const NOT_RULES = new Set(['api', 'index']);

async function discover(dir: string): Promise<AnyRule[]> {
  const ids = readdirSync(dir)
    .map((f) => RULE_FILE.exec(f)?.[1])
    .filter((id): id is string => id !== undefined && !NOT_RULES.has(id))
    .sort();
  return Promise.all(
    ids.map(async (id) => {
      const rule = ((await import(pathToFileURL(join(dir, `${id}.ts`)).href)) as { default?: AnyRule }).default;
      if (!rule?.meta || typeof rule.run !== 'function') throw new Error(`规则文件 rules/${id}.ts 没有以 defineRule(...) 默认导出规则`);
      if (rule.meta.id !== id) throw new Error(`规则文件 rules/${id}.ts 的规则编号为“${rule.meta.id}”，应与文件名相同`);
      return rule;
    }),
  );
}

export const allRules: readonly AnyRule[] = await discover(import.meta.dirname);
