import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  dateFromEpochMs, dateFromUrl, findDates, parseDate, standaloneDate, yearFromUrl,
} from '../../src/crawl/parse/dates.ts';

const REAL = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'realpages');
const hasReal = existsSync(REAL);
if (!hasReal) console.warn(`[parse-dates] ${REAL} is absent: real-page checks are skipped`);

describe('parseDate', () => {
  it.each([
    ['2020-12-01', '2020-12-01'],
    ['2020/12/1', '2020-12-01'],
    ['2020.12.01', '2020-12-01'],
    ['2020年12月1日', '2020-12-01'],
    ['2020 年 12 月 1 日', '2020-12-01'],
    ['2020年08月02日', '2020-08-02'],
    ['2020-12-01 10:30', '2020-12-01'],
    ['发布时间：2025-11-05 16:28:36', '2025-11-05'],
    ['2007-08-20-23:59:59', '2007-08-20'],
    ['２０２０－１２－０１', '2020-12-01'],
    ['（2007年6月29日第十届全国人民代表大会常务委员会第二十八次会议通过）', '2007-06-29'],
  ])('%s → %s', (text, want) => {
    expect(parseDate(text)).toBe(want);
  });

  it('takes the year of a bare month-day from the context', () => {
    expect(parseDate('[12-01]', { contextYear: 2020 })).toBe('2020-12-01');
    expect(parseDate('12-01', { contextYear: 2019 })).toBe('2019-12-01');
    expect(parseDate('【12/1】', { contextYear: 2020 })).toBe('2020-12-01');
    expect(parseDate('12月1日', { contextYear: 2020 })).toBe('2020-12-01');
    expect(parseDate('[12-01]')).toBeNull();
  });

  it('rejects impossible dates', () => {
    expect(parseDate('2021-02-30')).toBeNull();
    expect(parseDate('2021-02-29')).toBeNull();
    expect(parseDate('2020-02-29')).toBe('2020-02-29');
    expect(parseDate('2020-13-01')).toBeNull();
    expect(parseDate('2020年0月1日')).toBeNull();
    expect(parseDate('[02-30]', { contextYear: 2020 })).toBeNull();
    expect(parseDate('1899-01-01')).toBeNull();
  });

  it('does not read dates into numbers that are not dates', () => {
    expect(parseDate('1-10月德清县固定资产投资结构趋稳趋优', { contextYear: 2016 })).toBeNull();
    expect(parseDate('索引号：000014348/2020-35147')).toBeNull();
    expect(parseDate('宜府发〔2020〕12号')).toBeNull();
    expect(parseDate('版本 1.10.2020')).toBeNull();
    expect(parseDate('三次产业投资占比由1.1:50.3:48.6调整为0.7:50.7:48.6')).toBeNull();
  });
});

describe('findDates and standaloneDate', () => {
  it('finds every date in order, month-days only when bracketed', () => {
    const hits = findDates('成文日期：2022年10月9日 发布日期：2022-10-10 更新 [10-11]', 2022);
    expect(hits.map((h) => [h.date, h.kind])).toEqual([
      ['2022-10-09', 'full'],
      ['2022-10-10', 'full'],
      ['2022-10-11', 'month-day'],
    ]);
    expect(findDates('1-10月，全县固定资产投资', 2016)).toEqual([]);
  });

  it('accepts a text that is only a date, with a label or brackets', () => {
    expect(standaloneDate('发布时间：2025-11-05 16:28:36')?.date).toBe('2025-11-05');
    expect(standaloneDate('(2020年12月1日)')?.date).toBe('2020-12-01');
    expect(standaloneDate('[12-01]', 2020)?.kind).toBe('month-day');
    expect(standaloneDate('关于2020年12月1日起施行新规定的通知')).toBeNull();
  });
});

describe('dates in addresses', () => {
  it.each([
    ['http://x/xxgk/jtj/202012/t20201201_123.html', '2020-12-01'],
    ['http://x/art/2020/12/1/art_3105_61052.html', '2020-12-01'],
    ['https://www.gov.cn/zhengce/2020-12/01/content_5566.htm', '2020-12-01'],
    ['http://x/tgz/zfxxgk/zcwj/2020/0918/2368.html', '2020-09-18'],
    ['http://x/202012/01/abc.html', '2020-12-01'],
    ['http://x/news/20201201/abc.html', '2020-12-01'],
  ])('%s → %s', (url, want) => {
    expect(dateFromUrl(url)).toBe(want);
  });

  it('gives no date for year-month folders or impossible stamps, but gives the year', () => {
    expect(dateFromUrl('http://x/xxgk/202012/abc.html')).toBeNull();
    expect(yearFromUrl('http://x/xxgk/202012/abc.html')).toBe(2020);
    expect(dateFromUrl('http://x/t20201332_1.html')).toBeNull();
    expect(yearFromUrl('http://x/art/2019/1/1/art_1_2.html')).toBe(2019);
    expect(yearFromUrl('http://x/lykb/9010.jhtml')).toBeNull();
  });

  it('turns epoch milliseconds into the Shanghai calendar date', () => {
    // 集约化 releaseTime of the real Jiangxi page: HtmlGenerateTime 2025-06-06 11:38:50.
    expect(dateFromEpochMs(1749181130585)).toBe('2025-06-06');
    // 00:30 in Shanghai is still the day before in UTC.
    expect(dateFromEpochMs(Date.parse('2021-01-01T00:30:00+08:00'))).toBe('2021-01-01');
    expect(dateFromEpochMs(0)).toBeNull();
  });
});

describe.skipIf(!hasReal)('real archived report texts', () => {
  const texts = hasReal
    ? ['annual-report', 'interpretation', 'leader', 'guide'].flatMap((d) =>
        readdirSync(join(REAL, d)).filter((f) => f.endsWith('.txt')).map((f) => join(REAL, d, f)),
      )
    : [];

  it('reads the archiver’s 发布时间 line and the date stamped in 原文链接 of every text', () => {
    expect(texts.length).toBeGreaterThanOrEqual(25);
    for (const file of texts) {
      const head = readFileSync(file, 'utf8').split('\n').slice(0, 8);
      const published = head.find((l) => l.startsWith('发布时间:'))!;
      const link = head.find((l) => l.startsWith('原文链接:'))!.slice('原文链接:'.length).trim();
      expect(parseDate(published), file).toBe(published.slice('发布时间:'.length).trim().slice(0, 10));
      const stamp = /t(\d{4})(\d{2})(\d{2})_/.exec(link)!;
      expect(dateFromUrl(link), file).toBe(`${stamp[1]}-${stamp[2]}-${stamp[3]}`);
    }
  });

  it('keeps the address date apart from the publication date when they differ (syq 2013)', () => {
    const head = readFileSync(join(REAL, 'annual-report', 'pingtan-syq-2013.txt'), 'utf8').split('\n');
    expect(parseDate(head[1]!)).toBe('2014-01-10');
    expect(dateFromUrl(head[5]!.slice('原文链接:'.length).trim())).toBe('2014-03-24');
  });

  it('finds the statistics period dates in a report body', () => {
    const body = readFileSync(join(REAL, 'annual-report', 'pingtan-syq-2020.txt'), 'utf8');
    const m = /统计期限[^。]*/.exec(body);
    expect(m).not.toBeNull();
    const dates = findDates(m![0]).map((h) => h.date);
    expect(dates[0]).toBe('2020-01-01');
    expect(dates).toContain('2020-12-31');
  });
});
