import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditRequest } from '../../src/audit/run-audit.ts';
import { load } from 'cheerio';
import type { AuditReport, UnitResult } from '../../src/model/result.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import type { UnitSnapshot } from '../../src/model/snapshot.ts';
import { Desk } from '../../src/review/desk.ts';
import { REPLY_SHEET, ReplyFileError } from '../../src/review/reply-xlsx.ts';
import { openReviewStore, REVIEW_FILE, ReviewStore } from '../../src/store/review-store.ts';
import { openStore } from '../../src/store/store.ts';
import { column, item, snapshot, unit } from '../helpers/snapshot-factory.ts';

/**
 * The loop after an audit, over the real pipeline (judge, scoring, reports)
 * from stored snapshots: confirm a finding, the unit's reply moves it to
 * 已整改, the next audit of a newer crawl no longer finds it → 复查通过; a
 * 误报 leaves the score and stays in report.json marked.
 */

const AS_OF = '2021-01-20';
let root: string;
let unitsFile: string;
let n = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'zwgk-review-'));
  unitsFile = join(root, 'units.csv');
  writeFileSync(unitsFile, 'id,name,type,url\njtj,县教育体育局,department,http://portal.test/xxgk/jtj/index.html\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A night's snapshot: 通知公告 last updated on `newest` (stale when older than 180 days), crawled from `startedAt`. */
function night(newest: string, startedAt: string): UnitSnapshot {
  return snapshot({
    unit: unit(),
    crawlId: `c${++n}`,
    startedAt,
    finishedAt: startedAt.replace('T01:00', 'T01:05'),
    columns: [column('通知公告', [item('关于开展安全检查的通知', newest)]), column('政策解读', [item('解读', '2020-12-01')])],
  });
}

/** A data folder holding the first night's snapshot (通知公告 stale). */
async function seeded(name: string) {
  const dataDir = join(root, name);
  const store = await openStore(dataDir);
  await store.saveSnapshot(night('2020-03-01', '2021-01-20T01:00:00+08:00'));
  await store.flush();
  return { dataDir, store };
}

async function audit(dataDir: string, asOf = AS_OF): Promise<{ unit: UnitResult; rechecked: number; report: AuditReport }> {
  const outcome = await runAuditRequest({ unitsFile, asOf, dataDir, outDir: join(root, `out-${++n}`), fromStore: true, screenshots: false, formats: ['json'] });
  const saved = JSON.parse(readFileSync(join(outcome.outDir, 'report.json'), 'utf8')) as AuditReport;
  return { unit: saved.units[0]!, rechecked: outcome.rechecked.length, report: saved };
}

const stale = (u: UnitResult) => u.findings.find((f) => f.rule === 'column-update' && f.code === 'stale');

/** The unit's reply form with `answer` written into every row. */
async function filledReply(file: string, answer: [string, string, string]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(readFileSync(file) as unknown as ArrayBuffer);
  const ws = wb.getWorksheet(REPLY_SHEET)!;
  for (let r = 2; r <= ws.rowCount; r++) answer.forEach((v, i) => (ws.getRow(r).getCell(7 + i).value = v));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('review loop over real audits', () => {
  it('确认 → reply 已整改 → a re-audit of a newer crawl no longer finds it → 复查通过; a re-judge of the old crawl proves nothing', async () => {
    const { dataDir, store } = await seeded('loop');

    const first = await audit(dataDir);
    const found = stale(first.unit)!;
    expect(found.reviewState).toMatchObject({ state: 'pending', label: '待复核' });
    const desk = new Desk(await openReviewStore(dataDir));
    await desk.set([found.reviewState!.id], { state: 'confirmed', by: '龚健', source: 'cli' }, '2021-01-21T09:00:00+08:00');
    expect(desk.noticeItems('jtj').map((i) => i.id)).toEqual([found.reviewState!.id]);

    const notice = await desk.writeNotice('jtj', { office: '某某县人民政府办公室', now: new Date('2021-01-21T02:00:00Z') });
    expect(notice.items).toBe(1);
    expect(readFileSync(notice.html, 'utf8')).toContain('关于县教育体育局政务公开过程测评问题整改的通知');

    // A broken reply changes nothing; the good one moves the finding to 已整改.
    const bad = await filledReply(notice.xlsx, ['已整改', '', '']);
    await expect(desk.importReply(bad, 'reply.xlsx', '2021-01-25T09:00:00+08:00')).rejects.toThrow(ReplyFileError);
    expect(desk.list({ unit: 'jtj', state: 'confirmed' })).toHaveLength(1);
    const good = await filledReply(notice.xlsx, ['已整改', '2021-01-24', '已发布新通知']);
    const imported = await desk.importReply(good, 'reply.xlsx', '2021-01-25T09:00:00+08:00');
    expect(imported).toMatchObject({ unitId: 'jtj', unitName: '县教育体育局', notFixed: 0 });
    expect(imported.changes.map((c) => [c.event.state, c.event.by, c.event.source, c.event.reason])).toEqual([['fixed', '县教育体育局', 'import', '整改时间 2021-01-24；已发布新通知']]);

    // Re-judging the snapshot crawled before the reply: still found, but that crawl cannot show the fix.
    const rejudged = await audit(dataDir);
    expect(rejudged.rechecked).toBe(0);
    expect(stale(rejudged.unit)!.reviewState).toMatchObject({ state: 'fixed', label: '已整改' });

    await store.saveSnapshot(night('2021-01-22', '2021-01-26T01:00:00+08:00'));
    await store.flush();
    const after = await audit(dataDir, '2021-01-26');
    expect(stale(after.unit)).toBeUndefined();
    expect(after.rechecked).toBe(1);
    const row = desk.list({ unit: 'jtj' }).find((r) => r.id === found.reviewState!.id)!;
    expect(row.state).toBe('verified');
    expect(row.review!.log.map((e) => [e.state, e.by, e.source])).toEqual([
      ['confirmed', '龚健', 'cli'],
      ['fixed', '县教育体育局', 'import'],
      ['verified', '系统', 'audit'],
    ]);

    // The journal replays to the same states (a second process opening the folder).
    const reread = await ReviewStore.load(dataDir);
    expect(reread.review('jtj', row.key)!.state).toBe('verified');
  });

  it('a fix the newer crawl does not bear out is 复查未通过, back in the notice', async () => {
    const { dataDir, store } = await seeded('reopen');
    const id = stale((await audit(dataDir)).unit)!.reviewState!.id;
    const desk = new Desk(await openReviewStore(dataDir));
    await desk.set([id], { state: 'confirmed', by: '龚健', source: 'cli' }, '2021-01-21T09:00:00+08:00');
    const { xlsx } = await desk.writeNotice('jtj', { office: '县政府办', now: new Date('2021-01-21T02:00:00Z') });
    await desk.importReply(await filledReply(xlsx, ['已整改', '2021-01-24', '']), 'r.xlsx', '2021-01-25T09:00:00+08:00');
    await store.saveSnapshot(night('2020-03-01', '2021-01-26T01:00:00+08:00'));
    await store.flush();
    const after = await audit(dataDir);
    expect(after.rechecked).toBe(1);
    expect(stale(after.unit)!.reviewState).toMatchObject({ state: 'reopened', label: '复查未通过', by: '系统' });
    expect(desk.noticeItems('jtj').map((i) => i.id)).toEqual([id]);
  });

  it('a 误报 leaves the score, stays in report.json as waived with its state; overrides.csv imports into the same states', async () => {
    const { dataDir } = await seeded('dismiss');
    const before = await audit(dataDir);
    const f = stale(before.unit)!;
    expect(f.deduction).toBeGreaterThan(0);
    const desk = new Desk(await openReviewStore(dataDir));
    await expect(desk.set([f.reviewState!.id], { state: 'dismissed', by: '龚健', source: 'cli' })).rejects.toThrow('标记为误报必须写明理由');
    await desk.set([f.reviewState!.id], { state: 'dismissed', by: '龚健', reason: '该栏目已停用', source: 'cli' });

    const after = await audit(dataDir);
    const g = stale(after.unit)!;
    expect(g).toMatchObject({ deduction: 0, review: { decision: 'waived', reason: '误报：该栏目已停用' }, reviewState: { state: 'dismissed', label: '误报', reason: '该栏目已停用' } });
    expect(after.unit.score).toBeCloseTo(before.unit.score + f.deduction, 5);
    expect(desk.noticeItems('jtj')).toEqual([]);
    const html = load(renderHtmlReport(after.report));
    expect(html('.find-table.waived tbody tr').text()).toContain('误报');
    expect(html('.find-table.waived tbody tr').text()).toContain('误报：该栏目已停用');

    // overrides.csv: 确认 of a dismissed finding is a step the states allow; the file's line is named when one is not.
    const others = after.unit.findings.filter((x) => x !== g && !x.advisory);
    const csv = `unit,rule,url,decision,reason\njtj,${g.rule}/${g.code},${g.url},确认,\n${others[0] ? `jtj,${others[0].rule},${others[0].url},豁免,不适用\n` : ''}`;
    const changes = await desk.importOverrides(csv, 'overrides.csv', '复核文件');
    expect(changes.map((c) => c.event.state)).toEqual(others[0] ? ['confirmed', 'dismissed'] : ['confirmed']);
    expect(changes.every((c) => c.event.source === 'overrides')).toBe(true);
    await desk.set([g.reviewState!.id], { state: 'fixed', by: '单位', source: 'cli' });
    await expect(desk.importOverrides(`unit,rule,url,decision,reason\njtj,${g.rule},${g.url},确认,\n`, 'o.csv', 'x')).resolves.toHaveLength(1);
  });
});

describe('the review journal', () => {
  it('a last line cut short by a crash is dropped and said; a damaged line inside refuses to open', async () => {
    const dir = join(root, 'journal');
    const store = await openReviewStore(dir);
    const event = { state: 'confirmed' as const, at: '2021-01-21T09:00:00+08:00', by: '龚健', source: 'cli' as const };
    await store.append([{ unit: 'jtj', key: 'a|b||http://x/', event }], [{ unit: 'jtj', reportDir: '/r', at: event.at }]);
    appendFileSync(join(dir, REVIEW_FILE), '{"unit":"jtj","key":"c|d||http://y/","ev');
    const reread = await ReviewStore.load(dir);
    expect(reread.recovery).toMatch(/最后一行不完整/);
    expect(reread.review('jtj', 'a|b||http://x/')!.state).toBe('confirmed');
    expect(reread.lastAudit('jtj')).toEqual({ reportDir: '/r', at: event.at });
    await reread.append([{ unit: 'jtj', key: 'c|d||http://y/', event }]);
    expect((await ReviewStore.load(dir)).review('jtj', 'c|d||http://y/')!.state).toBe('confirmed');
    expect(readFileSync(join(dir, REVIEW_FILE), 'utf8').split('\n')).toHaveLength(4);

    // A change decided from a state that another change has since replaced: refused whole, or (an audit's re-check) left out.
    const fixed = { ...event, state: 'fixed' as const };
    await expect(reread.append([{ unit: 'jtj', key: 'a|b||http://x/', event: fixed, from: 'pending' }])).rejects.toThrow('问题的状态刚被改为“确认”，请刷新后重试');
    await reread.append([{ unit: 'jtj', key: 'a|b||http://x/', event: fixed, from: 'pending' }, { unit: 'jtj', key: 'e|f||http://z/', event, from: 'pending' }], [], { onStale: 'skip' });
    expect([reread.review('jtj', 'a|b||http://x/')!.state, reread.review('jtj', 'e|f||http://z/')!.state]).toEqual(['confirmed', 'confirmed']);

    writeFileSync(join(dir, REVIEW_FILE), `garbage\n${readFileSync(join(dir, REVIEW_FILE), 'utf8')}`);
    await expect(ReviewStore.load(dir)).rejects.toThrow(/第1行已损坏/);
  });
});
