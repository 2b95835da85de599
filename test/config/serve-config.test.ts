import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/config/serve-config.ts';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zwgk-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('serve config file', () => {
  it('gives every default without a file, and reads YAML and JSON with paths relative to the file', () => {
    expect(loadServeConfig()).toMatchObject({
      schedule: '0 2 * * *',
      timezone: 'Asia/Shanghai',
      host: '127.0.0.1',
      port: 8080,
      publicRead: false,
      politeness: { concurrency: 2 },
      allowHosts: [],
      ignoreHttpsErrors: false,
      retention: { runs: 30, maxEvidenceMb: 2048 },
      warnings: { staleWithinDays: 30, backdatedDays: 7 },
    });
    const yaml = loadServeConfig(write('serve.yaml', 'schedule: "30 3 * * 1-5"\nport: 9000\ndataDir: ./var\nwarnings:\n  staleWithinDays: 14\n'));
    expect(yaml).toMatchObject({ schedule: '30 3 * * 1-5', port: 9000, dataDir: join(dir, 'var'), warnings: { staleWithinDays: 14, backdatedDays: 7 } });
    const json = loadServeConfig(write('serve.json', JSON.stringify({ publicRead: true, unitsFile: 'units.csv' })));
    expect(json).toMatchObject({ publicRead: true, unitsFile: join(dir, 'units.csv') });
  });

  it.each([
    ['unknown key', 'shedule: "0 2 * * *"\n', '字段 shedule：未知字段'],
    ['unknown nested key', 'retention:\n  run: 5\n', '字段 retention.run：未知字段'],
    ['wrong type', 'port: "eighty"\n', '字段 port：'],
    ['bad cron', 'schedule: "0 25 * * *"\n', '字段 schedule：不是有效的 cron 表达式'],
    ['bad time zone', 'timezone: Asia/Beijing\n', '字段 timezone：不是有效的时区名称'],
    ['short token', 'token: abc\n', '字段 token：令牌至少 8 个字符'],
    ['bad notify mail address', 'notify:\n  office:\n    emails: [gzb-at-example.gov.cn]\n', '字段 notify.office.emails.0：不是有效的邮箱地址'],
    ['bad robot address', 'notify:\n  office:\n    webhooks: ["https://example.com/hook"]\n', '字段 notify.office.webhooks.0：'],
    ['bad digest cron', 'notify:\n  digest: "every morning"\n', '字段 notify.digest：不是有效的 cron 表达式'],
    ['unknown smtp key', 'notify:\n  smtp:\n    host: mail.example.gov.cn\n    from: zwgk@example.gov.cn\n    password: x\n', '字段 notify.smtp.password：未知字段'],
    ['bad allowed host', 'allowHosts:\n  - www.jiangxi.gov.cn\n  - http://10.0.0.1/\n', '字段 allowHosts.1：站点无效，应写作 主机名 或 主机名:端口'],
  ])('refuses a %s with one Chinese line naming the file and the field', (_, text, expected) => {
    const file = write('serve.yaml', text);
    let message = '';
    try {
      loadServeConfig(file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`配置文件 ${file} ${expected}`);
    expect(message).not.toContain('\n');
  });

  it('sends nothing unless notify is configured; its defaults when it is', () => {
    expect(loadServeConfig().notify).toBeUndefined();
    expect(loadServeConfig().notices).toEqual({ office: '县人民政府办公室' });
    const c = loadServeConfig(write('n.yaml', 'notices:\n  office: 某某县人民政府办公室\nnotify:\n  smtp:\n    host: mail.example.gov.cn\n    from: zwgk@example.gov.cn\n  office:\n    webhooks:\n      - https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\n      - url: https://oapi.dingtalk.com/robot/send?access_token=t\n        secret: SECabc\n'));
    expect(c.notices.office).toBe('某某县人民政府办公室');
    expect(c.notify).toMatchObject({ smtp: { port: 465, secure: true, allowSelfSigned: false }, digest: '0 8 * * *', immediate: true, unitContacts: true, maxAttempts: 6, retryMinutes: 1, office: { emails: [] } });
    expect(c.notify!.office.webhooks).toHaveLength(2);
  });

  it('names a missing or unparsable file', () => {
    expect(() => loadServeConfig(join(dir, 'nope.yaml'))).toThrow(`配置文件 ${join(dir, 'nope.yaml')}：文件不存在`);
    expect(() => loadServeConfig(write('x.json', '{"port": 80,'))).toThrow(/配置文件 .*x\.json：无法解析/);
  });
});
