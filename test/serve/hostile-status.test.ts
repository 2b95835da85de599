import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeHandle } from '../../src/cli/serve-command.ts';
import { STALL_CASES, startStallPortal, type StallPortal } from '../../fixtures/hostile/stalls.ts';
import { rawCall } from '../helpers/raw-http.ts';

/**
 * `zwgk serve` keeps answering while an audit chews on hostile pages: the
 * crafted pages of fixtures/hostile/stalls.ts and a genuine 20,000-item list
 * page are parsed in worker threads, so `GET /api/status` answers within a
 * second throughout the audit (issue 9).
 */
const TOKEN = 'status-token-8e2b61';
let portal: StallPortal;
let root: string;
let serve: ServeHandle;

beforeAll(async () => {
  portal = await startStallPortal();
  root = mkdtempSync(join(tmpdir(), 'zwgk-status-'));
  writeFileSync(join(root, 'units.csv'), portal.unitsCsv(STALL_CASES));
  writeFileSync(join(root, 'serve.yaml'), 'schedule: "0 2 1 1 *"\nscreenshots: false\nshutdownGraceSeconds: 0\n');
  serve = await startServe(
    { units: join(root, 'units.csv'), config: join(root, 'serve.yaml'), data: join(root, 'data'), host: '127.0.0.1', port: 0 },
    { env: { ZWGK_TOKEN: TOKEN }, log: () => {} },
  );
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await portal?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the dashboard during a hostile audit', () => {
  it('answers /api/status within a second, every time, until the audits are done', async () => {
    const bearer = { authorization: `Bearer ${TOKEN}` };
    for (const c of STALL_CASES) expect((await rawCall(serve.url, 'POST', `/api/units/${c}/audit`, bearer)).status).toBe(202);
    const latencies: number[] = [];
    for (let active = true; active; ) {
      const t0 = performance.now();
      const r = await rawCall(serve.url, 'GET', '/api/status', bearer);
      latencies.push(performance.now() - t0);
      expect(r.status).toBe(200);
      active = (JSON.parse(r.body) as { active: unknown[] }).active.length > 0;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    console.log(`[hostile-status] ${latencies.length} answers while auditing, slowest ${Math.round(Math.max(...latencies))} ms`);
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...latencies)).toBeLessThan(1000);
    // Every unit was audited (none lost to a stall).
    for (const c of STALL_CASES) expect((await rawCall(serve.url, 'GET', `/api/units/${c}`, bearer)).status).toBe(200);
  }, 180_000);
});
