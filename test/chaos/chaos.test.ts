import { afterAll, describe, expect, it } from 'vitest';
import { closeBrowser } from '../../src/browser/chromium.ts';
import type { AuditReport } from '../../src/model/result.ts';
import { FAULT_KINDS, planFor, requestKey, scheduleOf } from '../../fixtures/chaos/faults.ts';
import { arithmetic, runSeed, type SeedResult } from '../../fixtures/chaos/harness.ts';

/**
 * Issue 17: never a wrong deduction when the portal misbehaves. A few seeded
 * random fault schedules over the sample portal and the fault portal, each a
 * real audit; `npm run chaos -- --seeds 1..100` runs many more
 * (fixtures/chaos/main.ts). The seeds here are ones whose schedules produced
 * the most wrong deductions before the crawler checked its answers (seed 42:
 * 12, of classes 1 and 2; 73: 11, of classes 1, 2 and 4; fault portal 75: 12).
 */
const SAMPLE_SEEDS = [42, 73];
const FAULTY_SEEDS = [75];

afterAll(async () => {
  await closeBrowser();
});

describe('fault schedules replay from the seed', () => {
  it('the same seed, address and request number give the same fault; other seeds other faults', () => {
    const key = requestKey('portal', 'GET', '/xxgk/jtj/tzgg/index.html', '');
    const plan = (seed: number, n: number) => {
      const p = planFor(scheduleOf(seed), key, n);
      return p ? `${p.kind} ${p.how} ${p.r()}` : null;
    };
    for (const seed of [1, 2, 3]) for (const n of [1, 2, 3]) expect(plan(seed, n)).toBe(plan(seed, n));
    const seen = new Set(Array.from({ length: 200 }, (_, seed) => planFor(scheduleOf(seed + 1), key, 1)?.kind ?? 'none'));
    expect(seen.size).toBeGreaterThan(FAULT_KINDS.length / 2);
  });

  it('rates of 2–30 % per address and 0.5–3 % noise per request; seed 0 is the clean portal', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const s = scheduleOf(seed);
      expect(s.rate).toBeGreaterThanOrEqual(0.02);
      expect(s.rate).toBeLessThanOrEqual(0.3);
      expect(s.noise).toBeGreaterThanOrEqual(0.005);
      expect(s.noise).toBeLessThanOrEqual(0.03);
    }
    const clean = scheduleOf(0);
    expect(Array.from({ length: 500 }, (_, i) => planFor(clean, requestKey('portal', 'GET', `/p${i}.html`, ''), 1)).filter(Boolean)).toEqual([]);
  });

  it('an address is its path and parameters: cache busters do not count, a POST form does', () => {
    expect(requestKey('portal', 'GET', '/hgs/xxgk/dataList.do?c=tzgg&t=1610000000000', '')).toBe(requestKey('portal', 'GET', '/hgs/xxgk/dataList.do?c=tzgg&t=1610000099999', ''));
    expect(requestKey('portal', 'POST', '/queryList', 'current=1&channelCode=col2105')).not.toBe(requestKey('portal', 'POST', '/queryList', 'current=2&channelCode=col2105'));
    expect(requestKey('portal', 'GET', '/a.html?b=2&a=1', '')).toBe(requestKey('portal', 'GET', '/a.html?a=1&b=2', ''));
  });
});

describe('the harness sees bad arithmetic', () => {
  const unit = (over: Partial<AuditReport['units'][number]> = {}): AuditReport['units'][number] => ({
    id: 'u1',
    name: '县测试局',
    type: 'department',
    status: 'ok',
    score: 99,
    weighted: 29.7,
    url: 'http://127.0.0.1/u1/',
    findings: [{ rule: 'column-update', code: 'stale', indicator: '平台栏目更新', deduction: 1, message: '', url: 'http://127.0.0.1/u1/a/', evidence: {} }],
    inconclusive: [],
    indicators: [{ key: 'column-update', name: '平台栏目更新', points: 10, deducted: 1, assessed: true, state: 'assessed' }],
    ...over,
  });
  const report = (u: AuditReport['units'][number]): AuditReport => ({ schemaVersion: 1, scheme: 's', year: 2020, asOf: '2021-01-20', generatedAt: '', weight: 0.3, units: [u] });

  it('a report that adds up passes; a wrong score, weight, sum of findings or a missing unit do not', () => {
    expect(arithmetic(report(unit()), ['u1'])).toEqual([]);
    expect(arithmetic(report(unit({ score: 98 })), ['u1'])).toHaveLength(2);
    expect(arithmetic(report(unit({ weighted: 30 })), ['u1'])).toHaveLength(1);
    expect(arithmetic(report(unit({ findings: [] })), ['u1'])).toHaveLength(1);
    expect(arithmetic(report(unit()), ['u1', 'u2'])).toEqual(['u2：报告中没有该单位']);
    expect(arithmetic(report(unit({ status: 'unreachable' })), ['u1'])).toHaveLength(1);
  });
});

describe('random fault schedules: no wrong deduction, no bad run', () => {
  const check = (r: SeedResult) => {
    expect(r.faults, 'faults were played').toBeGreaterThan(10);
    expect(r.bad).toEqual([]);
    expect(r.wrong.map((w) => `${w.unit} ${w.rule}/${w.code} ${w.url} — ${w.message} [${w.faults.map((f) => `${f.kind}@${f.key}#${f.n}`).join(', ')}]`)).toEqual([]);
  };

  it.each(SAMPLE_SEEDS)('sample portal, seed %i', async (seed) => {
    const r = await runSeed(seed, 'sample');
    check(r);
    expect(r.found, 'planted findings are still found where their pages were read').toBeGreaterThan(0);
  }, 120_000);
  it.each(FAULTY_SEEDS)('fault portal, seed %i', async (seed) => check(await runSeed(seed, 'faulty')), 120_000);
});
