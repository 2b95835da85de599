import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOverrides } from '../config/overrides.ts';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { nowIso, todayInShanghai } from '../lib/time.ts';
import type { AuditReport, Finding, UnitResult } from '../model/result.ts';
import type { ReviewChange, ReviewStore } from '../store/review-store.ts';
import { findingId, keyParts, reviewKey } from './apply.ts';
import { renderNoticeHtml, type NoticeItem } from './notice.ts';
import { readReplies, writeReplyXlsx } from './reply-xlsx.ts';
import { decide, inNotice, REVIEW_STATE_LABEL, ReviewError, stateOf, type Review, type ReviewSource, type ReviewState } from '../model/review-states.ts';

/**
 * What a reviewer does after an audit, for the CLI (`zwgk review`) and the
 * dashboard alike: list findings with their states, change states, read a
 * unit's returned 整改情况表 or the overrides file into states, write a
 * unit's 整改通知. Findings are those of each unit's latest audited report
 * (the journal records where it is); every change is checked whole before
 * anything is written, so a bad request changes nothing.
 */

export interface DeskFinding {
  unit: { id: string; name: string };
  /** 问题编号. */
  id: string;
  key: string;
  state: ReviewState;
  review?: Review;
  /** The finding as the latest report has it; absent once a re-audit no longer finds it (复查通过). */
  finding?: Finding;
}

export interface LatestUnitReport {
  report: AuditReport;
  reportDir: string;
  result: UnitResult;
}

export interface DeskFilter {
  unit?: string;
  state?: ReviewState;
  rule?: string;
}

export class Desk {
  /** report.json files never change once written: read once. */
  readonly #reports = new Map<string, AuditReport>();

  constructor(readonly store: ReviewStore) {}

  /** The unit's latest audited result and where its report is; undefined before its first audit or when its report.json is gone. */
  latest(unitId: string): LatestUnitReport | undefined {
    const audit = this.store.lastAudit(unitId);
    if (!audit) return undefined;
    const report = this.#report(audit.reportDir);
    const result = report?.units.find((u) => u.id === unitId);
    return report && result ? { report, reportDir: audit.reportDir, result } : undefined;
  }

  #report(dir: string): AuditReport | undefined {
    const file = join(dir, 'report.json');
    if (!existsSync(file)) return undefined;
    const cached = this.#reports.get(dir);
    if (cached) return cached;
    try {
      const report = JSON.parse(readFileSync(file, 'utf8')) as AuditReport;
      if (!Array.isArray(report.units)) return undefined;
      // Only reports some unit's latest audit points to stay cached (a service runs for months).
      const live = new Set(this.store.units().map((u) => this.store.lastAudit(u)?.reportDir));
      for (const d of this.#reports.keys()) if (!live.has(d)) this.#reports.delete(d);
      this.#reports.set(dir, report);
      return report;
    } catch {
      return undefined;
    }
  }

  /** Every finding of every unit's latest report with its state, then reviewed findings no longer found; filtered. */
  list(filter: DeskFilter = {}): DeskFinding[] {
    const rows: DeskFinding[] = [];
    for (const unitId of this.store.units()) {
      if (filter.unit && filter.unit !== unitId) continue;
      const latest = this.latest(unitId);
      const unit = { id: unitId, name: latest?.result.name ?? unitId };
      const reviews = this.store.reviewsOf(unitId);
      const seen = new Set<string>();
      for (const f of latest?.result.findings ?? []) {
        const key = reviewKey(f);
        if (seen.has(key)) continue;
        seen.add(key);
        const review = reviews.get(key);
        rows.push({ unit, id: findingId(unitId, f), key, state: stateOf(review), ...(review ? { review } : {}), finding: f });
      }
      for (const [key, review] of reviews) {
        if (!seen.has(key)) rows.push({ unit, id: findingId(unitId, keyParts(key)), key, state: review.state, review });
      }
    }
    return rows.filter((r) => (!filter.state || r.state === filter.state) && (!filter.rule || keyParts(r.key).rule === filter.rule));
  }

  /**
   * A reviewer's decision on findings named by 问题编号: all of them are
   * checked first (refused as a whole, in Chinese, when one cannot change).
   */
  async set(ids: readonly string[], change: { state: ReviewState; by: string; reason?: string; source: Exclude<ReviewSource, 'audit' | 'import'> }, at = nowIso()): Promise<ReviewChange[]> {
    const all = this.list();
    const changes: ReviewChange[] = [];
    for (const id of new Set(ids.map((raw) => raw.trim().toUpperCase()))) {
      const row = all.find((r) => r.id === id);
      if (!row) throw new ReviewError(`问题编号 ${id} 不存在（用 zwgk review list 查看各单位最近一次审计的问题）`);
      const next = decide(row.review, { state: change.state, at, by: change.by, ...(change.reason ? { reason: change.reason } : {}), source: change.source });
      changes.push({ unit: row.unit.id, key: row.key, event: next.log.at(-1)!, from: row.state });
    }
    await this.store.append(changes);
    return changes;
  }

