import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { zhCN } from 'zod/locales';
import type { AnyRule } from '../../rules/api.ts';
import { allRules } from '../../rules/index.ts';

/**
 * The evaluation scheme (考评方案) as data: which rules run (the rules its
 * indicators name), their points, caps and jumps, each rule's settings, the
 * column categories. Next year's table changes this file, not code. Loading
 * checks every rule id and code against the rule registry and every setting
 * against its rule's schema; an error is one line naming file, line and field.
 */
const categorySchema = z
  .object({
    label: z.string(),
    /** How the category is judged: by age of newest item, by year of newest item, never stale, not judged. */
    judge: z.enum(['age', 'year', 'never', 'skip']),
    staleAfterDays: z.number().int().positive().optional(),
    keywords: z.array(z.string()),
  })
  .strict()
  .refine((c) => c.judge !== 'age' || c.staleAfterDays !== undefined, {
    message: 'judge 为 age 时必须给出 staleAfterDays',
    path: ['staleAfterDays'],
  });

const unitTypes = ['department', 'town', 'farm'] as const;
const pointsByType = z.object({ department: z.number().nonnegative(), town: z.number().nonnegative(), farm: z.number().nonnegative() }).strict();

/** A deduction: a number of points, or `all` = the indicator's whole points for the unit's table. */
const deductionSchema = z.union([z.number().nonnegative(), z.literal('all')]);

const indicatorSchema = z
  .object({
    key: z.string(),
    /** 四级指标 name, as in the table. */
    name: z.string(),
    rule: z.string(),
    /** Finding codes of the rule that count against this indicator (a code may count against several). */
    codes: z.array(z.string()).min(1),
    /** Points per table; 0 everywhere = advisory (提示): reported, never counted. */
    points: pointsByType,
    /** Deduction per finding, or per code. */
    perFinding: z.union([deductionSchema, z.record(z.string(), deductionSchema)]),
    /** Most this indicator can lose; default: its points. */
    cap: pointsByType.optional(),
    /** More than `moreThan` findings → deduct `deduct` at once (平台栏目更新: >3 → −10). */
    jump: z.object({ moreThan: z.number().int(), deduct: deductionSchema }).strict().optional(),
    note: z.string().optional(),
  })
  .strict();

const schemeSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    /** Who the report is for and from, on its cover page (报告封面). */
    county: z.string().optional(),
    issuer: z.string().optional(),
    base: z.number().positive(),
    weight: z.number().min(0).max(1),
    /** Which table (for averages of units not assessed) each unit type is scored with. */
    tables: z.object({ department: z.string(), town: z.string(), farm: z.string() }).strict(),
    /** Category used when no keyword matches. */
    defaultCategory: z.string(),
    categories: z.record(z.string(), categorySchema),
    indicators: z.array(indicatorSchema),
    /** Per-rule settings over the rule's own defaults (checked against the rule's schema below). */
    settings: z.record(z.string(), z.unknown()).default({}),
    notes: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.categories[s.defaultCategory]) {
      ctx.addIssue({ code: 'custom', path: ['defaultCategory'], message: `未定义的栏目类别 ${s.defaultCategory}` });
    }
    const keys = new Set<string>();
    s.indicators.forEach((ind, i) => {
      if (keys.has(ind.key)) ctx.addIssue({ code: 'custom', path: ['indicators', i, 'key'], message: `指标 key 重复：${ind.key}` });
      keys.add(ind.key);
      if (typeof ind.perFinding === 'object') {
        for (const code of ind.codes) {
          if (ind.perFinding[code] === undefined) {
            ctx.addIssue({ code: 'custom', path: ['indicators', i, 'perFinding'], message: `缺少扣分代码 ${code} 的每项扣分` });
          }
        }
      }
    });
  });

type SchemeData = z.infer<typeof schemeSchema>;
export type SchemeIndicator = SchemeData['indicators'][number];
export type CategoryDefinition = SchemeData['categories'][string];
export type UnitTypeKey = (typeof unitTypes)[number];

export interface Scheme extends Omit<SchemeData, 'settings'> {
  /** Rule id → its settings resolved (the rule's defaults under the scheme's values), for every selected rule; each rule types its own. */
  settings: Record<string, any>;
  /** The rules the indicators name, in the order of their first indicator. */
  rules: AnyRule[];
}


const localeError = zhCN().localeError;

