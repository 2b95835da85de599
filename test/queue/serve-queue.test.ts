import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditRequest } from '../../src/audit/run-audit.ts';
import { startServe } from '../../src/cli/serve-command.ts';
import { UNITS, unitResult, unitsCsv, writeOutcome } from '../helpers/serve-fakes.ts';

/** `zwgk serve --store --queue`: every audit the service runs reads the shared database and crawls through the queue. */
const dir = mkdtempSync(join(tmpdir(), 'zwgk-serve-queue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('zwgk serve --store --queue', () => {
  it('hands the store and the queue crawler to each audit, from flags or the environment; a queue without a store is refused', async () => {
    const units = join(dir, 'units.csv');
    writeFileSync(units, unitsCsv());
    await expect(startServe({ units, data: join(dir, 'd0'), queue: 'redis://127.0.0.1:1' }, { env: { ZWGK_TOKEN: 'token-12345678' } })).rejects.toThrow(
      '--queue 需要各台机器共用的数据库',
    );
    const calls: AuditRequest[] = [];
    const logged: string[] = [];
    const runner = async (req: AuditRequest) => {
      calls.push(req);
      return writeOutcome(req, [unitResult(UNITS[1]!, [])]);
    };
    const env = { ZWGK_TOKEN: 'token-12345678', ZWGK_STORE: 'postgres://zwgk:pw@10.0.0.5/zwgk', ZWGK_QUEUE: 'redis://10.0.0.5:6379' };
    const handle = await startServe({ units, data: join(dir, 'd1'), port: 0, host: '127.0.0.1' }, { env, runner, log: (l) => logged.push(l) });
    try {
      handle.service.startUnit('wjw');
      await handle.service.idle();
      expect(calls[0]).toMatchObject({ only: ['wjw'], store: 'postgres://zwgk:pw@10.0.0.5/zwgk' });
      expect(calls[0]!.crawlUnits).toBeTypeOf('function');
      expect(logged).toContain('快照存于数据库 postgres://zwgk:***@10.0.0.5/zwgk；各单位经队列 redis://10.0.0.5:6379 交给 zwgk worker 抓取');
    } finally {
      await handle.stop();
    }
  });
});
