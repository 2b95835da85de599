import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import groundTruth from '../../fixtures/portal/ground-truth.json' with { type: 'json' };
import { startFixturePortal, type FixturePortal } from '../../fixtures/server.ts';
import { runAuditRequest, type AuditOutcome } from '../../src/audit/run-audit.ts';
import { buildPortal } from '../../fixtures/portal/model.ts';
import { DEFAULT_SCHEME, isAdvisory, loadScheme } from '../../src/config/scheme.ts';
import { UNITS } from '../../fixtures/portal/units/index.ts';
import { closeBrowser } from '../../src/browser/chromium.ts';

/**
 * The product's promise on the sample portal: the audit reports exactly the
 * planted findings (ground-truth.json), no more and no fewer, with the right
 * codes, addresses and deductions, each with evidence.
 */

// Scores worked out by hand from rules/schemes/yifeng-2020.yaml and the planted findings. Averages of units not
// assessed (附注3), over the units of the same table that were:
// - 解读材料 (2): departments jtj 0, wjw 1, rsj 2, mzj 0, ybj 0 → 0.6; townships xzz, tgz, hgs 0 → 0.
// - 规范性文件 (2, 1 per finding): only wjw (0), scj (2) and ctz (2) have the column → departments 1, townships 2.
// - 建议提案 replies (3, 1 per late reply): departments jtj 0, nyj 1 → 0.5; a department without the column cannot have
//   its replies judged (inconclusive, left out of the average). No 建议提案 column: −2.
// The national advisories (timeliness, wording: 0 points in every table) cost nothing.
const EXPECTED_SCORES: Record<string, number> = {
  jtj: 99, // clean; 规范性文件 average 1
  wjw: 94, // stale 1 + empty 1 + late 1 + no-link 1; 规范性文件 clean; no 建议提案 column 2
  sfj: 83.4, // 5 stale/empty → jump 10, copied 2, not-named 1; 解读 average 0.6, 规范性文件 average 1; no 建议提案 column 2
  rsj: 93, // incomplete 2, broken-link 1 + reposted ×2 capped at 2; 规范性文件 average 1; no 建议提案 column 2
  xzz: 90, // missing report: publication 2 + content 2 + not-copied 4 (township table); 规范性文件 average 2
  tgz: 95, // stale 1, leader not named 2 (township table); 规范性文件 average 2
  hgs: 96, // empty 1, late 1 (farm → township table); 规范性文件 average 2
  ssz: 98, // 解读 average 0; 规范性文件 average 2
  scj: 92.4, // 机构职能 2 (no 办公时间) + 规范性文件 2 + 申请渠道 1 (no 传真); 解读 average 0.6; no 建议提案 column 2
  ctz: 94, // 机构职能 2 (no 职能) + 规范性文件 2 + 申请渠道 2 (no 网络, 传真; township table); 解读 average 0
  nyj: 97.4, // a reply 11 working days after signing 1; 解读 average 0.6, 规范性文件 average 1; late document and wording error: 提示, 0
  swj: 97.9, // 解读 average 0.6, 规范性文件 average 1; "2020年度未收到建议提案" → replies average 0.5; 提示 as nyj
  mzj: 94, // report tables inconsistent: 内容全面 2; ID numbers in a PDF attachment: privacy 1; 规范性文件 average 1; no 建议提案 column 2
  ybj: 94, // report tables inconsistent 2; ID numbers in an XLSX and on a page: privacy 1 (capped); mobile 提示 0; 规范性文件 average 1; no 建议提案 column 2
  // dead-link is advisory (提示): rsj's dead 原文链接 is deducted once, as interpretation-link's broken-link; tbx and fxz
  // are towns with only a dead link, 解读 and 规范性文件 not assessed.
  tbx: 98, // a dead link (提示, 0); 0 + 2
  fxz: 98, // a dead link (提示, 0); 0 + 2
  // The units that show how leaders are named (fixtures/README.md "Leader pages"): none has a 政策解读 or 规范性文件
  // column, so both are not assessed and cost their table's average (解读 departments 0.6, towns 0; 规范性文件
  // departments 1, towns 2); the departments state they had no 建议提案 this year → replies average 0.5.
  lyj: 97.9, // named (a card of unlabelled elements, third leader page); 0.6 + 1 + 0.5
  tjj: 95.9, // stale 通知公告 1 (the sidebars beside it are newer), leader not named 1 (duties without 政务公开); 0.6 + 1 + 0.5
  slj: 97.9, // named (a 分工 table cell); 0.6 + 1 + 0.5
  sjj: 97.9, // named (分管领导 in a definition list under 政务公开工作); 0.6 + 1 + 0.5
  tsz: 98, // named (duty first, in 机构职能); 0 + 2
  tax: 96, // leader not named 2 (only a 政务公开领导小组); 0 + 2
  hqx: 96, // leader not named 2 (only the 党政综合办公室); 0 + 2
  tbl: 96, // leader not named 2 (a leader promised, not named; only the clerk); 0 + 2
};

/** What cannot be judged on a fully read portal: the replies of departments that have no 建议提案 column. */
/** The departments without a 建议提案 column. */
const NO_PROPOSAL_COLUMN = ['wjw', 'sfj', 'rsj', 'scj', 'mzj', 'ybj'];
const EXPECTED_INCONCLUSIVE: Record<string, string[]> = Object.fromEntries(
  Object.keys(EXPECTED_SCORES).map((id) => [id, NO_PROPOSAL_COLUMN.includes(id) ? ['proposal-column'] : []]),
);

