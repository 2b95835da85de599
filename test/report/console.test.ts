import { describe, expect, it } from 'vitest';
import { displayWidth, formatSummaryTable } from '../../src/report/console-summary.ts';
import { makeReport } from '../helpers/report-factory.ts';

describe('formatSummaryTable', () => {
  it('lists units in rank order with their recorded scores', () => {
    const report = makeReport();
    const lines = formatSummaryTable(report).split('\n');
    const expected = [...report.units].sort((a, b) => a.rank! - b.rank!);
    const dataLines = lines.filter((l) => expected.some((u) => l.includes(u.name)));
    expect(dataLines).toHaveLength(expected.length);
    dataLines.forEach((line, i) => {
      const u = expected[i]!;
      const cells = line.trim().split(/\s{2,}/);
      expect(cells[0]).toBe(String(u.rank));
      expect(cells[1]).toBe(u.name);
      expect(Number(cells[4])).toBe(u.score);
      expect(Number(cells[6])).toBe(u.weighted);
      // 问题 counts deductions only; 提示 (advisories) stand in their own column.
      expect(Number(cells[7])).toBe(u.findings.filter((f) => !f.advisory && f.review?.decision !== 'waived').length);
      expect(Number(cells[9])).toBe(u.findings.filter((f) => f.advisory).length);
    });
    expect(lines[0]).toContain(report.asOf);
  });

  it('aligns columns by display width, CJK counting double', () => {
    expect(displayWidth('县教育体育局')).toBe(12);
    expect(displayWidth('ab（1）')).toBe(7);
    const lines = formatSummaryTable(makeReport()).split('\n');
    const table = lines.slice(1, -1);
    // The last column is right-aligned, so every row of an aligned table is equally wide.
    const widths = new Set(table.map(displayWidth));
    expect(widths.size).toBe(1);
    // And each column starts at the same display offset: check where the 类型 cell begins.
    const offsets = new Set(
      table
        .filter((l) => /部门|乡镇|林场|类型/.test(l))
        .map((l) => displayWidth(l.slice(0, l.search(/部门|乡镇|林场|类型/)))),
    );
    expect(offsets.size).toBe(1);
  });

  it('strips terminal control sequences from names', () => {
    const report = makeReport();
    report.units[0]!.name = '恶意\u001b[2J\u001b]0;title\u0007单位';
    const out = formatSummaryTable(report);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(out).toContain('恶意');
  });
});
