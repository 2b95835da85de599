import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { HistoryStore } from '../../src/history/history-store.ts';
import type { RunRecord, StaleWarning } from '../../src/history/model.ts';
import { DEFAULT_SCHEME, loadScheme } from '../../src/config/scheme.ts';
import { startDashboardServer, type RunningServer } from '../../src/serve/http.ts';
import { realPdfWriter, realRunner } from '../../src/serve/runner.ts';
import { AuditService } from '../../src/serve/service.ts';
import { serviceSettings } from '../helpers/serve-fakes.ts';

/**
 * zwgk serve against the sample portal with the real pipeline: two nightly
 * runs a week apart (portal generation 1, then 2), then the dashboard in
 * Chromium. The process clock is moved to the portal's dates (2021-01-20 and
 * 2021-01-27) so the crawler's first-seen times and the as-of date agree.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = '/usr/bin/chromium';
const ready = existsSync(join(root, 'fixtures/server.ts')) && existsSync(CHROMIUM);
const TOKEN = 'e2e-token-abcdef123456';

interface FixturePortal {
  baseUrl: string;
  provinceUrl: string;
  unitsCsv(): string;
  setGeneration(g: 1 | 2): void;
  close(): Promise<void>;
}

describe.skipIf(!ready)('zwgk serve end to end (sample portal, real pipeline, Chromium)', () => {
  let portal: FixturePortal;
  let dir: string;
  let history: HistoryStore;
  let svc: AuditService;
  let server: RunningServer;
  let browser: Browser;
  let night1: RunRecord;
  let night2: RunRecord;
  let rsjWarningsNight1: StaleWarning[];

  async function nightly(): Promise<RunRecord> {
    const started = svc.startFull('schedule');
    expect(started).not.toBeNull();
    await svc.idle();
    const run = svc.record(started!.runId)!;
    expect(run.error).toBeUndefined();
    expect(run.state).toBe('done');
    return run;
  }

  beforeAll(async () => {
    const { startFixturePortal } = (await import('../../fixtures/server.ts')) as { startFixturePortal: () => Promise<FixturePortal> };
    portal = await startFixturePortal();
    dir = mkdtempSync(join(tmpdir(), 'zwgk-serve-e2e-'));
    // The units the assertions need (a clean one with a backdated item, one that turns stale, one fixed with a
    // lasting finding): every unit of the portal would only make the test slower.
    const csv = portal.unitsCsv().split('\n');
    writeFileSync(join(dir, 'units.csv'), [csv[0], ...csv.filter((l) => /^(jtj|rsj|tgz),/.test(l))].join('\n'));
    history = await HistoryStore.open(join(dir, 'data'));
    svc = new AuditService(
      // The province site (127.0.0.2, loopback) is allowed for link checks, as the office would allow its provincial portal.
      serviceSettings(dir, { concurrency: 4, screenshots: false, overridesFile: join(dir, 'overrides.csv'), allowHosts: [new URL(portal.provinceUrl).host] }),
      { history, runner: realRunner, scheme: loadScheme(DEFAULT_SCHEME) },
    );
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2021-01-20T02:00:00+08:00'), shouldAdvanceTime: true });
    night1 = await nightly();
    rsjWarningsNight1 = structuredClone(history.data.units.rsj!.warnings.stale);
    portal.setGeneration(2);
    vi.setSystemTime(new Date('2021-01-27T02:00:00+08:00'));
    night2 = await nightly();
    server = await startDashboardServer({ service: svc, history, policy: { token: TOKEN, publicRead: false }, pdfWriter: realPdfWriter, host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  }, 180_000);

  afterAll(async () => {
    vi.useRealTimers();
    await browser?.close();
    await svc?.shutdown(0);
    await server?.close();
    await portal?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps first-seen times, resolves fixed findings and raises new ones across the two nights', () => {
    expect(night1.asOf).toBe('2021-01-20');
    expect(night2.asOf).toBe('2021-01-27');
    const tgz = history.data.findings.tgz!;
    // 棠浦镇 规划计划 was stale on night 1 and got a new item in generation 2: resolved by night 2.
    const fixed = tgz.find((r) => r.rule === 'column-update' && r.code === 'stale' && r.column?.includes('规划计划'));
    expect(fixed).toMatchObject({ firstRunId: night1.id, resolvedRunId: night2.id });
    // Findings present both nights keep their night-1 first-seen time.
    const leader = tgz.find((r) => r.rule === 'leader-disclosure')!;
    expect(leader).toMatchObject({ code: 'not-named', firstRunId: night1.id, lastRunId: night2.id });
    expect(leader.resolvedAt).toBeUndefined();
  });

  it('warned on night 1 about the column that turned stale by night 2', () => {
    // 人社局 规划计划: newest item 2020-07-24 is exactly 180 days old on 2021-01-20 (not yet stale).
    const warned = rsjWarningsNight1.find((w) => w.column.includes('规划计划'));
    expect(warned).toMatchObject({ newest: '2020-07-24', staleOn: '2021-01-21', daysLeft: 1 });
    const rsj = history.data.findings.rsj!.find((r) => r.rule === 'column-update' && r.code === 'stale' && r.column?.includes('规划计划'));
    expect(rsj).toMatchObject({ firstRunId: night2.id });
    expect(night2.results.find((r) => r.id === 'rsj')!.score).toBeLessThan(night1.results.find((r) => r.id === 'rsj')!.score);
  });

  it('lists the item that appeared a month after its date as backdated, and nothing else', () => {
    const all = Object.entries(history.data.units).flatMap(([id, s]) => s.warnings.backdated.map((b) => ({ id, ...b })));
    expect(all.map((b) => [b.id, b.date, b.daysBefore])).toEqual([['jtj', '2020-12-28', 30]]);
    expect(all[0]!.title).toContain('校园安全管理十条措施');
  });

  it('dashboard: ranking, a unit page, 立即审计 refused without the token and done with it', async () => {
    vi.setSystemTime(new Date('2021-01-27T10:00:00+08:00'));
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    // Logged in through the login page's form (a POST); the token it also keeps for actions is cleared: the 立即审计 check below needs none.
    await page.goto(`${server.url}/`);
    await page.fill('#login-token', TOKEN);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#ranking');
    await page.click('#token-clear');
    const rows = page.locator('#ranking tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    const ranking = await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-unit'), tr.querySelector('td')!.textContent!.trim()]));
    expect(ranking[0]).toEqual(['jtj', '1']);
    expect(ranking.map(([id]) => id).sort()).toEqual(['jtj', 'rsj', 'tgz']);

    await page.click('#ranking a:text("棠浦镇")');
    await page.waitForURL(/\/units\/tgz$/);
    const before = await page.textContent('#audited-at');
    expect(await page.textContent('body')).toContain('未公开分管政务公开工作的负责同志');

    // No token in this tab: the server refuses and the page says so.
    await page.click('#audit-now');
    await expect.poll(() => page.textContent('#audit-status')).toContain('操作被拒绝');
    expect(svc.activeRuns()).toEqual([]);

    await page.fill('#token-input', TOKEN);
    await page.click('#token-form button[type=submit]');
    await page.click('#audit-now');
    await page.waitForFunction((b) => document.querySelector('#audited-at')?.textContent !== b, before, { timeout: 120_000 });
    expect(await page.textContent('#audited-at')).toContain('2021-01-27 10:');
    const api = (await (await fetch(`${server.url}/api/units/tgz`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as { runId: string; auditedAt: string };
    expect(svc.record(api.runId)).toMatchObject({ kind: 'unit', units: ['tgz'], state: 'done' });

    // A reviewer waives the leader finding: written to the overrides file, re-judged from the store.
    page.once('dialog', (d) => void d.accept('分管领导已在县政府门户“领导之窗”统一公开'));
    await page.click('.review-actions[data-rule="leader-disclosure"] button[data-decision="waived"]');
    await expect.poll(() => page.textContent('body'), { timeout: 60_000 }).toContain('已豁免问题（1 项）');
    expect(await page.textContent('body')).toContain('豁免理由：分管领导已在县政府门户“领导之窗”统一公开');
    await page.close();
  }, 150_000);
});
