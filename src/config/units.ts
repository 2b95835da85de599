import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import type { Unit, UnitType } from '../model/snapshot.ts';

/**
 * The units file (DESIGN.md contract): CSV with a header row `id,name,type,url`;
 * extra columns are ignored. Accepts UTF-8 (with or without BOM) and the GBK
 * that Excel writes on Chinese Windows. Every problem becomes one Chinese line
 * naming the file, the line and the field (UnitsFileError).
 */

const TYPES: readonly UnitType[] = ['department', 'town', 'farm'];
const REQUIRED = ['id', 'name', 'type', 'url'] as const;
/** Optional columns: where the unit's notices go (several separated by `;` or spaces). */
const CONTACT_COLUMNS = ['contact_email', 'webhook'] as const;
const EMAIL = /^[^\s@;,]+@[^\s@;,]+\.[^\s@;,]+$/;

/** A unit's own recipients for notices (整改通知, 预警): from the units file's optional columns. */
export interface UnitContacts {
  emails: string[];
  /** 企业微信 / 钉钉 group-robot addresses. */
  webhooks: WebhookAddress[];
}

export interface WebhookAddress {
  kind: 'wecom' | 'dingtalk';
  url: string;
}

/**
 * A robot address: the services' own hosts say which robot it is; any other
 * address (an intranet relay) must say so with a `wecom:` or `dingtalk:` prefix.
 */
export function parseWebhook(text: string): WebhookAddress | null {
  const m = /^(wecom|dingtalk):(.+)$/.exec(text);
  let url: URL;
  try {
    url = new URL(m ? m[2]! : text);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const kind = m ? (m[1] as WebhookAddress['kind']) : url.hostname === 'qyapi.weixin.qq.com' ? 'wecom' : url.hostname === 'oapi.dingtalk.com' ? 'dingtalk' : null;
  return kind ? { kind, url: url.href } : null;
}
const SAFE_ID = /^[A-Za-z0-9_-]+$/;

export class UnitsFileError extends Error {
  override name = 'UnitsFileError';
}

/** Text of a CSV file: UTF-8 (BOM stripped) when it is valid UTF-8, otherwise GB18030 (a superset of GBK). */
export function decodeCsvBytes(bytes: Buffer): { text: string; encoding: 'utf-8' | 'gbk' } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: bytes.subarray(3).toString('utf8'), encoding: 'utf-8' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(bytes, 'gb18030'), encoding: 'gbk' };
  }
}

export function readUnitsCsv(file: string): Unit[] {
  return readUnitsFile(file).units;
}

/** The units and, where the file has the optional columns, their contacts. */
export function readUnitsFile(file: string): { units: Unit[]; contacts: Map<string, UnitContacts> } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? '文件不存在' : code === 'EISDIR' ? '这是一个目录，不是文件' : `无法读取（${code ?? '未知错误'}）`;
    throw new UnitsFileError(`单位名单 ${file}：${why}`);
  }
  return parseUnitsFile(decodeCsvBytes(bytes).text, file);
}

/** Parses the text of a units file; `file` only names it in error messages. */
export function parseUnitsCsv(text: string, file: string): Unit[] {
  return parseUnitsFile(text, file).units;
}

