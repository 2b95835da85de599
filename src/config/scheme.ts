import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { zhCN } from 'zod/locales';

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
  .strict()
  .refine((c) => c.judge !== 'age' || c.staleAfterDays !== undefined, {
    message: 'judge 为 age 时必须给出 staleAfterDays',
    path: ['staleAfterDays'],
  });

/** Column roles tell the crawler which columns' articles rules will read. */
const rolesSchema = z
  .object({
    'annual-report': z.array(z.string()),
    interpretation: z.array(z.string()),
    leader: z.array(z.string()),
  })
  .strict();

const unitTypes = ['department', 'town', 'farm'] as const;
const pointsByType = z.object({ department: z.number(), town: z.number(), farm: z.number() }).strict();

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

/** A regular expression given as a string; checked when the scheme loads. */
const regexString = z.string().refine(
  (s) => {
    try {
      new RegExp(s, 'u');
      return true;
    } catch {
      return false;
    }
  },
  { message: '不是有效的正则表达式' },
);

const monthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, '应为 MM-DD 格式的日期');

const annualReportSettings = z
  .object({
    /** Deadline (MM-DD of the evaluation year) per unit type (条例第四十九条: 1月31日). */
    deadline: z.object({ department: monthDay, town: monthDay, farm: monthDay }).strict(),
    /** A title is a report when it names one of these kinds… */
    titleKinds: z.array(z.string()).min(1),
    /** …and, when it says 工作报告, one of these subjects (so 法治政府建设工作报告 is not taken). */
    titleSubjects: z.array(z.string()).min(1),
    /** 条例第五十条 parts; a part is present when every regex of `allOf` matches the report's text or headings. */
    requiredParts: z
      .array(z.object({ key: z.string(), label: z.string(), allOf: z.array(regexString).min(1) }).strict())
      .min(1),
    /** Sentences that only list the report's parts (本报告包括…六个部分) and must not count as the parts. */
    ignoreSentences: z.array(regexString),
    /** A body shorter than this (characters, no whitespace) is not the report's text (PDF or image only): content checks are inconclusive. */
    minTextChars: z.number().int().nonnegative(),
    copied: z
      .object({
        method: z.enum(['jaccard', 'containment']),
        shingle: z.number().int().min(2).max(10),
        threshold: z.number().gt(0).max(1),
        /** Fewer distinct shingles than this (after boilerplate) → too short to compare: inconclusive. */
        minShingles: z.number().int().nonnegative(),
        /** Fixed text of the national templates (table labels, headings), ignored when comparing. */
        boilerplate: z.array(z.string()),
        calibration: z.array(z.string()).optional(),
      })
      .strict(),
  })
  .strict();

const interpretationSettings = z
  .object({
    /** A title is an interpretation when it contains one of these… */
    titleKeywords: z.array(z.string()).min(1),
    /** …and does not end with one of these (then it is the policy document itself). */
    policyTitleEndings: z.array(z.string()),
    /** Words in a link's text or context that mark it as the link to the original policy. */
    linkCues: z.array(z.string()).min(1),
    /** A 信息来源 naming the county's own bodies (checked first). */
    ownSources: z.array(regexString),
    /** A 信息来源 naming a higher-level body (国务院, 省, 市…): the interpretation is reposted. */
    higherSources: z.array(regexString),
    /** Linked page titles that mean "not found" although the server answered 200. */
    notFoundTitles: z.array(z.string()),
    /** A link check with no HTTP answer at all (timeout, network): inconclusive or broken. */
    noAnswer: z.enum(['inconclusive', 'broken']),
  })
  .strict();

const leaderSettings = z
  .object({
    /** Duty verbs and the matter (政务公开…); a duty phrase is verb … matter or matter … verb+领导. */
    dutyVerbs: z.array(z.string()).min(1),
    matters: z.array(z.string()).min(1),
    /** Leadership titles a named person must carry (副局长, 镇长, 组长…). */
    titles: z.array(z.string()).min(1),
    /** Table headers that make a flattened table a division-of-work table. */
    tableHeaders: z.array(z.string()),
    /** How many characters around a duty phrase a name may stand. */
    window: z.number().int().positive(),
  })
  .strict();

const settingsSchema = z
  .object({
    'annual-report': annualReportSettings,
    'interpretation-link': interpretationSettings,
    'leader-disclosure': leaderSettings,
  })
  .strict();

export const schemeSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    base: z.number().positive(),
    weight: z.number().min(0).max(1),
    /** Which table (for averages of units not assessed) each unit type is scored with. */
    tables: z.object({ department: z.string(), town: z.string(), farm: z.string() }).strict(),
    /** Category used when no keyword matches. */
    defaultCategory: z.string(),
    categories: z.record(z.string(), categorySchema),
    roles: rolesSchema,
    indicators: z.array(indicatorSchema),
    /** Per-rule settings (deadlines, thresholds, phrase lists). */
    settings: settingsSchema,
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

export type Scheme = z.infer<typeof schemeSchema>;
export type SchemeIndicator = Scheme['indicators'][number];
export type ColumnRole = keyof Scheme['roles'];
export type SchemeSettings = Scheme['settings'];
export type UnitTypeKey = (typeof unitTypes)[number];

const localeError = zhCN().localeError;

/** Validates a parsed scheme object; errors name the field, in Chinese. */
export function parseScheme(raw: unknown, source: string): Scheme {
  const parsed = schemeSchema.safeParse(raw, { error: localeError });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // zod reports an unknown key at its parent; name the key itself (usually a typo).
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const path = unknown === undefined ? issue.path : [...issue.path, unknown];
    const message = unknown === undefined ? issue.message : '未知字段（是否拼写错误？）';
    throw new Error(`考评方案文件 ${source} 字段 ${path.join('.') || '(根)'} 有误：${message}`);
  }
  return parsed.data;
}

/** The county's 2020 scheme, the default for every command. */
export const DEFAULT_SCHEME = resolve(import.meta.dirname, '../../rules/schemes/yifeng-2020.yaml');

export function loadScheme(file: string): Scheme {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`考评方案文件 ${file} 无法读取：${(err as Error).message.split('\n')[0]}`);
  }
  return parseScheme(raw, file);
}