/** The source of a scheme for messages: its file name and, when parsed from YAML, where each field stands. */
interface Source {
  file: string;
  doc?: Document;
  lines?: LineCounter;
}

function fail(src: Source, path: readonly PropertyKey[], message: string): never {
  const line = src.doc && src.lines ? lineOf(src.doc, src.lines, path) : undefined;
  throw new Error(`考评方案文件 ${src.file}${line ? ` 第${line}行` : ''} 字段 ${path.map(String).join('.') || '(根)'} 有误：${message}`);
}

/** The first zod issue as a path and a Chinese message; an unknown key is named itself (usually a typo). */
function firstIssue(error: z.ZodError, prefix: readonly PropertyKey[]): { path: PropertyKey[]; message: string } {
  const issue = error.issues[0]!;
  const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  return {
    path: [...prefix, ...issue.path, ...(unknown === undefined ? [] : [unknown])],
    message: unknown === undefined ? issue.message : '未知字段（是否拼写错误？）',
  };
}

/**
 * Validates a parsed scheme object: its shape, then every rule id and code
 * against the registry, then every selected rule's settings against its schema.
 */
export function parseScheme(raw: unknown, file: string, registry: readonly AnyRule[] = allRules): Scheme {
  return validate(raw, { file }, registry);
}

function validate(raw: unknown, src: Source, registry: readonly AnyRule[]): Scheme {
  const parsed = schemeSchema.safeParse(raw, { error: localeError });
  if (!parsed.success) {
    const { path, message } = firstIssue(parsed.error, []);
    fail(src, path, message);
  }
  const data = parsed.data;
  const byId = new Map(registry.map((r) => [r.meta.id, r]));
  data.indicators.forEach((ind, i) => {
    const rule = byId.get(ind.rule);
    if (!rule) fail(src, ['indicators', i, 'rule'], `未知规则“${ind.rule}”（可用：${[...byId.keys()].join('、')}）`);
    ind.codes.forEach((code, j) => {
      if (!Object.hasOwn(rule.meta.codes, code)) {
        fail(src, ['indicators', i, 'codes', j], `规则 ${ind.rule} 没有扣分代码“${code}”（可用：${Object.keys(rule.meta.codes).join('、')}）`);
      }
    });
  });
  // The scheme's order: a rule is reported where its first indicator stands.
  const selected = [...new Set(data.indicators.map((i) => i.rule))];
  for (const id of Object.keys(data.settings)) {
    if (!selected.includes(id)) fail(src, ['settings', id], byId.has(id) ? `规则 ${id} 没有被任何指标选用，其设置无效` : `未知规则“${id}”`);
  }
  const rules: AnyRule[] = [];
  const settings: Record<string, unknown> = {};
  for (const rule of selected.map((id) => byId.get(id)!)) {
    const given = data.settings[rule.meta.id] ?? {};
    const result = rule.meta.settings.safeParse(given, { error: localeError });
    if (!result.success) {
      const { path, message } = firstIssue(result.error, ['settings', rule.meta.id]);
      fail(src, path, message);
    }
    settings[rule.meta.id] = result.data;
    rules.push(rule);
  }
  return { ...data, settings, rules };
}

/** Line (1-based) of the deepest node on `path` that the document has. */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let at: Node | undefined = node as Node | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      at = (pair.key as Node) ?? at;
      node = pair.value;
      if ((node as Node | null)?.range) at = node as Node;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      at = node as Node;
    } else break;
  }
  const offset = at?.range?.[0];
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** The county's 2020 scheme, the default for every command. */
export const DEFAULT_SCHEME = resolve(import.meta.dirname, '../../rules/schemes/yifeng-2020.yaml');

export function loadScheme(file: string, registry: readonly AnyRule[] = allRules): Scheme {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`考评方案文件 ${file} 无法读取：${(err as NodeJS.ErrnoException).code === 'ENOENT' ? '文件不存在' : (err as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new Error(`考评方案文件 ${file}${line ? ` 第${line}行` : ''} 无法读取：YAML 格式错误（${e.message.split('\n')[0]}）`);
  }
  return validate(doc.toJS(), { file, doc, lines }, registry);
}

/** Indicators with no points in any table are advisory (提示): reported, never counted. */
export function isAdvisory(ind: SchemeIndicator): boolean {
  return unitTypes.every((t) => ind.points[t] === 0);
}
