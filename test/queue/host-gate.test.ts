import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisHostGate } from '../../src/queue/host-gate.ts';
import { NO_REDIS, REDIS_URL, scratchPrefix } from '../helpers/services.ts';

describe.skipIf(NO_REDIS)(`per-host politeness across processes (Redis)${NO_REDIS}`, () => {
  const gates: RedisHostGate[] = [];
  const gate = (prefix: string, leaseMs?: number) => {
    const g = new RedisHostGate(REDIS_URL, prefix, leaseMs);
    gates.push(g);
    return g;
  };
  afterAll(async () => {
    await Promise.all(gates.map((g) => g.close()));
  });

  it('never more holders of a host than the limit, whichever gate they come through; other hosts are not held up', async () => {
    const prefix = scratchPrefix();
    const [a, b, c] = [gate(prefix), gate(prefix), gate(prefix)];
    let now = 0;
    let peak = 0;
    let other = 0;
    const task = async () => {
      peak = Math.max(peak, ++now);
      await sleep(5 + Math.random() * 10);
      now--;
    };
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => [a, b, c][i % 3]!.hold('portal.test:80', 2, task)),
      a.hold('other.test:80', 2, async () => {
        other++;
      }),
    ]);
    expect(peak).toBe(2);
    expect(other).toBe(1);
  });

  it('request starts on a host, through any gate, are at least the interval apart', async () => {
    const prefix = scratchPrefix();
    const [a, b] = [gate(prefix), gate(prefix)];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).pace('portal.test:80', 40)));
    // Twelve starts need eleven intervals between the first and the last, whichever gate each came through; each
    // gate pacing on its own would be done in five. (A loaded machine only makes it longer: no timing flake.)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(11 * 40 - 5);
  });

  it('a holder that dies without letting go frees its slot when its lease runs out', async () => {
    const prefix = scratchPrefix();
    const dying = gate(prefix, 1_000);
    const alive = gate(prefix, 1_000);
    // The dying holder's connection is cut while it holds the only slot: it can neither renew nor release.
    void dying.hold('portal.test:80', 1, () => new Promise(() => {})).catch(() => {});
    await sleep(100);
    await dying.close();
    const t = performance.now();
    await alive.hold('portal.test:80', 1, async () => {});
    expect(performance.now() - t).toBeGreaterThan(500);
  });
});
