import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRequest } from '../../src/audit/run-audit.ts';
import { startServe } from '../../src/cli/serve-command.ts';
import { UNITS, unitResult, unitsCsv, writeOutcome } from '../helpers/serve-fakes.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zwgk-serve-cmd-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('startServe', () => {
  it('needs a units file and a token (or publicRead)', async () => {
    const units = write('units.csv', unitsCsv());
    await expect(startServe({ data: join(dir, 'data') }, { env: {} })).rejects.toThrow('未指定单位名单');
    await expect(startServe({ units, data: join(dir, 'data') }, { env: {} })).rejects.toThrow('未配置访问令牌');
    await expect(startServe({ units, data: join(dir, 'data') }, { env: { ZWGK_TOKEN: 'short' } })).rejects.toThrow('ZWGK_TOKEN 太短');
  });

  it('starts from a config file with flags winning, serves the API and stops cleanly', async () => {
    write('units.csv', unitsCsv());
    const config = write('serve.yaml', 'unitsFile: units.csv\ntoken: config-token-123\nport: 1\nretention:\n  runs: 5\nallowHosts: [www.jiangxi.gov.cn]\npoliteness:\n  minIntervalMs: 300\n');
    const calls: AuditRequest[] = [];
    const logged: string[] = [];
    const runner = async (opts: AuditRequest) => {
      calls.push(opts);
      return writeOutcome(opts, [unitResult(UNITS[1]!, [])]);
    };
    const flags = { config, port: 0, host: '127.0.0.1', data: join(dir, 'data'), allowHost: ['10.1.2.3:8080'], minInterval: 250 };
    const handle = await startServe(flags, { env: { ZWGK_TOKEN: 'env-token-4567' }, runner, log: (l) => logged.push(l) });
    try {
      expect(handle.service.nextScheduledRun()).toBeInstanceOf(Date);
      const refused = await fetch(`${handle.url}/api/units/wjw/audit`, { method: 'POST', headers: { Authorization: 'Bearer config-token-123' } });
      expect(refused.status).toBe(401);
      const ok = await fetch(`${handle.url}/api/units/wjw/audit`, { method: 'POST', headers: { Authorization: 'Bearer env-token-4567' } });
      expect(ok.status).toBe(202);
      await handle.service.idle();
      expect(calls[0]).toMatchObject({ only: ['wjw'], dataDir: join(dir, 'data'), unitsFile: join(dir, 'units.csv'), concurrency: 2 });
      // The network policy's settings: the config's allowed hosts and the flag's, the flag's pacing, and the service's own address.
      const { port } = new URL(handle.url);
      expect(calls[0]).toMatchObject({ allowHosts: ['www.jiangxi.gov.cn', '10.1.2.3:8080'], minIntervalMs: 250, ownAddresses: [{ host: '127.0.0.1', port: Number(port) }] });
      expect(existsSync(join(dir, 'data', 'history.json'))).toBe(true);
      expect(logged[0]).toBe(`zwgk serve 已启动：${handle.url}（数据目录 ${join(dir, 'data')}）`);
    } finally {
      await handle.stop();
    }
  });
});

describe('zwgk serve (command line)', () => {
  it('exits non-zero with one Chinese line on a bad config', () => {
    const file = write('serve.yaml', 'schedule: "every night"\n');
    const r = spawnSync(process.execPath, [join(root, 'bin/zwgk.js'), 'serve', '--config', file, '--units', 'x.csv'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toBe(`错误：配置文件 ${file} 字段 schedule：不是有效的 cron 表达式（例如 "0 2 * * *" 表示每天 02:00）`);
  });

  it('notifications start only when configured: the outbox shows in /api/status only then', async () => {
    write('units.csv', `${unitsCsv().trim().replace(/^id,name,type,url/, 'id,name,type,url,contact_email').replace(/\n(.+)/g, '\n$1,')}\n`);
    const plain = write('plain.yaml', 'unitsFile: units.csv\n');
    const noisy = write('notify.yaml', 'unitsFile: units.csv\nnotify:\n  office:\n    webhooks: ["wecom:http://127.0.0.1:9/hook"]\n');
    const runner = async (opts: AuditRequest) => writeOutcome(opts, []);
    const env = { ZWGK_TOKEN: 'env-token-4567' };
    const status = async (url: string) => (await (await fetch(`${url}/api/status`, { headers: { Authorization: `Bearer ${env.ZWGK_TOKEN}` } })).json()) as { outbox?: unknown };
    for (const [config, outbox] of [[plain, undefined], [noisy, { pending: 0, sent: 0, failed: 0, problems: [] }]] as const) {
      const handle = await startServe({ config, port: 0, host: '127.0.0.1', data: join(dir, 'data') }, { env, runner, log: () => {} });
      try {
        expect((await status(handle.url)).outbox).toEqual(outbox);
      } finally {
        await handle.stop();
      }
    }
    expect(existsSync(join(dir, 'data', 'outbox.json'))).toBe(false);
  });
});