/** A finding is a 提示 when every indicator scoring its code has no points in any table. */
const SCHEME = loadScheme(DEFAULT_SCHEME);
const advisory = (f: { rule: string; code: string }) => SCHEME.indicators.filter((i) => i.rule === f.rule && i.codes.includes(f.code)).every(isAdvisory);

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

  it('every unit was read completely; only the replies of units without the column and the links that could not be checked are inconclusive', () => {
    const path = (url: string) => new URL(url).pathname + new URL(url).search;
    expect(outcome.report.units.map((u) => [u.id, u.status, u.inconclusive.filter((i) => i.rule !== 'proposal-column').map((i) => `${i.rule} ${path(i.url)}`).sort()])).toEqual(
      Object.keys(EXPECTED_SCORES).map((id) => [
        id,
        'ok',
        groundTruth.inconclusive
          .filter((i) => i.unit === id)
          .map((i) => `${i.rule} ${i.urlPath}`)
          .sort(),
      ]),
    );
    for (const u of outcome.report.units) {
      const replies = u.inconclusive.filter((i) => i.rule === 'proposal-column');
      expect(replies.length, u.id).toBe(EXPECTED_INCONCLUSIVE[u.id]!.length);
      if (!replies.length) continue;
      expect(replies[0]).toMatchObject({ codes: ['late'] });
      expect(u.indicators.find((i) => i.key === 'proposal-reply')).toMatchObject({ state: 'inconclusive', deducted: 0 });
    }
    // The 412 wall and the timeout are told as such, never as dead links.
    const reasons = outcome.report.units.flatMap((u) => u.inconclusive.map((i) => i.reason));
    expect(reasons.filter((r) => /反爬虫验证页面（HTTP 412）/.test(r))).toHaveLength(2);
    expect(reasons.filter((r) => /请求超时/.test(r))).toHaveLength(2);
  });

  it('提示 (advisories) are reported with evidence and change no score under the 2020 scheme', () => {
    const advisories = outcome.report.units.flatMap((u) => u.findings.filter(advisory).map((f) => ({ u, f })));
    expect(advisories.length).toBe(groundTruth.findings.filter(advisory).length);
    for (const { u, f } of advisories) {
      expect(f, `${u.id} ${f.rule}`).toMatchObject({ advisory: true, deduction: 0 });
      expect(u.indicators.some((i) => SCHEME.indicators.some((x) => x.key === i.key && isAdvisory(x)))).toBe(false);
    }
    // Nothing else is advisory: every other finding belongs to an indicator with points.
    expect(outcome.report.units.flatMap((u) => u.findings).filter((f) => f.advisory).length).toBe(advisories.length);
    const late = advisories.find(({ u, f }) => u.id === 'nyj' && f.rule === 'timeliness')!.f;
    expect(late.evidence).toMatchObject({ written: '2020-09-11', published: '2020-10-22', workingDays: 25, calendarDays: 41, holidays: ['国庆节'] });
    const wrong = advisories.find(({ u, f }) => u.id === 'swj' && f.rule === 'wording')!.f;
    expect(wrong.evidence['sentence']).toContain('根据国务院办公室《关于进一步优化营商环境更好服务市场主体的实施意见》要求');
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
  });

  it('each screenshot points at the element its finding is about, on every template family (checked in the page before capture)', () => {
    const all = outcome.report.units.flatMap((u) => u.findings.map((f) => ({ u, f, what: `${u.id} ${f.rule}/${f.code} ${String(f.evidence['highlight'] ?? '')}` })));
    // Found, outlined, labelled, and the outline covers the element within the picture.
    expect(all.filter(({ f }) => f.evidence['highlight'] !== undefined && f.evidence.located !== true).map((x) => x.what)).toEqual([]);
    // Only a finding about something absent from the page (no 建议提案 column) has nothing to point at.
    expect(all.filter(({ f }) => f.evidence['highlight'] === undefined).map(({ u, f }) => `${u.id} ${f.rule}/${f.code}`)).toEqual(
      NO_PROPOSAL_COLUMN.map((id) => `${id} proposal-column/missing`),
    );
    expect(all.length).toBeGreaterThan(30);
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
    // One row per finding, plus one per indicator that jumped (sfj: 5 stale/empty columns → −10 at once).
    const jumped = outcome.report.units.flatMap((u) => u.indicators.filter((i) => i.note));
    expect(jumped.map((i) => [i.key, i.deducted])).toEqual([['column-update', 10]]);
    expect(detail.rowCount - 1).toBe(groundTruth.findings.filter((f) => !advisory(f)).length + jumped.length);
    // The 扣分 column adds up to every unit's deductions, as the scoring engine recorded them.
    const points = detail.getColumn(5).values.slice(2).reduce<number>((a, v) => a + (typeof v === 'number' ? v : 0), 0);
    const deducted = outcome.report.units.reduce((a, u) => a + u.findings.reduce((b, f) => b + f.deduction, 0) + u.indicators.filter((i) => i.note).reduce((b, i) => b + i.deducted, 0), 0);
    expect(points).toBeCloseTo(deducted, 5);
    expect(wb.getWorksheet('提示')!.rowCount - 1).toBe(groundTruth.findings.filter(advisory).length);
    expect(readFileSync(join(outcome.outDir, 'report.html'), 'utf8')).toContain('提示汇总');
    expect(existsSync(join(outcome.outDir, 'evidence'))).toBe(true);
  });
});
