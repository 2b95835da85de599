import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { missingParts } from '../../rules/annual-report.ts';
import { boilerplateShingles, compareReports } from '../../rules/lib/similarity.ts';
import { archivedText, article, column, ctx, haveRealpages, item, REALPAGES, realpage, scheme, snapshot, ruleRunner } from '../helpers/snapshot-factory.ts';

const run = ruleRunner('annual-report');

/**
 * Real 政府信息公开工作年度报告 (../shared/realpages/annual-report, see its
 * PROVENANCE.md and SIMILARITY.md): part detection on every report, and the
 * calibration of the 雷同 threshold recorded in the scheme file.
 */
const skip = !haveRealpages;
const S = () => scheme().settings['annual-report'];
const DIR = 'annual-report';

function reportText(file: string): string {
  const raw = realpage(`${DIR}/${file}`)!;
  if (file.endsWith('.txt')) return archivedText(raw).body;
  const $ = cheerio.load(raw);
  const editor = $('div.TRS_Editor');
  return editor.length ? editor.text() : $.root().text();
}

const textFiles = () => (skip ? [] : readdirSync(resolve(REALPAGES, DIR)).filter((f) => f.endsWith('.txt')).sort());

describe.skipIf(skip)('annual-report on real reports: 条例第五十条 parts (needs ../shared/realpages)', () => {
  it('finds the real reports (../shared/realpages present)', () => {
    expect(textFiles().length).toBeGreaterThanOrEqual(23);
  });

  it('every real report is complete, except 地税局 2013 which has no 问题及改进 section', () => {
    const files = [...textFiles(), 'shanghai-szfbgt-2019-body.html', 'pingtan-trs-jiyue-2024-zfxxgknb.html'];
    const lacking = Object.fromEntries(
      files.map((f) => [f, missingParts({ text: reportText(f), headings: [] }, S()).map((p) => p.key)]),
    );
    const expected = Object.fromEntries(files.map((f) => [f, f === 'pingtan-dishui-2013.txt' ? ['problems'] : []]));
    expect(lacking).toEqual(expected);
  });

  it('a real report with its 行政复议/行政诉讼 and 问题 sections cut out is incomplete', () => {
    const full = reportText('pingtan-syq-2020.txt');
    const cut = full.slice(0, full.indexOf('四、政府信息公开行政复议'));
    expect(cut.length).toBeGreaterThan(1000);
    expect(missingParts({ text: cut, headings: [] }, S()).map((p) => p.key)).toEqual(['review', 'problems']);
  });
});

function sim(newer: string, older: string) {
  const c = S().copied;
  return compareReports(newer, older, { size: c.shingle, method: c.method, boilerplate: boilerplateShingles(c.boilerplate, c.shingle) }).score;
}
const pair = (a: string, b: string) => sim(reportText(a), reportText(b));