function parseUnitsFile(text: string, file: string): { units: Unit[]; contacts: Map<string, UnitContacts> } {
  function fail(line: number | null, msg: string): never {
    throw new UnitsFileError(`单位名单 ${file}${line === null ? '' : ` 第 ${line} 行`}：${msg}`);
  }
  if (text.trim() === '') fail(null, '文件是空的（应有表头 id,name,type,url 和至少一个单位）');

  let rows: { record: string[]; info: { lines: number } }[] = [];
  try {
    rows = parse(text, { info: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as unknown as typeof rows;
  } catch (err) {
    const e = err as Error & { code?: string; lines?: number; column?: number | string };
    // An unclosed quote runs to the end of the file: name the line where it opened.
    const line = e.code === 'CSV_QUOTE_NOT_CLOSED' ? unclosedQuoteLine(text) : typeof e.lines === 'number' ? e.lines : null;
    if (e.code === 'INVALID_OPENING_QUOTE' || e.code === 'CSV_INVALID_CLOSING_QUOTE' || e.code === 'CSV_QUOTE_NOT_CLOSED') {
      const headerNames = text.split(/\r?\n/, 1)[0]!.split(',').map((h) => h.trim());
      const name = typeof e.column === 'number' ? headerNames[e.column] : undefined;
      const field = name ? `字段 ${name} ` : typeof e.column === 'number' ? `第 ${e.column + 1} 个字段` : '某个字段';
      fail(line, `${field}中的引号不成对（字段内含引号时请整体用英文双引号括起，内部引号写两次）`);
    }
    fail(line, `无法解析为 CSV（${e.message.split('\n')[0]}）`);
  }

  const [header, ...body] = rows;
  const names = header!.record.map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    fail(header!.info.lines, `表头缺少列 ${missing.join('、')}（表头应为 id,name,type,url）`);
  }
  const col = Object.fromEntries(REQUIRED.map((c) => [c, names.indexOf(c)])) as Record<(typeof REQUIRED)[number], number>;
  if (body.length === 0) fail(null, '只有表头，没有任何单位');

  const units: Unit[] = [];
  const contacts = new Map<string, UnitContacts>();
  const optional = Object.fromEntries(CONTACT_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<(typeof CONTACT_COLUMNS)[number], number>;
  const seen = new Map<string, number>();
  for (const { record, info } of body) {
    const line = info.lines;
    const field = (c: (typeof REQUIRED)[number]): string => {
      const value = (record[col[c]] ?? '').trim();
      if (value === '') fail(line, `字段 ${c} 为空`);
      return value;
    };
    const id = field('id');
    if (!SAFE_ID.test(id)) fail(line, `字段 id「${id}」只能由英文字母、数字、下划线和连字符组成`);
    const earlier = seen.get(id);
    if (earlier !== undefined) fail(line, `字段 id「${id}」与第 ${earlier} 行重复`);
    seen.set(id, line);
    const name = field('name');
    const type = field('type');
    if (!TYPES.includes(type as UnitType)) {
      fail(line, `字段 type「${type}」不认识，只能是 department（部门）、town（乡镇）或 farm（林场/垦殖场）`);
    }
    const url = field('url');
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // reported below
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      fail(line, `字段 url「${url}」不是 http:// 或 https:// 开头的网址`);
    }
    units.push({ id, name, type: type as UnitType, url: parsed!.href });
    const list = (c: (typeof CONTACT_COLUMNS)[number]) => (optional[c] < 0 ? [] : (record[optional[c]] ?? '').split(/[;；\s]+/).filter(Boolean));
    const emails = list('contact_email');
    for (const e of emails) if (!EMAIL.test(e)) fail(line, `字段 contact_email「${e}」不是有效的邮箱地址`);
    const webhooks = list('webhook').map((w) => parseWebhook(w) ?? fail(line, `字段 webhook「${w.slice(0, 60)}」不是企业微信或钉钉群机器人地址（其他地址请加前缀 wecom: 或 dingtalk:）`));
    if (emails.length || webhooks.length) contacts.set(id, { emails, webhooks });
  }
  return { units, contacts };
}

/** Line (1-based) where a quoted field opens and never closes, or null. */
function unclosedQuoteLine(text: string): number | null {
  let line = 1;
  let openedAt: number | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    else if (c === '"') {
      if (openedAt === null) openedAt = line;
      else if (text[i + 1] === '"') i++;
      else openedAt = null;
    }
  }
  return openedAt;
}

/** The units named by `--unit` (in the order given), or all when none is named; an unknown id is an error. */
export function selectUnits(units: Unit[], ids: readonly string[] | undefined): Unit[] {
  if (!ids || ids.length === 0) return units;
  const byId = new Map(units.map((u) => [u.id, u]));
  return [...new Set(ids)].map((id) => {
    const unit = byId.get(id);
    if (!unit) throw new UnitsFileError(`单位编号 ${id} 不在单位名单中（可用：${[...byId.keys()].join('、')}）`);
    return unit;
  });
}
