import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
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

// Scores worked out by hand from rules/schemes/yifeng-2020.yaml and the planted findings:
const EXPECTED_SCORES: Record<string, number> = {
  jtj: 100, // clean
  wjw: 96, // stale 1 + empty 1 + late 1 + no-link 1
  // 5 stale/empty → jump 10, copied 2, not-named 1, interpretations not assessed → department average
  // (wjw 1, rsj 2, jtj 0, mzj 0, ybj 0: 3 / 5 = 0.6) → 100 − 10 − 2 − 1 − 0.6
  sfj: 86.4,
  rsj: 96, // incomplete 2, broken-link 1 + reposted ×2 capped at the indicator's 2 → 2
  xzz: 92, // missing report: publication 2 + content 2 + not-copied 4 (township table)
  tgz: 97, // stale 1, leader not named 2 (township table)
  hgs: 98, // empty 1, late 1 (farm → township table)
  ssz: 100, // clean; interpretations not assessed → township average (0)
  mzj: 97, // report tables inconsistent: 内容全面 2 ('all'); ID numbers in a PDF attachment: privacy 1 ('all')
  ybj: 97, // report tables inconsistent 2; ID numbers in an XLSX and on a page: privacy 'all' = 1, capped at 1 → 1; mobile advisory 0
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
    crawl: { fetch: { minIntervalMs: 0 } },
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

  it('never re-publishes a planted personal number: reports, evidence names and the data directory hold them masked', async () => {
    // The full numbers planted in fixtures/portal/units/mzj.ts and ybj.ts.
    const planted = ['360924195603121026', '360924194801053015', '360924196307282049', '360924195902215030', '36092419710916402X', '360924196611042066', '13979512345'];
    const texts: [string, string][] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const f = join(d, e.name);
        if (e.isDirectory()) walk(f);
        else if (/\.(json|html)$/.test(f)) texts.push([f, readFileSync(f, 'utf8')]);
        else if (f.endsWith('.gz')) texts.push([f, gunzipSync(readFileSync(f)).toString('utf8')]);
      }
    };
    walk(outcome.outDir);
    walk(join(dir, 'data'));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(outcome.outDir, 'report.xlsx'));
    wb.eachSheet((ws) => ws.eachRow((r) => texts.push([`report.xlsx ${ws.name}`, JSON.stringify(r.values)])));
    expect(texts.length).toBeGreaterThan(20);
    for (const [file, text] of texts) for (const n of planted) expect(text.includes(n), `${n} in ${file}`).toBe(false);
    // …while the findings show them masked.
    const ybj = outcome.report.units.find((u) => u.id === 'ybj')!;
    expect(ybj.findings.find((f) => f.code === 'mobile')!.evidence['examples']).toEqual(['139****2345']);
    expect(ybj.findings.filter((f) => f.code === 'id-number').map((f) => f.evidence['examples'])).toEqual(
      expect.arrayContaining([['3609**********5030', '3609**********402X'], ['3609**********2066']]),
    );
  });

  it('writes report.json, report.html and report.xlsx holding the same numbers', async () => {
    const json = JSON.parse(readFileSync(join(outcome.outDir, 'report.json'), 'utf8'));
    expect(json).toMatchObject({ schemaVersion: 1, year: 2020, asOf: '2021-01-20' });
    expect(json.units.map((u: { id: string; score: number }) => [u.id, u.score])).toEqual(outcome.report.units.map((u) => [u.id, u.score]));
    expect(readFileSync(join(outcome.outDir, 'report.html'), 'utf8')).toContain('县司法局');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(outcome.outDir, 'report.xlsx'));
    const detail = wb.getWorksheet('扣分明细')!;
    expect(detail.rowCount - 1).toBe(groundTruth.findings.length);
    expect(existsSync(join(outcome.outDir, 'evidence'))).toBe(true);
  });
});
