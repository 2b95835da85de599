import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditRequest } from '../../src/audit/run-audit.ts';
import { HistoryStore } from '../../src/history/history-store.ts';
import type { Finding, UnitResult } from '../../src/model/result.ts';
import { Notifier } from '../../src/notify/notifier.ts';
import { Desk } from '../../src/review/desk.ts';
import { REPLY_SHEET } from '../../src/review/reply-xlsx.ts';
import { startDashboardServer, type RunningServer } from '../../src/serve/http.ts';
import { AuditService } from '../../src/serve/service.ts';
import { openReviewStore } from '../../src/store/review-store.ts';
import { openStore } from '../../src/store/store.ts';
import { SAMPLE_SCHEME, serviceSettings } from '../helpers/serve-fakes.ts';
import { column, item, snapshot, unit } from '../helpers/snapshot-factory.ts';

/**
 * The review loop on the dashboard, over the real pipeline (audits re-judge
 * the stored snapshot): states shown and filtered, changed only with the
 * token, a 误报 re-scores the unit, notices on demand, the reply upload, and
 * notification failures on the overview.
 */

const TOKEN = 'test-token-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}` };
let dir: string;
let server: RunningServer;
let svc: AuditService;
let confirmedTold: string[][] = [];
let notifier: Notifier;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zwgk-serve-review-'));
  writeFileSync(join(dir, 'units.csv'), 'id,name,type,url,webhook\njtj,县教育体育局,department,http://portal.test/xxgk/jtj/index.html,wecom:http://127.0.0.1:9/robot\n');
  const dataDir = join(dir, 'data');
  const store = await openStore(dataDir);
  await store.saveSnapshot(snapshot({ unit: unit(), columns: [column('通知公告', [item('关于开展安全检查的通知', '2020-03-01')])] }));
  await store.flush();
  const history = await HistoryStore.open(dataDir);
  const desk = new Desk(await openReviewStore(dataDir));
  // Every send fails: what the dashboard must show (the outbox's own retries are tested in test/notify).
  notifier = await Notifier.open(
    { office: [], unitContacts: true, digest: '0 8 * * *', timezone: 'Asia/Shanghai', immediate: true, maxAttempts: 3, retryMinutes: 1 },
    { dataDir, desk, history: () => history.data, units: () => ({ units: [{ id: 'jtj', name: '县教育体育局' }], contacts: new Map([['jtj', { emails: [], webhooks: [{ kind: 'wecom', url: 'http://127.0.0.1:9/robot' }] }]]) }), log: () => {}, send: () => Promise.reject(new Error('群机器人返回 HTTP 503')) },
  );
  const told = {
    audited: notifier.audited.bind(notifier),
    confirmed: async (u: { id: string; name: string }, f: Finding[]) => {
      confirmedTold.push(f.map((x) => x.url));
      await notifier.confirmed(u, f);
    },
  };
  svc = new AuditService(serviceSettings(dir, { overridesFile: join(dir, 'overrides.csv') }), {
    history,
    // The real pipeline, always from the stored snapshot (no portal to crawl here).
    runner: (req) => runAuditRequest({ ...req, fromStore: true, screenshots: false, asOf: '2021-01-20' }),
    scheme: SAMPLE_SCHEME,
    desk,
    notifier: told,
    office: '某某县人民政府办公室',
    pdfWriter: async (_html, pdf) => writeFileSync(pdf, '%PDF-1.4 fake'),
  });
  server = await startDashboardServer({ service: svc, history, policy: { token: TOKEN, publicRead: false }, host: '127.0.0.1', port: 0, pdfWriter: async () => {}, outbox: () => notifier.summary() });
  svc.startFull('manual');
  await svc.idle();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await svc?.shutdown(1000);
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = auth) => fetch(`${server.url}${path}`, { headers, redirect: 'manual' });
const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const latest = async () => (await (await get('/api/units/jtj')).json()) as UnitResult;
const stale = (u: UnitResult) => u.findings.find((f) => f.rule === 'column-update' && f.code === 'stale')!;

