import type { StaleWarning } from '../history/model.ts';
import type { Notice } from './channels.ts';

/**
 * What the notices say (Chinese, short, with a link to the unit's page on
 * the dashboard): an immediate message when findings are confirmed or a
 * column is about to turn stale (预警), and a daily digest for each unit and
 * for the office. Crawled text (titles, messages) is clipped and stripped of
 * markdown link syntax so a page cannot put links into a robot message.
 */

export interface DigestFinding {
  indicator: string;
  message: string;
  url: string;
}

export interface UnitDigest {
  unit: { id: string; name: string };
  /** Confirmed findings still open (确认, 复查未通过): what the unit has to fix. */
  toFix: DigestFinding[];
  /** Reported fixed, waiting for the re-audit. */
  awaitingCheck: number;
  warnings: StaleWarning[];
  score?: number;
}

const MAX_LINES = 10;

/** Crawled text made inert for markdown: no links, images, headings or emphasis of its own. */
function plain(text: string, max = 80): string {
  const t = text.replace(/[\r\n]+/g, ' ').replace(/[[\]()<>*_`#|!]/g, ' ').replace(/ {2,}/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

function list(lines: string[]): string {
  const shown = lines.slice(0, MAX_LINES).map((l) => `- ${l}`);
  if (lines.length > MAX_LINES) shown.push(`- ……共 ${lines.length} 项`);
  return shown.join('\n');
}

export function unitLink(publicUrl: string | undefined, unitId: string): string | null {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}/units/${encodeURIComponent(unitId)}` : null;
}

function footer(link: string | null): string {
  return link ? `\n\n[查看单位页面及佐证截图](${link})` : '';
}

export function confirmedNotice(unit: { name: string }, findings: DigestFinding[], link: string | null): Notice {
  return {
    subject: `【政务公开】${unit.name}有 ${findings.length} 项问题经复核确认，请整改`,
    markdown: `${list(findings.map((f) => `${plain(f.indicator, 20)}：${plain(f.message)}`))}${footer(link)}`,
  };
}

export function warningNotice(unit: { name: string }, warnings: StaleWarning[], link: string | null): Notice {
  return {
    subject: `【政务公开预警】${unit.name}有 ${warnings.length} 个栏目即将超期未更新`,
    markdown: `${list(warnings.map((w) => `栏目“${plain(w.name, 30)}”${w.daysLeft} 天后（${w.staleOn}）将超期，最新信息日期 ${w.newest ?? '无'}`))}${footer(link)}`,
  };
}

/** The unit's own digest, or null when there is nothing to tell it. */
export function unitDigest(date: string, d: UnitDigest, link: string | null): Notice | null {
  if (!d.toFix.length && !d.warnings.length && !d.awaitingCheck) return null;
  const parts = [
    d.toFix.length ? `**待整改问题 ${d.toFix.length} 项**\n${list(d.toFix.map((f) => `${plain(f.indicator, 20)}：${plain(f.message)}`))}` : '',
    d.awaitingCheck ? `已报整改、待复查 ${d.awaitingCheck} 项` : '',
    d.warnings.length ? `**即将超期的栏目 ${d.warnings.length} 个**\n${list(d.warnings.map((w) => `“${plain(w.name, 30)}” ${w.daysLeft} 天后超期`))}` : '',
  ].filter(Boolean);
  return { subject: `【政务公开日报】${d.unit.name} ${date}`, markdown: `${parts.join('\n\n')}${footer(link)}` };
}

/** The office's digest: one line per unit that has something open. */
export function officeDigest(date: string, digests: UnitDigest[], dashboard: string | null): Notice | null {
  const rows = digests.filter((d) => d.toFix.length || d.awaitingCheck || d.warnings.length);
  if (!rows.length) return null;
  const lines = rows.map((d) => `${plain(d.unit.name, 30)}：待整改 ${d.toFix.length}，待复查 ${d.awaitingCheck}，预警 ${d.warnings.length}${d.score !== undefined ? `，得分 ${d.score}` : ''}`);
  return {
    subject: `【政务公开日报】${date}：${rows.length} 个单位有待办事项`,
    markdown: `${list(lines)}${dashboard ? `\n\n[打开仪表盘](${dashboard})` : ''}`,
  };
}