describe.skipIf(skip)('annual-report on real reports: 雷同 calibration, numbers in rules/schemes/yifeng-2020.yaml (needs ../shared/realpages)', () => {
  const threshold = () => S().copied.threshold;

  it('genuine consecutive reports of 平潭综合实验区 (2013→2025) stay well below the threshold', () => {
    const scores = [];
    for (let y = 2014; y <= 2025; y++) scores.push(pair(`pingtan-syq-${y}.txt`, `pingtan-syq-${y - 1}.txt`));
    expect(Math.max(...scores)).toBeLessThan(threshold() - 0.2);
    expect(Math.max(...scores)).toBeCloseTo(0.432, 2);
    expect(Math.min(...scores)).toBeCloseTo(0.089, 2);
  });

  it('a report that adds a section to last year’s text and one that reuses about two thirds stay below', () => {
    expect(pair('pingtan-syq-2012.txt', 'pingtan-syq-2011.txt')).toBeCloseTo(0.491, 2);
    expect(pair('pingtan-czj-2022.txt', 'pingtan-czj-2021.txt')).toBeCloseTo(0.655, 2);
    expect(pair('pingtan-czj-2022.txt', 'pingtan-czj-2021.txt')).toBeLessThan(threshold());
  });

  it('reports reused with new numbers, or trimmed, are above', () => {
    const copies = [
      ['pingtan-xianzf-2012.txt', 'pingtan-xianzf-2011.txt', 0.939],
      ['pingtan-xianzf-2013.txt', 'pingtan-xianzf-2012.txt', 0.977],
      ['pingtan-czj-2023.txt', 'pingtan-czj-2022.txt', 0.935],
      ['pingtan-czj-2024.txt', 'pingtan-czj-2023.txt', 0.934],
      ['pingtan-syq-2013.txt', 'pingtan-syq-2012.txt', 0.976],
    ] as const;
    for (const [a, b, expected] of copies) {
      const s = pair(a, b);
      expect(s, `${a} vs ${b}`).toBeCloseTo(expected, 2);
      expect(s).toBeGreaterThanOrEqual(threshold());
    }
  });

  it('a real report copied with only the years and numbers changed scores 1', () => {
    const real = reportText('pingtan-syq-2019.txt');
    const forged = real
      .replaceAll('2020', '2021')
      .replaceAll('2019', '2020')
      .replace(/\d+(\.\d+)?/g, (n) => String(Math.round(Number(n) * 1.3 + 1)));
    expect(forged).not.toBe(real);
    expect(sim(forged, real)).toBe(1);
  });

  it('different bodies in the same year stay below (except one office writing for two bodies in 2011)', () => {
    const cross: [string, string][] = [['pingtan-syq-2013.txt', 'pingtan-dishui-2013.txt']];
    for (const y of [2021, 2022, 2023, 2024]) cross.push([`pingtan-czj-${y}.txt`, `pingtan-syq-${y}.txt`]);
    for (const [a, b] of cross) expect(pair(a, b), `${a} vs ${b}`).toBeLessThan(0.2);
    expect(pair('pingtan-syq-2019.txt', 'shanghai-szfbgt-2019-body.html')).toBeLessThan(0.1);
    expect(pair('pingtan-syq-2011.txt', 'pingtan-xianzf-2011.txt')).toBeGreaterThan(threshold());
  });

  it('the table labels must go: without them removed, two bodies of the 2021 format look alike', () => {
    const c = S().copied;
    const raw = compareReports(reportText('pingtan-czj-2021.txt'), reportText('pingtan-syq-2021.txt'), {
      size: c.shingle,
      method: c.method,
      boilerplate: new Set(),
    }).score;
    expect(raw).toBeGreaterThan(pair('pingtan-czj-2021.txt', 'pingtan-syq-2021.txt') * 2);
  });
});

describe.skipIf(skip)('annual-report rule over real reports in a unit snapshot (needs ../shared/realpages)', () => {
  /** A unit whose 年报 column holds two real consecutive reports, judged in the year after the newer one. */
  function judge(newer: string, older: string) {
    const a = archivedText(realpage(`${DIR}/${newer}`)!);
    const b = archivedText(realpage(`${DIR}/${older}`)!);
    const year = Number(/(\d{4})年/.exec(a.title)![1]) + 1;
    const items = [item(a.title, a.published), item(b.title, b.published)];
    const snap = snapshot({
      columns: [column('政府信息公开年报', items)],
      articles: [article(items[0]!, '政府信息公开年报', { text: a.body, tables: [] }), article(items[1]!, '政府信息公开年报', { text: b.body, tables: [] })],
    });
    return run(snap, ctx({ year, asOf: `${year + 1}-01-20` }));
  }

  it('财政金融局 2024 (reused from 2023, published 2025-01): copied only', () => {
    const r = judge('pingtan-czj-2024.txt', 'pingtan-czj-2023.txt');
    expect(r.findings.map((f) => f.code)).toEqual(['copied']);
  });

  it('实验区 2020 after 2019 (published 2021-03-05): complete and not copied, but late', () => {
    const r = judge('pingtan-syq-2020.txt', 'pingtan-syq-2019.txt');
    expect(r.findings.map((f) => [f.code, f.observed.published])).toEqual([['late', '2021-03-05']]);
    // The archived text copies lost their tables (test/rules/annual-report-tables.test.ts): the sums cannot be checked.
    expect(r.inconclusive.map((i) => i.codes)).toEqual([['inconsistent']]);
  });

  it('实验区 2019 after 2018 (published 2020-01-20): no finding at all', () => {
    const r = judge('pingtan-syq-2019.txt', 'pingtan-syq-2018.txt');
    expect(r.findings).toEqual([]);
    expect(r.inconclusive.map((i) => i.codes)).toEqual([['inconsistent']]);
  });

  it('平潭县 2011 (published 2012-04-18): late; no 2010 report, so 雷同 is not assessed', () => {
    const a = archivedText(realpage(`${DIR}/pingtan-xianzf-2011.txt`)!);
    const it1 = item(a.title, a.published);
    const snap = snapshot({ columns: [column('政府信息公开年报', [it1])], articles: [article(it1, '政府信息公开年报', { text: a.body })] });
    const r = run(snap, ctx({ year: 2012, asOf: '2013-01-20' }));
    expect(r.findings.map((f) => f.code)).toEqual(['late']);
    expect(r.unassessed).toEqual(['copied']);
  });
});
