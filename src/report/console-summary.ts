import type { AuditReport } from '../model/result.ts';
import { UNIT_STATUS_LABEL, UNIT_TYPE_LABEL, advisoryCount, fmtNum, label, openFindings, rankedUnits, schemeTitle, unitDeducted } from './format.ts';

/**
 * The ranked summary `zwgk audit` prints. Columns are padded by display
 * width (CJK characters take two cells in a terminal).
 */

/** East Asian Wide/Fullwidth ranges that matter for Chinese text and full-width punctuation. */
function cellWidth(cp: number): number {
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  // Combining marks and zero-width characters take no cell.
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || cp === 0xfeff) return 0;
  return 1;
}

export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += cellWidth(ch.codePointAt(0)!);
  return w;
}

/** Control characters (ESC sequences included) would let a name rewrite the terminal: drop them. */
function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function pad(s: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return right ? fill + s : s + fill;
}

export function formatSummaryTable(report: AuditReport): string {
  const head = ['排名', '单位', '类型', '状态', '得分', '扣分', '折算得分', '问题', '无法判定', '提示'];
  const right = [true, false, false, false, true, true, true, true, true, true];
  const rows = rankedUnits(report).map(({ unit, rank }) => [
    String(rank),
    clean(unit.name),
    label(UNIT_TYPE_LABEL, unit.type),
    label(UNIT_STATUS_LABEL, unit.status),
    fmtNum(unit.score),
    fmtNum(unitDeducted(unit)),
    fmtNum(unit.weighted),
    String(openFindings(unit).length),
    String(unit.inconclusive.length),
    String(advisoryCount(unit)),
  ]);
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]!))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c, widths[i]!, right[i]!))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  return [
    clean(`${schemeTitle(report)}　考评年度 ${report.year}　测评基准日 ${report.asOf}`),
    line(head),
    rule,
    ...rows.map(line),
    rule,
    `过程测评满分 100 分，按 ${fmtNum(report.weight * 100)}% 折算；共 ${rows.length} 个单位。提示为不计分的检查项，不影响得分。`,
  ].join('\n');
}
