import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUnitsCsv, readUnitsFile, selectUnits, UnitsFileError } from '../../src/config/units.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zwgk-units-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

const HEADER = 'id,name,type,url';
const JTJ = 'jtj,县教育体育局,department,http://portal.example/xxgk/jtj/index.html';
const XZZ = 'xzz,新庄镇,town,http://portal.example/xxgk/xzz/index.html';

function errorOf(file: string): string {
  try {
    readUnitsCsv(file);
  } catch (err) {
    expect(err).toBeInstanceOf(UnitsFileError);
    return (err as Error).message;
  }
  throw new Error(`${file} was accepted`);
}

describe('readUnitsCsv', () => {
  it('reads the contract format, ignoring extra columns and blank lines', () => {
    const file = write('ok.csv', `${HEADER},备注\n${JTJ},示例\n\n${XZZ},\n`);
    expect(readUnitsCsv(file)).toEqual([
      { id: 'jtj', name: '县教育体育局', type: 'department', url: 'http://portal.example/xxgk/jtj/index.html' },
      { id: 'xzz', name: '新庄镇', type: 'town', url: 'http://portal.example/xxgk/xzz/index.html' },
    ]);
  });

  it('reads columns in any order', () => {
    const file = write('order.csv', `url,type,name,id\nhttp://p.example/a/,farm,黄岗山垦殖场,hgs\n`);
    expect(readUnitsCsv(file)).toEqual([{ id: 'hgs', name: '黄岗山垦殖场', type: 'farm', url: 'http://p.example/a/' }]);
  });

  it('reads UTF-8 with a BOM (Excel "CSV UTF-8")', () => {
    const file = write('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}\r\n${JTJ}\r\n`, 'utf8')]));
    expect(readUnitsCsv(file).map((u) => [u.id, u.name])).toEqual([['jtj', '县教育体育局']]);
  });

  it('reads GBK (Excel "CSV" on Chinese Windows), CRLF', () => {
    const file = write('gbk.csv', iconv.encode(`${HEADER}\r\n${JTJ}\r\n${XZZ}\r\n`, 'gbk'));
    expect(readUnitsCsv(file).map((u) => u.name)).toEqual(['县教育体育局', '新庄镇']);
  });

  const CASES: [string, string, RegExp[]][] = [
    ['empty.csv', '', [/空/]],
    ['header-only.csv', `${HEADER}\n`, [/没有任何单位/]],
    ['missing-col.csv', `id,name,url\n${JTJ}\n`, [/第 1 行/, /表头缺少列 type/]],
    ['unknown-type.csv', `${HEADER}\n${JTJ}\nx1,某村,village,http://p.example/\n`, [/第 3 行/, /type/, /village/]],
    ['dup.csv', `${HEADER}\n${JTJ}\n${JTJ}\n`, [/第 3 行/, /id「jtj」/, /第 2 行重复/]],
    ['ftp.csv', `${HEADER}\njtj,县教育体育局,department,ftp://p.example/\n`, [/第 2 行/, /url/]],
    ['bare.csv', `${HEADER}\njtj,县教育体育局,department,www.example.gov.cn/xxgk/\n`, [/第 2 行/, /url/]],
    ['unsafe-id.csv', `${HEADER}\n../x,县教育体育局,department,http://p.example/\n`, [/第 2 行/, /id/]],
    ['stray-quote.csv', `${HEADER}\n${JTJ}\nwjw,"县卫生健康委员会,department,http://p.example/\n`, [/第 3 行/, /引号/]],
    ['inner-quote.csv', `${HEADER}\nwjw,县"卫生"健康委员会,department,http://p.example/\n`, [/第 2 行/, /name/, /引号/]],
    ['empty-field.csv', `${HEADER}\nwjw,,department,http://p.example/\n`, [/第 2 行/, /name 为空/]],
  ];
  it.each(CASES)('%s → one Chinese line naming file, line and field', (name, content, mentions) => {
    const message = errorOf(write(name, content));
    expect(message).not.toContain('\n');
    expect(message).toContain(name);
    for (const m of mentions) expect(message).toMatch(m);
  });

  it('a missing file is named', () => {
    expect(errorOf(join(dir, 'nope.csv'))).toMatch(/nope\.csv.*不存在/);
  });
});

describe('selectUnits', () => {
  const units = () => readUnitsCsv(write('sel.csv', `${HEADER}\n${JTJ}\n${XZZ}\n`));
  it('keeps all without ids, the named ones in the given order otherwise', () => {
    expect(selectUnits(units(), undefined)).toHaveLength(2);
    expect(selectUnits(units(), ['xzz', 'jtj', 'xzz']).map((u) => u.id)).toEqual(['xzz', 'jtj']);
  });
  it('an unknown id is one clear line', () => {
    expect(() => selectUnits(units(), ['nosuch'])).toThrow(/单位编号 nosuch 不在单位名单中/);
  });
});

describe('optional contact columns (where notices go)', () => {
  const parseFile = (text: string) => {
    const file = join(dir, 'u.csv');
    writeFileSync(file, text);
    return readUnitsFile(file);
  };
  const head = 'id,name,type,url,contact_email,webhook\n';
  it('reads mail addresses and robot addresses; the robot kind from the service host or a prefix', () => {
    const { units, contacts } = parseFile(
      `${head}jtj,县教育体育局,department,http://p/xxgk/jtj/,jtj@yf.gov.cn; office@yf.gov.cn,https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1\n` +
        `wjw,县卫生健康委员会,department,http://p/xxgk/wjw/,,dingtalk:http://10.0.0.5/robot/send?access_token=t\n` +
        `xzz,新庄镇,town,http://p/xxgk/xzz/,,\n`,
    );
    expect(units.map((u) => u.id)).toEqual(['jtj', 'wjw', 'xzz']);
    expect(units[0]).toEqual({ id: 'jtj', name: '县教育体育局', type: 'department', url: 'http://p/xxgk/jtj/' });
    expect(contacts.get('jtj')).toEqual({ emails: ['jtj@yf.gov.cn', 'office@yf.gov.cn'], webhooks: [{ kind: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1' }] });
    expect(contacts.get('wjw')!.webhooks).toEqual([{ kind: 'dingtalk', url: 'http://10.0.0.5/robot/send?access_token=t' }]);
    expect(contacts.has('xzz')).toBe(false);
  });

  it('a bad address is one line naming the line and the field', () => {
    expect(() => parseFile(`${head}jtj,县教育体育局,department,http://p/,not-a-mail,\n`)).toThrow(/单位名单 .*u\.csv 第 2 行：字段 contact_email「not-a-mail」不是有效的邮箱地址/);
    expect(() => parseFile(`${head}jtj,县教育体育局,department,http://p/,,http://10.0.0.5/hook\n`)).toThrow(/第 2 行：字段 webhook「http:\/\/10\.0\.0\.5\/hook」不是企业微信或钉钉群机器人地址/);
  });
});
