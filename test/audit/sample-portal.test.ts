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

// Scores worked out by hand from rules/schemes/yifeng-2020.yaml and the planted findings.
// 规范性文件公开 (2 points, 1 per finding): only wjw (clean, 0), scj (2) and ctz (2) have a 规范性文件 column; every
// other unit is not assessed and gets its table's average: departments (0 + 2) / 2 = 1, townships and farms 2 / 1 = 2.
const EXPECTED_SCORES: Record<string, number> = {
  jtj: 99, // clean; 规范性文件 not assessed → department average 1
  wjw: 96, // stale 1 + empty 1 + late 1 + no-link 1; 规范性文件 all show 有效性 and a PDF → 0
  sfj: 85, // 5 stale/empty → jump 10, copied 2, not-named 1, interpretations not assessed → department average (wjw 1, rsj 2, jtj 0) = 1; 规范性文件 average 1
  rsj: 95, // incomplete 2, broken-link 1 + reposted ×2 capped at the indicator's 2 → 2; 规范性文件 average 1
  xzz: 90, // missing report: publication 2 + content 2 + not-copied 4 (township table); 规范性文件 township average 2
  tgz: 95, // stale 1, leader not named 2 (township table); 规范性文件 township average 2
  hgs: 96, // empty 1, late 1 (farm → township table); 规范性文件 township average 2
  ssz: 98, // clean; interpretations not assessed → township average (0); 规范性文件 township average 2
  scj: 94, // no 办公时间 → 机构职能 all 2; no 有效性 1 + no download 1 = 2; guide without 传真 → 申请渠道 all 1 (department table); interpretations not assessed → department average 1
  ctz: 94, // no 职能 → 机构职能 all 2; no 文号/成文日期 1 + no download 1 = 2; guide without 网络 and 传真 → 申请渠道 all 2 (township table); interpretations not assessed → township average 0
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

  it('the 机构职能, 申请渠道 and 规范性文件 findings name what the planted pages lack', () => {
    const missing = outcome.report.units.flatMap((u) =>
      u.findings
        .filter((f) => ['agency-info', 'guide-channels', 'normative-docs'].includes(f.rule) && f.code !== 'no-download')
        .map((f) => [u.id, f.rule, f.evidence.missing]),
    );
    expect(missing).toEqual([
      ['scj', 'agency-info', ['办公时间']],
      ['scj', 'normative-docs', ['有效性']],
      ['scj', 'guide-channels', ['传真']],
      ['ctz', 'agency-info', ['工作职能']],
      ['ctz', 'normative-docs', ['文号', '成文日期']],
      ['ctz', 'guide-channels', ['网络', '传真']],
    ]);
  });

  it('every unit was read completely and nothing is left inconclusive', () => {
    expect(outcome.report.units.map((u) => [u.id, u.status, u.inconclusive.length])).toEqual(
      Object.keys(EXPECTED_SCORES).map((id) => [id, 'ok', 0]),
    );
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
