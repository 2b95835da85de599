import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load } from 'cheerio';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import type { AuditReport } from '../../src/model/result.ts';
import { HOSTILE, hostileUnit, makeReport, withJump } from '../helpers/report-factory.ts';

let browser: Browser;
let dir: string;
let report: AuditReport;
const dialogs: string[] = [];

async function open(file: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(join(dir, file)).href, { waitUntil: 'load' });
  return page;
}

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: process.env.ZWGK_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  dir = mkdtempSync(join(tmpdir(), 'zwgk-html-'));
  report = makeReport();
  report.units.push(hostileUnit());
  const shot = report.units.find((u) => u.id === 'wjw')!.findings[0]!.evidence.screenshot!;
  mkdirSync(join(dir, 'evidence', 'wjw'), { recursive: true });
  const page = await browser.newPage({ viewport: { width: 320, height: 200 } });
  await page.setContent('<p>佐证</p>');
  writeFileSync(join(dir, shot), await page.screenshot());
  await page.close();
  writeFileSync(join(dir, 'report.html'), renderHtmlReport(report));
  mkdirSync(join(dir, 'units'));
  writeFileSync(join(dir, 'units', 'wjw.html'), renderHtmlReport(report, { unitId: 'wjw', evidenceBase: '../' }));
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('renderHtmlReport in Chromium', () => {
  it('ranks units as the report says, with their recorded scores', async () => {
    const page = await open('report.html');
    const rows = await page.$$eval('table.rank-table tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => (td as HTMLElement).innerText.trim())),
    );
    const expected = [...report.units].sort((a, b) => a.rank! - b.rank!);
    expect(rows.map((r) => r[1])).toEqual(expected.map((u) => u.name));
    expect(rows.map((r) => Number(r[0]))).toEqual(expected.map((u) => u.rank));
    expect(rows.map((r) => Number(r[4]))).toEqual(expected.map((u) => u.score));
    expect(rows.map((r) => Number(r[6]))).toEqual(expected.map((u) => u.weighted));
    const wjw = expected.find((u) => u.id === 'wjw')!;
    const wjwRow = rows.find((r) => r[1] === wjw.name)!;
    expect(Number(wjwRow[5])).toBe(wjw.indicators.reduce((s, i) => s + i.deducted, 0));
    expect(wjwRow[2]).toBe('部门');
    expect(rows.find((r) => r[1] === '黄岗山垦殖场')![2]).toBe('林场');
    // One bar per unit, as wide as the score.
    const bars = await page.$$eval('.bar', (els) => els.map((e) => (e as HTMLElement).style.width));
    expect(bars.map((w) => parseFloat(w))).toEqual(expected.map((u) => Math.round(u.score * 10) / 10));
    await page.close();
  });

  it('renders a unit section: indicators, findings, waived, inconclusive, columns', async () => {
    const page = await open('report.html');
    const sections = page.locator('section.unit');
    expect(await sections.count()).toBe(report.units.length);

    const ssz = sections.filter({ has: page.locator('h2', { hasText: '石市镇' }) });
    const notAssessed = ssz.locator('.ind-table tr', { hasText: '解读材料提供原政策文件网址链接' });
    expect(await notAssessed.innerText()).toContain('未参与考核，按平均扣分');
    expect(await notAssessed.innerText()).toContain('0.67');

    const rsj = sections.filter({ has: page.locator('h2', { hasText: '县人力资源和社会保障局' }) });
    const waived = rsj.locator('table.waived tbody tr');
    expect(await waived.count()).toBe(1);
    expect(await waived.innerText()).toContain('已豁免');
    expect(await waived.innerText()).toContain('撤并');
    // Waived findings are not in the deduction table.
    const active = report.units.find((u) => u.id === 'rsj')!.findings.filter((f) => f.review?.decision !== 'waived');
    expect(await rsj.locator('table.find-table:not(.waived) tbody tr').count()).toBe(active.length);
    expect(await rsj.innerText()).toContain('已复核确认：经复核属实');

    const hgs = sections.filter({ has: page.locator('h2', { hasText: '黄岗山垦殖场' }) });
    const inc = await hgs.locator('.inc-table tbody tr').innerText();
    expect(inc).toContain('无法判定');
    expect(inc).toContain('请求超时');

    const jtj = sections.filter({ has: page.locator('h2', { hasText: '县教育体育局' }) });
    const cols = await jtj.locator('.col-table tbody tr').allInnerTexts();
    expect(cols).toHaveLength(3);
    expect(cols[0]).toContain('2020-12-28');
    expect(cols[1]).toContain('新闻动态');

    // Observed details and Chinese URL paths shown readably.
    const wjw = sections.filter({ has: page.locator('h2', { hasText: '县卫生健康委员会' }) });
    const first = await wjw.locator('table.find-table tbody tr').first().innerText();
    expect(first).toContain('最新信息标题：关于开展爱国卫生月活动的通知');
    expect(first).toContain('/xxgk/wjw/通知公告/index.html');
    expect(await wjw.locator('table.find-table tbody tr').nth(1).innerText()).toContain('未截图：页面加载超时');
    await page.close();
  });

  it('lists 提示 apart: a summary by unit and rule, a section per unit, never in the deduction tables or counts', async () => {
    const page = await open('report.html');
    const isAdvisory = (f: { advisory?: boolean }) => f.advisory === true;
    const summary = await page.$$eval('table.rank-table tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => (td as HTMLElement).innerText.trim())),
    );
    for (const u of report.units) {
      const row = summary.find((r) => r[1] === u.name)!;
      expect(Number(row[7]), u.id).toBe(u.findings.filter((f) => !isAdvisory(f) && f.review?.decision !== 'waived').length);
      expect(Number(row[9]), u.id).toBe(u.findings.filter(isAdvisory).length);
    }
    const adv = await page.$$eval('table.adv-table tr', (trs) => trs.map((tr) => Array.from(tr.children).map((c) => (c as HTMLElement).innerText.trim())));
    expect(adv).toEqual([
      ['单位', '主动公开信息及时公开（条例第二十六条）', '严重表述错误（国办秘函〔2019〕19号）', '合计'],
      ['县教育体育局', '1', '—', '1'],
      ['县卫生健康委员会', '2', '1', '3'],
    ]);
    expect(await page.locator('#advisories').innerText()).toContain('不扣分');

    const wjw = page.locator('section.unit').filter({ has: page.locator('h2', { hasText: '县卫生健康委员会' }) });
    expect(await wjw.locator('h3.adv-head').innerText()).toBe('提示（3 项，不扣分）');
    expect(await wjw.locator('h4').allInnerTexts()).toEqual(['主动公开信息及时公开（条例第二十六条）（2 项）', '严重表述错误（国办秘函〔2019〕19号）（1 项）']);
    expect(await wjw.locator('table.adv tbody tr').count()).toBe(3);
    expect(await wjw.locator('table.adv').last().innerText()).toContain('错误写法：中华人民共合国');
    const deductions = await wjw.locator('table.find-table:not(.adv):not(.waived)').innerText();
    expect(deductions).not.toContain('成文日期');
    expect(deductions).not.toContain('中华人民共合国');
    const dept = report.units.find((u) => u.id === 'wjw')!;
    expect(await wjw.locator('table.find-table:not(.adv):not(.waived) tbody tr').count()).toBe(dept.findings.filter((f) => !isAdvisory(f)).length);
    expect(await wjw.locator('h3', { hasText: '扣分问题' }).innerText()).toBe(`扣分问题（${dept.findings.filter((f) => !isAdvisory(f)).length} 项）`);

    // A unit without advisories has no 提示 section.
    const ssz = page.locator('section.unit').filter({ has: page.locator('h2', { hasText: '石市镇' }) });
    expect(await ssz.locator('h3.adv-head').count()).toBe(0);
    await page.close();
  });

  it('shows a screenshot thumbnail that links to the full-size image', async () => {
    const page = await open('report.html');
    const shot = report.units.find((u) => u.id === 'wjw')!.findings[0]!.evidence.screenshot!;
    const thumb = page.locator('a.shot');
    expect(await thumb.count()).toBe(1);
    expect(await thumb.getAttribute('href')).toBe(shot);
    const loaded = await thumb.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);
    expect(loaded).toBe(true);
    await page.close();
  });

  it('shows hostile crawled text as text and runs no script', async () => {
    const page = await open('report.html');
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('img[src="x"], svg').count()).toBe(0);
    const text = await page.locator('body').innerText();
    expect(text).toContain(HOSTILE.title);
    expect(text).toContain(HOSTILE.script);
    expect(text).toContain(HOSTILE.jsUrl);
    const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')!));
    for (const href of hrefs) expect(href).toMatch(/^(https?:|#u-\d+$|evidence\/)/);
    // The javascript: address and the traversal screenshot path are plain text, not links or images.
    expect(await page.locator('span.unsafe', { hasText: HOSTILE.jsUrl }).count()).toBeGreaterThan(0);
    expect(await page.locator('img[src*="passwd"], a[href*="passwd"]').count()).toBe(0);
    // Clicking everything that is a link must not execute anything either.
    await page.locator('span.unsafe').first().click();
    await page.waitForTimeout(100);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('prints on A4 with a page per unit, repeated table headers and link addresses', async () => {
    const page = await open('report.html');
    await page.emulateMedia({ media: 'print' });
    const styles = await page.evaluate(() => {
      const unit = document.querySelector('section.unit')!;
      const thead = document.querySelector('thead')!;
      const a = document.querySelector('.find-table a.shot')!;
      return {
        breakBefore: getComputedStyle(unit).breakBefore,
        thead: getComputedStyle(thead).display,
        after: getComputedStyle(a, '::after').content,
      };
    });
    expect(styles.breakBefore).toBe('page');
    expect(styles.thead).toBe('table-header-group');
    expect(styles.after).toContain('evidence/wjw/');
    await page.close();
  });

  it('shows the >3 jump as one deduction of the indicator, each column counted in it', () => {
    const $ = load(renderHtmlReport(withJump(makeReport(), 'wjw'), { unitId: 'wjw' }));
    const row = $('.ind-table tbody tr').filter((_, tr) => $(tr).find('td').first().text().startsWith('平台栏目更新'));
    expect(row.find('td').first().text()).toContain('名下超过3个栏目未更新，直接扣10分');
    expect(row.find('td').eq(2).text()).toBe('10');
    const stale = $('.find-table').first().find('tbody tr').filter((_, tr) => $(tr).text().includes('栏目未及时更新'));
    expect(stale.length).toBeGreaterThan(0);
    stale.each((_, tr) => expect($(tr).find('td').eq(1).text().trim()).toBe('计入本项直接扣分'));
  });

  it('prints a cover page: county, title, year, as-of date, issuing office and date; the screen shows the heading instead', async () => {
    const page = await open('report.html');
    const cover = () => page.evaluate(() => ({ shown: getComputedStyle(document.querySelector('.cover')!).display, text: document.querySelector('.cover')!.textContent!.replace(/\s+/g, '') }));
    expect((await cover()).shown).toBe('none');
    await page.emulateMedia({ media: 'print' });
    const printed = await cover();
    expect(printed.shown).toBe('flex');
    for (const t of ['宜丰县', report.schemeTitle!, '过程测评结果报告', '考评年度2020年', '测评基准日2021-01-20', '出具单位宜丰县人民政府办公室', '出具日期2021年1月20日']) expect(printed.text).toContain(t);
    await page.close();
  });

  it('renders the per-unit report with only that unit and where it ranks', async () => {
    const page = await open('units/wjw.html');
    const wjw = report.units.find((u) => u.id === 'wjw')!;
    expect(await page.locator('section.unit').count()).toBe(1);
    expect(await page.locator('.standing').innerText()).toContain(`${report.units.length} 个单位中排名第 ${wjw.rank} 位`);
    const text = await page.locator('body').innerText();
    for (const other of report.units.filter((u) => u.id !== 'wjw')) expect(text).not.toContain(other.name);
    expect(await page.locator('table.rank-table tbody tr').count()).toBe(1);
    // From units/ the evidence directory is one level up.
    const img = page.locator('a.shot img');
    expect(await img.getAttribute('src')).toBe(`../${wjw.findings[0]!.evidence.screenshot}`);
    expect(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
    await page.close();
  });

  it('refuses an unknown unit id', () => {
    expect(() => renderHtmlReport(report, { unitId: 'nope' })).toThrow(/nope/);
  });

  it('ranks by recorded score when the report carries no ranks (ties share a rank)', () => {
    const r = makeReport();
    for (const u of r.units) delete u.rank;
    r.units.reverse();
    r.units[0]!.score = r.units[1]!.score;
    const $ = load(renderHtmlReport(r));
    const rows = $('table.rank-table tbody tr')
      .toArray()
      .map((tr) => $(tr).find('td').toArray().map((td) => $(td).text().trim()));
    const scores = rows.map((row) => Number(row[4]));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const ranks = rows.map((row) => Number(row[0]));
    for (let i = 1; i < rows.length; i++) {
      expect(ranks[i]).toBe(scores[i] === scores[i - 1] ? ranks[i - 1] : i + 1);
    }
    expect(new Set(scores).size).toBeLessThan(scores.length);
  });
});
