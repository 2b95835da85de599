import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The evaluation scheme (考评方案) as data: points, thresholds, deadlines,
 * the column keyword map. Next year's table changes this file, not code.
 */
const categorySchema = z
  .object({
    label: z.string(),
    /** How the category is judged: by age of newest item, by year of newest item, never stale, not judged. */
    judge: z.enum(['age', 'year', 'never', 'skip']),
    staleAfterDays: z.number().int().positive().optional(),
    keywords: z.array(z.string()),
  })
  .strict();

/** Column roles tell the crawler which columns' articles rules will read. */
const rolesSchema = z
  .object({
    'annual-report': z.array(z.string()),
    interpretation: z.array(z.string()),
    leader: z.array(z.string()),
  })
  .strict();

const pointsByType = z.object({ department: z.number(), town: z.number(), farm: z.number() }).strict();

const indicatorSchema = z
  .object({
    key: z.string(),
    /** 四级指标 name, as in the table. */
    name: z.string(),
    rule: z.string(),
    /** Finding codes of the rule that count against this indicator. */
    codes: z.array(z.string()),
    points: pointsByType,
    /** Deduction per finding, or per code. */
    perFinding: z.union([z.number(), z.record(z.string(), z.number())]),
    /** More than `moreThan` findings → deduct `deduct` at once (平台栏目更新: >3 → −10). */
    jump: z.object({ moreThan: z.number().int(), deduct: z.number() }).strict().optional(),
    note: z.string().optional(),
  })
  .strict();

export const schemeSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    base: z.number(),
    weight: z.number().min(0).max(1),
    /** Category used when no keyword matches. */
    defaultCategory: z.string(),
    categories: z.record(z.string(), categorySchema),
    roles: rolesSchema,
    indicators: z.array(indicatorSchema),
    /** Per-rule settings (deadlines, thresholds, phrase lists); each rule validates its own part. */
    settings: z.record(z.string(), z.unknown()),
    notes: z.array(z.string()).optional(),
  })
  .strict();

export type Scheme = z.infer<typeof schemeSchema>;
export type SchemeIndicator = Scheme['indicators'][number];
export type ColumnRole = keyof Scheme['roles'];

export function loadScheme(file: string): Scheme {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`考评方案文件 ${file} 无法读取：${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = schemeSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`考评方案文件 ${file} 字段 ${issue.path.join('.') || '(根)'} 有误：${issue.message}`);
  }
  return parsed.data;
}
