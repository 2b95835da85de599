import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { AnyRule } from '../../rules/api.ts';
import { allRules } from '../../rules/index.ts';
import { loadScheme, parseScheme, type Scheme } from '../../src/config/scheme.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import { judgeUnit } from '../../src/judge/run-rules.ts';
import { scoreUnits } from '../../src/scoring/score.ts';
import { column, ctx, item, SCHEME_FILE, snapshot } from '../helpers/snapshot-factory.ts';

/**
 * README "编写规则" shows a complete minimal rule and the scheme lines that
 * select it: this test takes both out of the README and runs them, so the
 * example stays true.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## 编写规则'));
const blocks = (lang: string) => [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

let dir: string;
let rule: AnyRule;
let scheme: Scheme;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zwgk-readme-rule-'));
  const code = blocks('ts').find((b) => b.includes('defineRule('))!;
  const file = join(dir, 'min-columns.ts');
  writeFileSync(file, code.replace("from './api.ts'", `from ${JSON.stringify(pathToFileURL(join(ROOT, 'rules/api.ts')).href)}`));
  rule = ((await import(pathToFileURL(file).href)) as { default: AnyRule }).default;
  const lines = parseYaml(blocks('yaml')[0]!) as { indicators: unknown[]; settings: Record<string, unknown> };
  const county = parseYaml(readFileSync(SCHEME_FILE, 'utf8'));
  county.indicators.push(...lines.indicators);
  county.settings = { ...county.settings, ...lines.settings };
  scheme = parseScheme(county, 'README 示例', [...allRules, rule]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the README’s example rule, as written there', () => {
  const cols = (n: number) => Array.from({ length: n }, (_, i) => column(`栏目${i + 1}`, [item(`信息${i}`, '2020-12-01')]));

  it('is selected by the scheme lines, with their settings over its defaults, and needs no extra crawling', () => {
    expect(scheme.rules.map((r) => r.meta.id)).toContain('min-columns');
    expect(scheme.settings['min-columns']).toEqual({ min: 6 });
    // The plan reads for that column what it reads without the example rule (the county's rules' needs).
    expect(planGather(scheme).forColumn(['栏目1']).reads).toEqual(planGather(loadScheme(SCHEME_FILE)).forColumn(['栏目1']).reads);
  });

  it('reports too few columns as an advisory (提示) that costs nothing', () => {
    const judged = judgeUnit(snapshot({ columns: cols(2) }), ctx({ scheme }));
    expect(judged.results['min-columns']!.findings.map((f) => f.code)).toEqual(['too-few']);
    const [u] = scoreUnits([judged], scheme);
    const f = u!.findings.find((x) => x.rule === 'min-columns')!;
    expect(f).toMatchObject({ advisory: true, deduction: 0, indicator: '栏目设置' });
    expect(f.message).toContain('只有 2 个');
  });

  it('is inconclusive when pages were not read, and quiet when there are enough columns', () => {
    const partial = judgeUnit(snapshot({ status: 'partial', columns: cols(2) }), ctx({ scheme })).results['min-columns']!;
    expect(partial.findings).toEqual([]);
    expect(partial.inconclusive).toHaveLength(1);
    expect(judgeUnit(snapshot({ columns: cols(6) }), ctx({ scheme })).results['min-columns']!.findings).toEqual([]);
  });
});
