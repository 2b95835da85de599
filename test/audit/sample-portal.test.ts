import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import groundTruth from '../../fixtures/portal/ground-truth.json' with { type: 'json' };
import { startFixturePortal, type FixturePortal } from '../../fixtures/server.ts';
import { runAuditRequest, type AuditOutcome } from '../../src/audit/run-audit.ts';
import { closeBrowser } from '../../src/browser/chromium.ts';

/**
 * The product's promise on the sample portal: the audit reports exactly the
 * planted findings (ground-truth.json), no more and no fewer, with the right
 * codes, addresses and deductions, each with evidence.
 */

// Scores worked out by hand from rules/schemes/yifeng-2020.yaml and the planted findings. dead-link is advisory
// (提示: 0 points in every table), so its findings cost nothing: rsj's dead 原文链接 is deducted once, as
// interpretation-link's broken-link, and tbx and fxz stay at 100 with their dead links.
const EXPECTED_SCORES: Record<string, number> = {
  jtj: 100, // clean
  wjw: 96, // stale 1 + empty 1 + late 1 + no-link 1
  sfj: 86, // 5 stale/empty → jump 10, copied 2, not-named 1, interpretations not assessed → department average (wjw 1, rsj 2, jtj 0) = 1
  rsj: 96, // incomplete 2, broken-link 1 + reposted ×2 capped at the indicator's 2 → 2
  xzz: 92, // missing report: publication 2 + content 2 + not-copied 4 (township table)
  tgz: 97, // stale 1, leader not named 2 (township table)
  hgs: 98, // empty 1, late 1 (farm → township table)
  ssz: 100, // clean; interpretations not assessed → township average (0)
  tbx: 100, // a dead link (提示, 0); interpretations not assessed → township average (0)
  fxz: 100, // a dead link (提示, 0); interpretations not assessed → township average (0)
};

let portal: FixturePortal;
let dir: string;
let outcome: AuditOutcome;

beforeAll(async () => {
  portal = await startFixturePortal();
  dir = mkdtempSync(join(tmpdir(), 'zwgk-audit-sample-'));
  const unitsFile = join(dir, 'units.csv');
  portal.writeUnitsCsv(unitsFile);
  outcome = await runAuditRequest({
    unitsFile,
    asOf: groundTruth.asOf,
    dataDir: join(dir, 'data'),
    outDir: join(dir, 'out'),
    minIntervalMs: 0,
    // The interpretations link to the province site (127.0.0.2, loopback): allowed as an operator would allow it.
    allowHosts: [new URL(portal.provinceUrl).host],
    // The planted links that never answer cost linkTries × this, not the default 10 s each.
    crawl: { fetch: { linkTimeoutMs: 1500 } },
  });
}, 240_000);

