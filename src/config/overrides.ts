import { readFileSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse/sync';
import { allRules } from '../../rules/index.ts';

/**
 * Reviewer decisions on findings (复核): a CSV with header
 * `unit,rule,url,decision,reason`. `rule` is a rule id, or `rule/code` to
 * touch one kind of finding only; `decision` is 豁免 (waive: the finding stays
 * in the report with deduction 0) or 确认 (confirm: marked as reviewed).
 */
export interface Override {
  unit: string;
  rule: string;
  code?: string;
  /** The column, when the decision is about one finding of several at the same address (a review state's). */
  column?: string;
  url: string;
  decision: 'waived' | 'confirmed';
  reason: string;
  /** Line in the file, for messages. */
  line: number;
}

const COLUMNS = ['unit', 'rule', 'url', 'decision', 'reason'] as const;
const DECISIONS: Record<string, Override['decision']> = { 豁免: 'waived', 确认: 'confirmed' };

export function readOverrides(file: string): Override[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`复核文件 ${file} 无法读取：${(err as NodeJS.ErrnoException).code === 'ENOENT' ? '文件不存在' : (err as Error).message}`);
  }
  return parseOverrides(text, file);
}

/** Parses override CSV text; every error names the file, the line and the field, in Chinese. */
export function parseOverrides(text: string, file: string): Override[] {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { columns: true, info: true, bom: true, trim: true, skip_empty_lines: true });
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      throw new Error(`复核文件 ${file} 第${line ?? '?'}行：CSV 格式错误（${err.code}），请检查引号和逗号，每行应有 ${COLUMNS.length} 列`);
    }
    throw err;
  }
  const header = rows[0] ? Object.keys(rows[0].record) : headerOf(text);
  const missing = COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new Error(`复核文件 ${file} 第1行：缺少列 ${missing.join('、')}（表头应为 ${COLUMNS.join(',')}）`);
  }

  const rules = new Map(allRules.map((r) => [r.meta.id, r.meta]));
  return rows.map(({ record, info }) => {
    const line = info.lines;
    const fail = (field: string, why: string): never => {
      throw new Error(`复核文件 ${file} 第${line}行 字段 ${field}：${why}`);
    };
    for (const field of ['unit', 'rule', 'url', 'decision'] as const) {
      if (!record[field]) fail(field, '不能为空');
    }
    const [ruleId, code, ...extra] = record.rule!.split('/');
    const meta = rules.get(ruleId!);
    if (!meta) fail('rule', `未知规则“${ruleId}”（可用：${[...rules.keys()].join('、')}）`);
    if (extra.length || (code !== undefined && !meta!.codes[code])) {
      fail('rule', `规则 ${ruleId} 没有扣分代码“${code}”（可用：${Object.keys(meta!.codes).join('、')}）`);
    }
    const decision = DECISIONS[record.decision!];
    if (!decision) fail('decision', `应为“豁免”或“确认”，实际为“${record.decision}”`);
    if (decision === 'waived' && !record.reason) fail('reason', '豁免必须写明理由');
    return {
      unit: record.unit!,
      rule: ruleId!,
      ...(code !== undefined ? { code } : {}),
      url: record.url!,
      decision: decision!,
      reason: record.reason ?? '',
      line,
    };
  });
}

function headerOf(text: string): string[] {
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return first.split(',').map((c) => c.trim());
}
