import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseOverrides, readOverrides } from '../../src/config/overrides.ts';

const dir = mkdtempSync(join(tmpdir(), 'zwgk-overrides-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const HEADER = 'unit,rule,url,decision,reason';

describe('readOverrides', () => {
  it('reads waivers and confirmations (UTF-8 with BOM, blank lines, rule/code, quoted commas)', () => {
    const path = file(
      'ok.csv',
      `\uFEFF${HEADER}\n` +
        'wjw,column-update,http://portal.test/col/1/index.html,豁免,"栏目已于2020年撤并，保留历史信息"\n' +
        '\n' +
        'rsj,annual-report/late,http://portal.test/art/9.html,确认,\n',
    );
    expect(readOverrides(path)).toEqual([
      { unit: 'wjw', rule: 'column-update', url: 'http://portal.test/col/1/index.html', decision: 'waived', reason: '栏目已于2020年撤并，保留历史信息', line: 2 },
      { unit: 'rsj', rule: 'annual-report', code: 'late', url: 'http://portal.test/art/9.html', decision: 'confirmed', reason: '', line: 4 },
    ]);
  });

  it('an empty file with only the header has no overrides; extra columns are ignored', () => {
    expect(parseOverrides(`${HEADER}\n`, 'x.csv')).toEqual([]);
    expect(parseOverrides(`${HEADER},reviewer\njtj,leader-disclosure,http://a/b,确认,,王科长\n`, 'x.csv')).toHaveLength(1);
  });

  it('a missing file is one clear Chinese message naming it', () => {
    const missing = join(dir, 'nope.csv');
    expect(() => readOverrides(missing)).toThrow(`复核文件 ${missing} 无法读取：文件不存在`);
  });

  const errors: [string, string, RegExp][] = [
    ['missing header column', 'unit,rule,url,reason\njtj,column-update,http://a,理由\n', /第1行：缺少列 decision/],
    ['header only, wrong', 'unit,rule\n', /第1行：缺少列 url、decision、reason/],
    ['bad decision', `${HEADER}\njtj,column-update,http://a,同意,理由\n`, /第2行 字段 decision：应为“豁免”或“确认”，实际为“同意”/],
    ['unknown rule', `${HEADER}\njtj,column-updat,http://a,豁免,理由\n`, /第2行 字段 rule：未知规则“column-updat”/],
    ['unknown code', `${HEADER}\njtj,annual-report/lost,http://a,豁免,理由\n`, /第2行 字段 rule：规则 annual-report 没有扣分代码“lost”/],
    ['empty url', `${HEADER}\njtj,column-update,,豁免,理由\n`, /第2行 字段 url：不能为空/],
    ['waiver without reason', `${HEADER}\njtj,column-update,http://a,确认,\njtj,column-update,http://b,豁免,\n`, /第3行 字段 reason：豁免必须写明理由/],
    ['broken quoting', `${HEADER}\njtj,column-update,"http://a,豁免,理由\n`, /第\d+行：CSV 格式错误/],
    ['wrong number of fields', `${HEADER}\njtj,column-update,http://a,豁免\n`, /第2行：CSV 格式错误/],
  ];
  it.each(errors)('%s → names file, line and field', (_name, text, message) => {
    const path = file('bad.csv', text);
    expect(() => readOverrides(path)).toThrow(message);
    expect(() => readOverrides(path)).toThrow(`复核文件 ${path} `);
  });
});