afterAll(async () => {
  await closeBrowser();
  await portal?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('zwgk audit on the sample portal', () => {
  it('reports exactly the planted findings', () => {
    const key = (f: { unit: string; rule: string; code: string; urlPath: string }) => `${f.unit} ${f.rule}/${f.code} ${f.urlPath}`;
    const got = outcome.report.units.flatMap((u) =>
      u.findings.map((f) => key({ unit: u.id, rule: f.rule, code: f.code, urlPath: new URL(f.url).pathname + new URL(f.url).search })),
    );
    const planted = groundTruth.findings.map(key);
    expect(got.sort()).toEqual(planted.sort());
  });

  it('scores each unit as the scheme says, weighted at 30%', () => {
    const scores = Object.fromEntries(outcome.report.units.map((u) => [u.id, u.score]));
    expect(scores).toEqual(EXPECTED_SCORES);
    for (const u of outcome.report.units) {
      expect(u.weighted).toBeCloseTo(u.score * 0.3, 2);
      expect(u.score).toBeCloseTo(100 - u.indicators.reduce((s, i) => s + i.deducted, 0), 2);
    }
  });

  it('every unit was read completely and nothing but the links that could not be checked is left inconclusive', () => {
    const path = (url: string) => new URL(url).pathname + new URL(url).search;
    expect(outcome.report.units.map((u) => [u.id, u.status, u.inconclusive.map((i) => `${i.rule} ${path(i.url)}`).sort()])).toEqual(
      Object.keys(EXPECTED_SCORES).map((id) => [
        id,
        'ok',
        groundTruth.inconclusive
          .filter((i) => i.unit === id)
          .map((i) => `${i.rule} ${i.urlPath}`)
          .sort(),
      ]),
    );
    // The 412 wall and the timeout are told as such, never as dead links.
    const reasons = outcome.report.units.flatMap((u) => u.inconclusive.map((i) => i.reason));
    expect(reasons.filter((r) => /反爬虫验证页面（HTTP 412）/.test(r))).toHaveLength(2);
    expect(reasons.filter((r) => /请求超时/.test(r))).toHaveLength(2);
  });

  it('dead links are 提示 (advisory): deduction 0, the page, the link and its status as evidence; no score moves under the 2020 scheme', () => {
    const dead = outcome.report.units.flatMap((u) => u.findings.filter((f) => f.rule === 'dead-link').map((f) => ({ u, f })));
    expect(dead.map(({ u }) => u.id).sort()).toEqual(['fxz', 'rsj', 'tbx']);
    for (const { u, f } of dead) {
      expect(f, u.id).toMatchObject({ code: 'broken', advisory: true, deduction: 0, evidence: { linkStatus: 404 } });
      expect(f.evidence['highlight'], u.id).toBe(f.evidence['linkText']);
      expect(String(f.evidence['linkUrl']).startsWith(portal.baseUrl)).toBe(true);
      expect(u.indicators.some((i) => i.key === 'dead-link')).toBe(false);
    }
    expect(dead.find(({ u }) => u.id === 'tbx')!.f.evidence).toMatchObject({ linkText: '天宝乡关于划分森林防火责任区的通知', where: '正文链接' });
    // Nothing else is advisory: every other finding belongs to an indicator with points.
    expect(outcome.report.units.flatMap((u) => u.findings).filter((f) => f.advisory)).toHaveLength(dead.length);
  });

  it('every finding carries its address and a screenshot file', () => {
    for (const u of outcome.report.units) {
      for (const f of u.findings) {
        expect(f.url.startsWith(portal.baseUrl) || f.url.startsWith(portal.provinceUrl), f.url).toBe(true);
        expect(f.evidence.screenshotError, `${u.id} ${f.rule}/${f.code}`).toBeUndefined();
        const png = readFileSync(join(outcome.outDir, f.evidence.screenshot!));
        expect(png.subarray(1, 4).toString()).toBe('PNG');
      }
    }
  });

  it('writes report.json, report.html and report.xlsx holding the same numbers', async () => {
    const json = JSON.parse(readFileSync(join(outcome.outDir, 'report.json'), 'utf8'));
    expect(json).toMatchObject({ schemaVersion: 1, year: 2020, asOf: '2021-01-20' });
    expect(json.units.map((u: { id: string; score: number }) => [u.id, u.score])).toEqual(outcome.report.units.map((u) => [u.id, u.score]));
    expect(readFileSync(join(outcome.outDir, 'report.html'), 'utf8')).toContain('县司法局');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(outcome.outDir, 'report.xlsx'));
    const detail = wb.getWorksheet('扣分明细')!;
    // One row per finding, plus one per indicator that jumped (sfj: 5 stale/empty columns → −10 at once).
    const jumped = outcome.report.units.flatMap((u) => u.indicators.filter((i) => i.note));
    expect(jumped.map((i) => [i.key, i.deducted])).toEqual([['column-update', 10]]);
    expect(detail.rowCount - 1).toBe(groundTruth.findings.length + jumped.length);
    // The 扣分 column adds up to every unit's deductions, as the scoring engine recorded them.
    const points = detail.getColumn(5).values.slice(2).reduce<number>((a, v) => a + (typeof v === 'number' ? v : 0), 0);
    const deducted = outcome.report.units.reduce((a, u) => a + u.findings.reduce((b, f) => b + f.deduction, 0) + u.indicators.filter((i) => i.note).reduce((b, i) => b + i.deducted, 0), 0);
    expect(points).toBeCloseTo(deducted, 5);
    expect(existsSync(join(outcome.outDir, 'evidence'))).toBe(true);
  });
});
