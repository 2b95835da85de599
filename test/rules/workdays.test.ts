import { describe, expect, it } from 'vitest';
import { addWorkdays, isWorkday, knownYears, knowsYear, workdaysBetween } from '../../rules/lib/workdays.ts';

describe('working-day calendar (State Council schedule)', () => {
  it('knows 2004 to at least 2026 and nothing outside the data', () => {
    expect(knownYears.first).toBe(2004);
    expect(knownYears.last).toBeGreaterThanOrEqual(2026);
    expect(knowsYear(2020)).toBe(true);
    expect(knowsYear(2003)).toBe(false);
    expect(knowsYear(knownYears.last + 1)).toBe(false);
  });

  it('2019 国庆: 1–7 October off, Sunday 29 September and Saturday 12 October worked', () => {
    expect(isWorkday('2019-09-29')).toBe(true);
    expect(isWorkday('2019-10-12')).toBe(true);
    for (let d = 1; d <= 7; d++) expect(isWorkday(`2019-10-0${d}`)).toBe(false);
    expect(isWorkday('2019-10-08')).toBe(true);
    expect(isWorkday('2019-10-13')).toBe(false);
    // 2019-09-20 → 2019-10-25: 35 calendar days, 25 weekdays, but 22 working days.
    expect(workdaysBetween('2019-09-20', '2019-10-25')).toEqual({ workingDays: 22, calendarDays: 35, holidays: ['国庆节'] });
  });

  it('2020 国庆 and 中秋 together: 1–8 October off, Sunday 27 September and Saturday 10 October worked', () => {
    expect(isWorkday('2020-09-27')).toBe(true);
    expect(isWorkday('2020-10-10')).toBe(true);
    expect(isWorkday('2020-10-08')).toBe(false);
    expect(isWorkday('2020-10-09')).toBe(true);
    // The day it was made does not count; the make-up Saturday does.
    expect(workdaysBetween('2020-10-09', '2020-10-12')?.workingDays).toBe(2);
    expect(addWorkdays('2020-09-15', 20)).toBe('2020-10-19');
  });

  it('2020 春节 as extended by the State Council on 2020-01-27: off to 2 February, the 1 February make-up day gone', () => {
    expect(isWorkday('2020-01-19')).toBe(true); // make-up Sunday of the original schedule, kept
    expect(isWorkday('2020-01-23')).toBe(true);
    for (const d of ['2020-01-24', '2020-01-30', '2020-01-31', '2020-02-01', '2020-02-02']) expect(isWorkday(d)).toBe(false);
    expect(isWorkday('2020-02-03')).toBe(true);
    // 21–23 January and 3–7 February: 8 working days (a weekday count would say 14).
    expect(workdaysBetween('2020-01-20', '2020-02-07')).toEqual({ workingDays: 8, calendarDays: 18, holidays: ['春节'] });
  });

  it('any span counts what a day-by-day walk counts, and the nth working day after a date is where the count reaches n', () => {
    const day = (d: string, k: number) => new Date(Date.parse(`${d}T00:00:00Z`) + k * 86_400_000).toISOString().slice(0, 10);
    let walked = 0;
    for (let d = '2004-01-02'; d <= `${knownYears.last}-12-31`; d = day(d, 1)) if (isWorkday(d)) walked++;
    expect(workdaysBetween('2004-01-01', `${knownYears.last}-12-31`)!.workingDays).toBe(walked);
    for (const from of ['2004-01-01', '2019-09-27', '2020-01-23', '2020-06-24', '2023-12-29']) {
      for (const n of [1, 10, 20]) {
        const due = addWorkdays(from, n)!;
        expect(isWorkday(due), `${from} + ${n}`).toBe(true);
        expect(workdaysBetween(from, due)!.workingDays).toBe(n);
        expect(workdaysBetween(from, day(due, -1))!.workingDays).toBe(n - 1);
      }
    }
  });

  it('counts nothing for a date before the start', () => {
    expect(workdaysBetween('2020-06-10', '2020-06-01')?.workingDays).toBe(0);
    expect(workdaysBetween('2020-06-10', '2020-06-10')?.workingDays).toBe(0);
  });

  it('is unknown (null), never a guess, for a count touching a year the data lacks', () => {
    const next = knownYears.last + 1;
    expect(isWorkday(`${next}-03-02`)).toBeNull();
    expect(workdaysBetween(`${knownYears.last}-12-20`, `${next}-01-10`)).toBeNull();
    expect(workdaysBetween('2003-12-01', '2004-01-10')).toBeNull();
    expect(addWorkdays(`${knownYears.last}-12-28`, 20)).toBeNull();
    // Ending on the last day of the last known year is still known.
    expect(workdaysBetween(`${knownYears.last}-12-01`, `${knownYears.last}-12-31`)).not.toBeNull();
  });
});