describe('review on the dashboard', () => {
  it('shows states per finding, filters by state, unit and rule; changes need the token; a 误报 re-scores the unit', async () => {
    const before = await latest();
    const f = stale(before);
    const id = f.reviewState!.id;
    const page = load(await (await get('/reviews?state=pending&rule=column-update')).text());
    expect(page(`tr[data-id="${id}"] .review-state .tag`).text()).toBe('待复核');
    expect(page('#reviews tbody tr').length).toBe(before.findings.filter((x) => x.rule === 'column-update').length);
    expect(load(await (await get('/reviews?state=confirmed')).text())('#reviews tbody tr').length).toBe(0);
    expect(load(await (await get('/reviews?unit=nosuch')).text())('#reviews tbody tr').length).toBe(0);

    // Without the token, a wrong token, a 误报 without reason: refused, nothing changes.
    expect((await post('/api/units/jtj/reviews', { id, state: 'confirmed', by: '龚健' }, {})).status).toBe(401);
    expect((await post('/api/units/jtj/reviews', { id, state: 'confirmed', by: '龚健' }, { Authorization: 'Bearer wrong-token-000' })).status).toBe(401);
    const noReason = await post('/api/units/jtj/reviews', { id, state: 'dismissed', by: '龚健' });
    expect([noReason.status, ((await noReason.json()) as { error: string }).error]).toEqual([400, '标记为误报必须写明理由']);
    expect((await post('/api/units/jtj/reviews', { id: 'FFFFFFFFFF', state: 'confirmed', by: '龚健' })).status).toBe(404);
    expect(confirmedTold).toEqual([]);

    const ok = await post('/api/units/jtj/reviews', { id, state: 'confirmed', by: '龚健' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ state: 'confirmed', label: '确认' });
    expect(confirmedTold).toEqual([[f.url]]);
    const unitPage = load(await (await get('/units/jtj')).text());
    expect(unitPage(`.review-state[data-id="${id}"] .tag`).text()).toBe('确认');
    expect(unitPage(`.review-state[data-id="${id}"] option`).map((_, o) => unitPage(o).text()).get()).toEqual(['已整改', '误报', '存疑']);
    expect(unitPage('a[href="/units/jtj/notice.pdf"]').length).toBe(1);

    const dismissed = await post('/api/units/jtj/reviews', { id, state: 'dismissed', by: '龚健', reason: '该栏目已停用' });
    const body = (await dismissed.json()) as { runId?: string };
    expect(body.runId).toBeTruthy();
    await svc.idle();
    const after = await latest();
    expect(stale(after)).toMatchObject({ deduction: 0, reviewState: { state: 'dismissed' } });
    expect(after.score).toBeCloseTo(before.score + f.deduction, 5);
    // Back to 确认 for the notice below: the score returns.
    await post('/api/units/jtj/reviews', { id, state: 'confirmed', by: '龚健' });
    await svc.idle();
    expect((await latest()).score).toBeCloseTo(before.score, 5);
  }, 60_000);

  it('writes the unit’s notice and reply form on demand; the reply upload is checked whole and queues a re-audit', async () => {
    const redirect = await get('/units/jtj/notice.html');
    expect(redirect.status).toBe(303);
    const noticeUrl = redirect.headers.get('location')!;
    expect(noticeUrl).toMatch(/^\/runs\/[A-Za-z0-9_-]+\/notice-jtj\.html$/);
    const notice = await (await get(noticeUrl)).text();
    expect(notice).toContain('某某县人民政府办公室');
    expect(notice).toContain('关于县教育体育局政务公开过程测评问题整改的通知');
    const pdf = await get((await get('/units/jtj/notice.pdf')).headers.get('location')!);
    expect([pdf.status, pdf.headers.get('content-disposition')]).toEqual([200, 'attachment; filename="notice-jtj.pdf"']);
    expect((await get('/units/nosuch/notice.html')).status).toBe(404);
    expect((await get('/units/jtj/notice.html', {})).status).toBe(401);

    const xlsx = Buffer.from(await (await get((await get('/units/jtj/reply.xlsx')).headers.get('location')!)).arrayBuffer());
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
    const ws = wb.getWorksheet(REPLY_SHEET)!;
    ws.getCell('G2').value = '已整改';
    ws.getCell('H2').value = '2099-01-01';
    const upload = (bytes: Buffer, headers: Record<string, string> = auth) =>
      fetch(`${server.url}/api/reviews/import?name=reply.xlsx`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, body: new Uint8Array(bytes) });
    const badBytes = Buffer.from(await wb.xlsx.writeBuffer());
    expect((await upload(badBytes, {})).status).toBe(401);
    const bad = await upload(badBytes);
    expect(bad.status).toBe(400);
    const refused = (await bad.json()) as { error: string; lines: string[] };
    expect(refused.lines).toEqual([expect.stringMatching(/^整改情况表 reply\.xlsx 工作表 整改情况表 第2行 字段 整改时间：2099-01-01 晚于今天/)]);
    expect(((await (await get('/api/reviews?state=fixed')).json()) as unknown[]).length).toBe(0);

    ws.getCell('H2').value = '2021-01-25';
    const good = await upload(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(good.status).toBe(200);
    const r = (await good.json()) as { unitId: string; fixed: number; runId?: string };
    expect(r).toMatchObject({ unitId: 'jtj', fixed: 1, notFixed: 0 });
    expect(r.runId).toBeTruthy();
    await svc.idle();
    const rows = (await (await get('/api/reviews?unit=jtj&state=fixed')).json()) as { log: { source: string; by: string }[] }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.log.at(-1)).toMatchObject({ source: 'import', by: '县教育体育局' });
  }, 60_000);

  it('a 豁免 with the overrides buttons is also the finding’s 误报 state', async () => {
    const other = (await latest()).findings.find((f) => f.rule !== 'column-update' && !f.advisory)!;
    const res = await post('/api/units/jtj/overrides', { rule: other.rule, code: other.code, url: other.url, decision: 'waived', reason: '不适用' });
    expect(res.status).toBe(202);
    await svc.idle();
    const row = ((await (await get('/api/reviews?unit=jtj&state=dismissed')).json()) as { id: string; log: { by: string; source: string; reason: string }[] }[]).find((r) => r.id === other.reviewState!.id)!;
    expect(row.log.at(-1)).toMatchObject({ by: '复核文件', source: 'overrides', reason: '不适用' });
  });

  it('the overview shows notifications that failed or wait for a retry', async () => {
    await notifier.outbox.deliverDue();
    const page = load(await (await get('/')).text());
    expect(page('#outbox').text()).toContain('企业微信群机器人（127.0.0.1:9）');
    expect(page('#outbox').text()).toContain('群机器人返回 HTTP 503');
    const status = (await (await get('/api/status')).json()) as { outbox: { pending: number; problems: unknown[] } };
    expect(status.outbox.problems.length).toBeGreaterThan(0);
  });
});
