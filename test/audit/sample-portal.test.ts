import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import groundTruth from '../../fixtures/portal/ground-truth.json' with { type: 'json' };
import { startFixturePortal, type FixturePortal } from '../../fixtures/server.ts';
import { runAuditRequest, type AuditOutcome } from '../../src/audit/run-audit.ts';
import { buildPortal } from '../../fixtures/portal/model.ts';
import { UNITS } from '../../fixtures/portal/units/index.ts';
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
  sfj: 86, // 5 stale/empty → jump 10, copied 2, not-named 1, interpretations not assessed → department average (wjw 1, rsj 2, jtj 0) = 1
  rsj: 96, // incomplete 2, broken-link 1 + reposted ×2 capped at the indicator's 2 → 2
  xzz: 92, // missing report: publication 2 + content 2 + not-copied 4 (township table)
  tgz: 97, // stale 1, leader not named 2 (township table)
  hgs: 98, // empty 1, late 1 (farm → township table)
  ssz: 100, // clean; interpretations not assessed → township average (0)
  // The units that show how leaders are named (fixtures/README.md "Leader pages"): none has a 政策解读 column, so
  // interpretation-link is not assessed and costs the average of its table — departments (wjw 1 + rsj 2 + jtj 0) / 3 = 1,
  // towns and farms (xzz 0, tgz 0, hgs 0) = 0. They leave the averages of the other units as they were.
  lyj: 99, // named (a card of unlabelled elements, third leader page); interpretations average 1
  tjj: 97, // stale 通知公告 1 (the sidebars beside it are newer), leader not named 1 (duties without 政务公开), interpretations average 1
  slj: 99, // named (a 分工 table cell); interpretations average 1
  sjj: 99, // named (分管领导 in a definition list under 政务公开工作); interpretations average 1
  tsz: 100, // named (duty first, in 机构职能); interpretations average 0
  tax: 98, // leader not named 2 (only a 政务公开领导小组)
  hqx: 98, // leader not named 2 (only the 党政综合办公室)
  tbl: 98, // leader not named 2 (a leader promised, not named; only the clerk)
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

  it('leader pages: each way of naming (or not naming) the leader is judged by the words planted, with the page', () => {
    const page = (unit: string, title: string) => portal.baseUrl + buildPortal(UNITS, 1).units.find((u) => u.id === unit)!.columns.flatMap((c) => c.items).find((i) => i.title === title)!.path;
    const unit = (id: string) => outcome.report.units.find((u) => u.id === id)!;
    const named: [string, string, string, RegExp][] = [
      ['lyj', '陈晓东（领导信息卡片）', page('lyj', '陈晓东'), /陈晓东 .*副局长 .*政务公开/],
      ['slj', '曾文军（分工表格）', page('slj', '县水利局领导班子分工'), /姓名:曾文军 职务:党组成员、副局长 分工:.*政务公开/],
      ['sjj', '陈晓峰（分管领导标注）', page('sjj', '县审计局政务公开工作机构'), /分管领导:陈晓峰/],
      ['tsz', '刘卫国（分工表述）', page('tsz', '潭山镇人民政府机构设置及主要职能'), /镇政务公开工作由党委委员、副镇长刘卫国负责/],
      // The units planted before these: 分管政务公开工作：副局长 张卫东; 组长 刘建明; 负责政府信息公开工作; a 分管领导 table column; 分管政务公开工作.
      ['jtj', '张卫东（分管领导标注）', page('jtj', '县教育体育局政务公开工作分工'), /分管政务公开工作:副局长 张卫东/],
      ['wjw', '刘建明（政务公开领导小组组长）', page('wjw', '关于调整县卫生健康委员会政务公开工作领导小组的通知'), /组\s?长:刘建明/],
    ];
    for (const [id, who, url, words] of named) {
      expect(unit(id).observations?.['leader-disclosure'], id).toMatchObject({ named: who, evidencePage: url, evidenceText: expect.stringMatching(words) });
    }
    const notNamed: [string, string, string][] = [
      ['tjj', '公开了领导分工，但分工中没有政务公开工作', page('tjj', '县统计局领导班子成员及分工')],
      ['tax', '只提到政务公开工作领导小组，未写明组长', page('tax', '同安乡政务公开工作机构')],
      ['hqx', '政务公开职责落实到办公室而非个人', page('hqx', '花桥乡机构设置')],
      ['tbl', '提到分管（负责）政务公开工作的负责同志，但未写明姓名', page('tbl', '天宝林场领导班子分工')],
    ];
    for (const [id, why, url] of notNamed) {
      const f = unit(id).findings.find((x) => x.rule === 'leader-disclosure')!;
      expect(f.message, id).toContain(why);
      expect(f.evidence, id).toMatchObject({ nearMiss: why, evidencePage: url, evidenceText: expect.any(String) });
    }
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
    expect(detail.rowCount - 1).toBe(groundTruth.findings.length);
    expect(existsSync(join(outcome.outDir, 'evidence'))).toBe(true);
  });
});