  /** The unit's findings its notice lists (确认, 复查未通过), with their numbers. */
  noticeItems(unitId: string): NoticeItem[] {
    return this.list({ unit: unitId })
      .filter((r) => r.finding && inNotice(r.review))
      .map((r) => ({ id: r.id, finding: r.finding! }));
  }

  /**
   * A unit's returned 整改情况表: every row checked (ReplyFileError, one line
   * per bad row), then each 已整改 moves its finding to 已整改. Returns the
   * unit and what changed; nothing is written when any row is refused.
   */
  async importReply(bytes: Buffer, file: string, at = nowIso()): Promise<{ unitId: string; unitName: string; changes: ReviewChange[]; notFixed: number }> {
    const form = await readReplies(
      bytes,
      file,
      (unitId) => (this.store.lastAudit(unitId) ? new Set(this.noticeItems(unitId).map((i) => i.id)) : null),
      todayInShanghai(new Date(at)),
    );
    const rows = this.list({ unit: form.unitId });
    const unitName = this.latest(form.unitId)?.result.name ?? form.unitId;
    const changes: ReviewChange[] = [];
    for (const reply of form.replies) {
      if (reply.result !== '已整改') continue;
      const row = rows.find((r) => r.id === reply.id)!;
      const reason = [`整改时间 ${reply.date}`, reply.note].filter(Boolean).join('；');
      const next = decide(row.review, { state: 'fixed', at, by: unitName, reason, source: 'import' });
      changes.push({ unit: form.unitId, key: row.key, event: next.log.at(-1)!, from: row.state });
    }
    await this.store.append(changes);
    return { unitId: form.unitId, unitName, changes, notFixed: form.replies.length - changes.length };
  }

  /**
   * The overrides file (unit,rule,url,decision,reason) read into states:
   * 豁免 → 误报, 确认 → 确认, for the findings of each unit's latest report it
   * names. A finding already in that state is left alone; one whose state
   * cannot change is refused with its line, and then nothing is written.
   */
  async importOverrides(text: string, file: string, by: string, at = nowIso()): Promise<ReviewChange[]> {
    const rows = this.list();
    const changes: ReviewChange[] = [];
    for (const o of parseOverrides(text, file)) {
      const state: ReviewState = o.decision === 'waived' ? 'dismissed' : 'confirmed';
      const matched = rows.filter((r) => r.unit.id === o.unit && r.finding && r.finding.rule === o.rule && (o.code === undefined || r.finding.code === o.code) && r.finding.url.trim() === o.url.trim());
      for (const row of matched) {
        if (row.state === state || changes.some((c) => c.unit === row.unit.id && c.key === row.key)) continue;
        try {
          const next = decide(row.review, { state, at, by, reason: o.reason || undefined, source: 'overrides' });
          changes.push({ unit: row.unit.id, key: row.key, event: next.log.at(-1)!, from: row.state });
        } catch (err) {
          if (err instanceof ReviewError) throw new ReviewError(`复核文件 ${file} 第${o.line}行：${err.message}`);
          throw err;
        }
      }
    }
    await this.store.append(changes);
    return changes;
  }

  /**
   * Writes the unit's 整改通知 (notice-<id>.html, beside its latest report
   * so the evidence shows) and its 整改情况表 (reply-<id>.xlsx); `pdf`
   * prints the HTML to notice-<id>.pdf (src/browser/pdf.ts).
   */
  async writeNotice(unitId: string, opts: { office: string; replyBy?: string; now?: Date; pdf?: (html: string, pdf: string) => Promise<void> }): Promise<{ html: string; xlsx: string; pdf?: string; items: number }> {
    const latest = this.latest(unitId);
    if (!latest) throw new ReviewError(`单位 ${unitId} 还没有审计结果（或其报告已删除），无法生成整改通知`);
    const { report, reportDir, result } = latest;
    const now = opts.now ?? new Date();
    const items = this.noticeItems(unitId);
    const unit = { id: unitId, name: result.name };
    const html = join(reportDir, `notice-${unitId}.html`);
    const xlsx = join(reportDir, `reply-${unitId}.xlsx`);
    await writeFileAtomic(
      html,
      renderNoticeHtml({ office: opts.office, unit, year: report.year, asOf: report.asOf, issuedOn: todayInShanghai(now), ...(opts.replyBy ? { replyBy: opts.replyBy } : {}), items, rules: report.rules, evidenceBase: '' }),
    );
    await writeFileAtomic(xlsx, await writeReplyXlsx({ unit, issuedAt: nowIso(now), items, rules: report.rules }));
    if (!opts.pdf) return { html, xlsx, items: items.length };
    const pdf = join(reportDir, `notice-${unitId}.pdf`);
    await opts.pdf(html, pdf);
    return { html, xlsx, pdf, items: items.length };
  }
}

/** A state as a person writes it: 确认, 误报 … (or the internal name). */
export function parseState(text: string): ReviewState | null {
  const t = text.trim();
  const hit = (Object.entries(REVIEW_STATE_LABEL) as [ReviewState, string][]).find(([s, label]) => label === t || s === t);
  return hit ? hit[0] : null;
}
