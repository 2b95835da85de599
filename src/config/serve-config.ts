import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { Cron } from 'croner';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { zhCN } from 'zod/v4/locales';
import { parseHostSpec } from '../net/hosts.ts';
import { parseWebhook } from './units.ts';

/**
 * The `zwgk serve` config file (YAML or JSON). Strict: an unknown key is an
 * error, not silently ignored, so a typo never turns into a default.
 */

function validCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function validHostSpec(text: string): boolean {
  try {
    parseHostSpec(text);
    return true;
  } catch {
    return false;
  }
}

const int = (min: number, max: number) => z.number().int().min(min).max(max);

function httpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.pathname === '/' && !u.search && !u.hash && !u.username;
  } catch {
    return false;
  }
}

const EMAIL = /^[^\s@;,]+@[^\s@;,]+\.[^\s@;,]+$/;
const email = z.string().regex(EMAIL, { message: '不是有效的邮箱地址' });
const webhook = z.string().refine((w) => parseWebhook(w) !== null, { message: '不是企业微信或钉钉群机器人地址（其他地址请加前缀 wecom: 或 dingtalk:）' });

/** Notifications (src/notify/notifier.ts): absent, nothing is ever sent. */
const notifySchema = z
  .object({
    smtp: z
      .object({
        host: z.string().min(1),
        port: int(1, 65535).default(465),
        /** TLS from the start (465); false: STARTTLS when offered (587/25). */
        secure: z.boolean().default(true),
        user: z.string().min(1).optional(),
        /** The environment variable ZWGK_SMTP_PASS wins. */
        pass: z.string().optional(),
        from: email,
        allowSelfSigned: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /** The office's own recipients: every message goes to them too. */
    office: z
      .object({
        emails: z.array(email).default([]),
        webhooks: z.array(z.union([webhook, z.object({ url: webhook, secret: z.string().min(1).optional() }).strict()])).default([]),
      })
      .strict()
      .default({ emails: [], webhooks: [] }),
    /** Also send to each unit's contacts (units file columns contact_email / webhook). */
    unitContacts: z.boolean().default(true),
    /** Cron of the daily digest (in `timezone`). */
    digest: z.string().refine(validCron, { message: '不是有效的 cron 表达式（例如 "0 8 * * *" 表示每天 08:00）' }).default('0 8 * * *'),
    /** Messages on new 确认 findings and new 预警 as they happen. */
    immediate: z.boolean().default(true),
    maxAttempts: int(1, 20).default(6),
    /** First retry after this many minutes; doubled each time, at most an hour. */
    retryMinutes: int(1, 60).default(1),
  })
  .strict();

export const serveConfigSchema = z
  .object({
    /** Cron expression of the nightly full audit (croner syntax). */
    schedule: z.string().refine(validCron, { message: '不是有效的 cron 表达式（例如 "0 2 * * *" 表示每天 02:00）' }).default('0 2 * * *'),
    timezone: z.string().refine(validTimeZone, { message: '不是有效的时区名称（例如 Asia/Shanghai）' }).default('Asia/Shanghai'),
    host: z.string().min(1).default('127.0.0.1'),
    port: int(0, 65535).default(8080),
    /** Action token (the environment variable ZWGK_TOKEN wins). */
    token: z.string().min(8, { message: '令牌至少 8 个字符' }).optional(),
    /** Read-only pages and GET APIs without the token. */
    publicRead: z.boolean().default(false),
    /**
     * The address users open when the service sits behind a reverse proxy
     * (e.g. https://zwgk.example.gov.cn/): its host is answered besides the
     * listen address and localhost; https makes session cookies Secure.
     */
    publicUrl: z.string().refine(httpUrl, { message: '应为 http:// 或 https:// 开头、只含主机名（和端口）的地址，例如 https://zwgk.example.gov.cn/' }).optional(),
    /** A login session lasts this many hours. */
    sessionHours: int(1, 720).default(12),
    politeness: z
      .object({
        /** Requests at once per host. */
        concurrency: int(1, 16).default(2),
        /** Least time between two request starts on one host, in milliseconds (default 100). */
        minIntervalMs: int(0, 60_000).optional(),
      })
      .strict()
      .default({ concurrency: 2 }),
    /** Hosts (`host[:port]`) link checks may reach whatever their address, e.g. the provincial portal. */
    allowHosts: z.array(z.string().refine(validHostSpec, { message: '站点无效，应写作 主机名 或 主机名:端口（如 www.jiangxi.gov.cn 或 10.1.2.3:8080）' })).default([]),
    /** Accept invalid certificates of the portal (default: refuse them). */
    ignoreHttpsErrors: z.boolean().default(false),
    dataDir: z.string().min(1).optional(),
    unitsFile: z.string().min(1).optional(),
    schemeFile: z.string().min(1).optional(),
    overridesFile: z.string().min(1).optional(),
    screenshots: z.boolean().default(true),
    retention: z
      .object({
        /** Report directories of the newest N runs are kept (plus each unit's latest). */
        runs: int(1, 10_000).default(30),
        /** All report directories together stay under this size; oldest go first. */
        maxEvidenceMb: z.number().positive().default(2048),
        /** Run summaries kept in history.json for the score trend. */
        historyRuns: int(10, 100_000).default(1000),
      })
      .strict()
      .default({ runs: 30, maxEvidenceMb: 2048, historyRuns: 1000 }),
    warnings: z
      .object({
        staleWithinDays: int(1, 365).default(30),
        backdatedDays: int(0, 3650).default(7),
      })
      .strict()
      .default({ staleWithinDays: 30, backdatedDays: 7 }),
    notify: notifySchema.optional(),
    /** The 整改通知's issuing office. */
    notices: z.object({ office: z.string().min(1).max(60).default('县人民政府办公室') }).strict().default({ office: '县人民政府办公室' }),
    /** On SIGINT/SIGTERM a running audit may finish within this many seconds, then it is aborted. */
    shutdownGraceSeconds: int(0, 3600).default(60),
  })
  .strict();

export type ServeConfig = z.infer<typeof serveConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the config file; without a file, every default. Relative paths are relative to the file. */
export function loadServeConfig(file?: string): ServeConfig {
  if (!file) return serveConfigSchema.parse({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`配置文件 ${file}：${code === 'ENOENT' ? '文件不存在' : `无法读取（${code ?? '未知错误'}）`}`);
  }
  let raw: unknown;
  try {
    raw = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`配置文件 ${file}：无法解析（${(err as Error).message.split('\n')[0]}）`);
  }
  const parsed = serveConfigSchema.safeParse(raw ?? {}, { error: zhCN().localeError });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const field = [...issue.path, issue.keys[0]].join('.');
      throw new ConfigError(`配置文件 ${file} 字段 ${field}：未知字段（拼写错误？）`);
    }
    throw new ConfigError(`配置文件 ${file} 字段 ${issue.path.join('.') || '(根)'}：${issue.message}`);
  }
  const base = dirname(resolve(file));
  const config = parsed.data;
  for (const key of ['dataDir', 'unitsFile', 'schemeFile', 'overridesFile'] as const) {
    const value = config[key];
    if (value !== undefined) config[key] = resolve(base, value);
  }
  return config;
}
