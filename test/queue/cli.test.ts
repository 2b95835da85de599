import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/faults-cli.ts';

/**
 * The distributed mode's options through the real CLI: a bad or missing
 * address is one Chinese line and a non-zero exit, before anything connects
 * (and a password never shows). No Redis or PostgreSQL is needed here.
 */
const dir = mkdtempSync(join(tmpdir(), 'zwgk-queue-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const units = join(dir, 'units.csv');
writeFileSync(units, 'id,name,type,url\njtj,县教育体育局,department,http://127.0.0.1:9/xxgk/jtj/index.html\n');
const env = { ZWGK_STORE: '', ZWGK_QUEUE: '' };

const oneLine = (stderr: string) => stderr.trim().split('\n');

describe('zwgk worker / --store / --queue: bad input', () => {
  it.each([
    [['worker', '--store', 'postgres://u@127.0.0.1:1/x'], '未指定队列'],
    [['worker', '--queue', 'redis://127.0.0.1:1'], '--queue 需要各台机器共用的数据库'],
    [['worker', '--queue', 'http://x', '--store', 'postgres://u@h/x'], '--queue 须为 redis://'],
    [['worker', '--queue', 'redis://h', '--store', 'mysql://h/x'], '--store 须为 postgres://'],
    [['worker', '--queue', 'redis://h', '--store', 'postgres://u@h/x', '--stall-seconds', '1'], '--stall-seconds 须为 2 到 3600'],
    [['audit', '--units', units, '--data', join(dir, 'd1'), '--queue', 'redis://127.0.0.1:1'], '--queue 需要各台机器共用的数据库'],
    [['audit', '--units', units, '--data', join(dir, 'd2'), '--queue-name', 'a:b'], '--queue-name 只能由字母'],
  ])('%j', async (args, message) => {
    const r = await runCli(args, { env });
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it('a database that does not answer: one line, the password masked', async () => {
    const r = await runCli(['worker', '--queue', 'redis://127.0.0.1:1', '--store', 'postgres://zwgk:s3cret@127.0.0.1:1/zwgk'], { env });
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toEqual(['错误：无法使用 PostgreSQL 数据库 postgres://zwgk:***@127.0.0.1:1/zwgk：拒绝连接（数据库没有启动或端口不对）']);
  });
});
