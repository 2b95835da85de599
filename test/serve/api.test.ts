import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditOutcome, AuditRequest } from '../../src/audit/run-audit.ts';
import { HistoryStore } from '../../src/history/history-store.ts';
import { readOverrides } from '../../src/config/overrides.ts';
import type { Finding } from '../../src/model/result.ts';
import { startDashboardServer, type RunningServer } from '../../src/serve/http.ts';
import { AuditService } from '../../src/serve/service.ts';
import { deferred, SAMPLE_SCHEME, finding, serviceSettings, snapshot, UNITS, unitResult, unitsCsv, writeOutcome } from '../helpers/serve-fakes.ts';

const TOKEN = 'test-token-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}` };

let dir: string;
let server: RunningServer;
let svc: AuditService;
let gates: ReturnType<typeof deferred<void>>[];
let pdfCalls: string[];
let runnerImpl: (opts: AuditRequest) => Promise<AuditOutcome>;
let runs: AuditRequest[];

/** Findings carry crawled text: the message below must come out escaped. */
const HOSTILE = '<script>alert("x")</script>栏目未更新';

async function start(publicRead: boolean, token: string | null = TOKEN, overridesFile?: string) {
  const history = await HistoryStore.open(join(dir, 'data'));
  svc = new AuditService(
    serviceSettings(dir, { overridesFile }),
    { history, runner: (o) => runnerImpl(o), scheme: SAMPLE_SCHEME },
  );
  server = await startDashboardServer({
    service: svc,
    history,
    policy: { token: token ?? undefined, publicRead },
    host: '127.0.0.1',
    port: 0,
    pdfWriter: async (htmlFile, pdfFile) => {
      pdfCalls.push(htmlFile);
      await new Promise((r) => setTimeout(r, 20));
      writeFileSync(pdfFile, '%PDF-1.4 fake');
    },
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zwgk-api-'));
  writeFileSync(join(dir, 'units.csv'), unitsCsv());
  writeFileSync(join(dir, 'secret.txt'), 'outside the run directory');
  gates = [];
  runs = [];
  pdfCalls = [];
  runnerImpl = async (opts) => {
    const gate = deferred<void>();
    gates.push(gate);
    opts.signal?.addEventListener('abort', () => gate.reject(new Error('aborted')));
    await gate.promise;
    const ids = opts.only ?? UNITS.map((u) => u.id);
    const f: Finding = { ...finding('column-update', 'stale', 'http://127.0.0.1:9/xxgk/jtj/tzgg/', 1, '通知公告'), message: HOSTILE };
    f.evidence = { screenshot: 'evidence/jtj/stale-1.png' };
    // Reviewer decisions as the scoring engine applies them, read by the project's own overrides parser.
    const review = opts.overridesFile ? readOverrides(opts.overridesFile).find((o) => o.unit === 'jtj' && o.url === f.url) : undefined;
    if (review) f.review = { decision: review.decision, reason: review.reason };
    runs.push(opts);
    const out = writeOutcome(
      opts,
      UNITS.filter((u) => ids.includes(u.id)).map((u) => unitResult(u, u.id === 'jtj' ? [f] : [])),
      [snapshot(UNITS[0]!, '2021-01-19T02:10:00+08:00', [{ key: '通知公告', category: 'regular', items: [{ title: '<b>标题</b>', date: '2020-07-30', firstSeen: '2021-01-19T02:10:00+08:00' }] }])],
    );
    mkdirSync(join(opts.outDir, 'evidence', 'jtj'), { recursive: true });
    writeFileSync(join(opts.outDir, 'evidence', 'jtj', 'stale-1.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    writeFileSync(join(opts.outDir, 'report.html'), '<!DOCTYPE html><p>报告</p>');
    symlinkSync(join(dir, 'secret.txt'), join(opts.outDir, 'evidence', 'jtj', 'link.png'));
    return out;
  };
});

afterEach(async () => {
  await svc?.shutdown(0);
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(server.url + path, { headers, redirect: 'manual' });
const post = (path: string, headers: Record<string, string> = {}) => fetch(server.url + path, { method: 'POST', headers });
const loginForm = (body: string) =>
  fetch(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });

async function auditAndFinish(unitId: string): Promise<string> {
  const res = await post(`/api/units/${unitId}/audit`, auth);
  expect(res.status).toBe(202);
  const { runId } = (await res.json()) as { runId: string };
  await vi.waitFor(() => expect(gates.length).toBeGreaterThan(0));
  gates.at(-1)!.resolve();
  await svc.idle();
  return runId;
}

describe('HTTP API', () => {
  it('202 then 409 while running, progress in /api/runs, result in /api/units/<id> when done', async () => {
    await start(false);
    const first = await post('/api/units/jtj/audit', auth);
    expect(first.status).toBe(202);
    const { runId } = (await first.json()) as { runId: string };

    const again = await post('/api/units/jtj/audit', auth);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { runId: string }).runId).toBe(runId);

    const running = await (await get(`/api/runs/${runId}`, auth)).json();
    expect(running).toMatchObject({ runId, state: 'running', kind: 'unit', units: ['jtj'] });
    const before = await get('/api/units/jtj', auth);
    expect(before.status).toBe(404);
    expect(((await before.json()) as { error: string }).error).toContain('尚无审计结果');

    await vi.waitFor(() => expect(gates).toHaveLength(1));
    gates[0]!.resolve();
    await svc.idle();
    expect(await (await get(`/api/runs/${runId}`, auth)).json()).toMatchObject({ state: 'done', results: [{ id: 'jtj', score: 99 }] });

    const unit = (await (await get('/api/units/jtj', auth)).json()) as Record<string, unknown>;
    expect(unit).toMatchObject({ id: 'jtj', name: '县教育体育局', score: 99, runId, findings: [{ rule: 'column-update', code: 'stale', message: HOSTILE }] });
    expect(typeof unit.auditedAt).toBe('string');
    const all = (await (await get('/api/units', auth)).json()) as { id: string }[];
    expect(all.map((u) => u.id)).toEqual(['jtj']);

    // Finished: the next click starts a new audit.
    expect((await post('/api/units/jtj/audit', auth)).status).toBe(202);
  });

  it('401 without a valid token, 404 for an unknown unit, 403 for cross-site posts even with the token', async () => {
    await start(false);
    expect((await post('/api/units/jtj/audit')).status).toBe(401);
    expect((await post('/api/units/jtj/audit', { Authorization: 'Bearer wrong-token-xxxxxxxx' })).status).toBe(401);
    const unknown = await post('/api/units/nosuch/audit', auth);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toBe('单位编号 nosuch 不在单位名单中');
    expect((await post('/api/units/jtj/audit', { ...auth, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('/api/units/jtj/audit', { ...auth, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await post('/api/units/jtj/audit', { ...auth, 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect(gates).toHaveLength(0);
    const sameOrigin = await post('/api/units/jtj/audit', { ...auth, Origin: server.url, 'Sec-Fetch-Site': 'same-origin' });
    expect(sameOrigin.status).toBe(202);
    expect((await get('/api/runs/nosuch', auth)).status).toBe(404);
  });

  it('reads need the token unless publicRead; a POST login sets a strict HttpOnly cookie that reads but cannot act', async () => {
    await start(false);
    expect((await get('/api/units')).status).toBe(401);
    const loginPage = await get('/');
    expect(loginPage.status).toBe(401);
    expect(await loginPage.text()).toContain('请登录');
    expect((await loginForm('token=wrong-token-xxxxxxxx')).status).toBe(401);

    const login = await loginForm(`token=${TOKEN}&next=${encodeURIComponent('/units/jtj')}`);
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/units/jtj');
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const pair = cookie.split(';')[0]!;
    expect((await get('/units/jtj', { Cookie: pair })).status).toBe(200);
    expect((await get('/api/units', { Cookie: pair })).status).toBe(200);
    expect((await post('/api/units/jtj/audit', { Cookie: pair })).status).toBe(401);
  });

  it('with publicRead, pages and GET APIs are open but actions still need the token', async () => {
    await start(true);
    expect((await get('/api/units')).status).toBe(200);
    expect((await get('/')).status).toBe(200);
    expect((await post('/api/units/jtj/audit')).status).toBe(401);
  });

  it('without a configured token no action is possible', async () => {
    await start(true, null);
    const res = await post('/api/units/jtj/audit', { Authorization: 'Bearer anything-at-all' });
    expect(res.status).toBe(401);
    expect(await (await get('/')).text()).toContain('服务未配置操作令牌');
  });

  it('reports why a run failed', async () => {
    await start(false);
    runnerImpl = async () => {
      throw new Error('门户首页无法访问');
    };
    const { runId } = (await (await post('/api/units/wjw/audit', auth)).json()) as { runId: string };
    await svc.idle();
    expect(await (await get(`/api/runs/${runId}`, auth)).json()).toMatchObject({ state: 'failed', error: '审计失败：门户首页无法访问' });
  });
});

describe('overview', () => {
  it('shows why the last nightly run failed and still offers the last good report', async () => {
    await start(false);
    const good = svc.startFull('schedule')!;
    await vi.waitFor(() => expect(gates).toHaveLength(1));
    gates[0]!.resolve();
    await svc.idle();
    runnerImpl = async () => {
      throw new Error('门户首页无法访问');
    };
    svc.startFull('schedule');
    await svc.idle();
    const page = await (await get('/', auth)).text();
    expect(page).toContain('审计失败：门户首页无法访问');
    expect(page).toContain(`/runs/${good.runId}/report.xlsx`);
    expect(page).toMatch(/<tr data-unit="jtj">\s*<td class="num">3<\/td>/);
  });
});

describe('reviewer decisions (overrides)', () => {
  const stale = { rule: 'column-update', code: 'stale', url: 'http://127.0.0.1:9/xxgk/jtj/tzgg/' };
  const postJson = (path: string, body: unknown, headers: Record<string, string> = auth) =>
    fetch(server.url + path, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('writes the decision to the overrides file and re-judges the unit from the store', async () => {
    const file = join(dir, 'overrides.csv');
    await start(false, TOKEN, file);
    await auditAndFinish('jtj');

    expect((await postJson('/api/units/jtj/overrides', { ...stale, decision: 'waived', reason: 'x' }, {})).status).toBe(401);
    expect((await postJson('/api/units/jtj/overrides', { ...stale, decision: 'waived', reason: '  ' })).status).toBe(400);
    expect((await postJson('/api/units/jtj/overrides', { ...stale, url: 'http://elsewhere/', decision: 'waived', reason: 'x' })).status).toBe(404);
    const notJson = await fetch(`${server.url}/api/units/jtj/overrides`, { method: 'POST', headers: auth, body: 'decision=waived' });
    expect(notJson.status).toBe(400);

    const res = await postJson('/api/units/jtj/overrides', { ...stale, decision: 'waived', reason: '栏目已于 2021 年撤并，"通知公告"改由县政府统一发布' });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect(readFileSync(file, 'utf8')).toBe(
      'unit,rule,url,decision,reason\njtj,column-update/stale,http://127.0.0.1:9/xxgk/jtj/tzgg/,豁免,"栏目已于 2021 年撤并，""通知公告""改由县政府统一发布"\n',
    );
    await vi.waitFor(() => expect(gates).toHaveLength(2));
    gates[1]!.resolve();
    await svc.idle();
    expect(runs.at(-1)).toMatchObject({ only: ['jtj'], fromStore: true });
    const unit = (await (await get('/api/units/jtj', auth)).json()) as { runId: string; findings: Finding[] };
    expect(unit.runId).toBe(runId);
    expect(unit.findings[0]!.review).toEqual({ decision: 'waived', reason: '栏目已于 2021 年撤并，"通知公告"改由县政府统一发布' });
    const again = await postJson('/api/units/jtj/overrides', { ...stale, decision: 'confirmed', reason: '' });
    expect(again.status).toBe(409);
    expect(await (await get('/units/jtj', auth)).text()).toContain('已豁免问题（1 项）');
  });

  it('is refused when no overrides file is configured', async () => {
    await start(false);
    await auditAndFinish('jtj');
    const res = await postJson('/api/units/jtj/overrides', { ...stale, decision: 'confirmed', reason: '' });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toContain('未配置复核文件');
  });
});

describe('dashboard pages and files', () => {
  it('escapes crawled text and shows the finding with its evidence link', async () => {
    await start(false);
    const runId = await auditAndFinish('jtj');
    const res = await get('/units/jtj', auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
    const page = await res.text();
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;栏目未更新');
    expect(page).toContain(`/runs/${runId}/evidence/jtj/stale-1.png`);
    expect(page).toContain('立即审计');
    const overview = await (await get('/', auth)).text();
    expect(overview).toContain('县教育体育局');
    expect(overview).toContain('尚未审计');
  });

  it('serves evidence of a run but nothing outside it', async () => {
    await start(false);
    const runId = await auditAndFinish('jtj');
    const png = await get(`/runs/${runId}/evidence/jtj/stale-1.png`, auth);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    for (const path of [
      `/runs/${runId}/evidence/..%2F..%2F..%2Fhistory.json`,
      `/runs/${runId}/evidence/%2e%2e/%2e%2e/history.json`,
      `/runs/${runId}/evidence/jtj/..%5C..%5Creport.json`,
      `/runs/${runId}/evidence/jtj/link.png`,
      `/runs/${runId}/history.json`,
      `/runs/..%2F..%2Fsecret.txt/x`,
      `/runs/nosuch/report.html`,
    ]) {
      const res = await get(path, auth);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('outside the run directory');
    }
    const html = await get(`/runs/${runId}/report.html`, auth);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'none'");
  });

  it('prints the PDF once on first request and serves the cached file afterwards', async () => {
    await start(false);
    const runId = await auditAndFinish('jtj');
    const [a, b] = await Promise.all([get(`/runs/${runId}/report.pdf`, auth), get(`/runs/${runId}/report.pdf`, auth)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.headers.get('content-disposition')).toContain('attachment');
    expect(await a.text()).toBe('%PDF-1.4 fake');
    expect((await get(`/runs/${runId}/report.pdf`, auth)).status).toBe(200);
    expect(pdfCalls).toHaveLength(1);
  });
});

describe('dashboard: 提示 (advisories)', () => {
  it('the overview counts 提示 apart from 问题 and filters by them; the unit page lists them by rule, not as deductions', async () => {
    const base = 'http://127.0.0.1:9/xxgk';
    const advisory = (rule: string, code: string, url: string, message: string): Finding => ({ ...finding(rule, code, url, 0), advisory: true, message });
    runnerImpl = async (opts) =>
      writeOutcome(
        opts,
        UNITS.map((u) =>
          u.id === 'jtj'
            ? unitResult(u, [finding('column-update', 'stale', `${base}/jtj/tzgg/`, 1, '通知公告')])
            : u.id === 'wjw'
              ? unitResult(u, [
                  advisory('timeliness', 'late', `${base}/wjw/zcwj/1.html`, '文件一成文后25个工作日才公开'),
                  advisory('timeliness', 'late', `${base}/wjw/zcwj/2.html`, '文件二成文后22个工作日才公开'),
                  advisory('wording', 'severe', `${base}/wjw/tzgg/3.html`, '“中华人民共合国”应为“中华人民共和国”'),
                ])
              : unitResult(u, []),
        ),
      );
    await start(false);
    expect(svc.startFull('manual')).not.toBeNull();
    await svc.idle();

    const overview = async (query = '') => {
      const $ = load(await (await get(`/${query}`, auth)).text());
      const head = $('#ranking thead th').toArray().map((th) => $(th).text());
      return $('#ranking tbody tr')
        .toArray()
        .map((tr) => {
          const cells = $(tr).find('td').toArray().map((td) => $(td).text().trim());
          return { id: $(tr).attr('data-unit'), problems: cells[head.indexOf('问题')], advisories: cells[head.indexOf('提示')], score: cells[head.indexOf('得分')] };
        });
    };
    const all = await overview();
    expect(all.find((r) => r.id === 'wjw')).toEqual({ id: 'wjw', problems: '0', advisories: '3', score: '100' });
    expect(all.find((r) => r.id === 'jtj')).toMatchObject({ problems: '1', advisories: '0' });
    expect((await overview('?filter=advisories')).map((r) => r.id)).toEqual(['wjw']);
    expect((await overview('?filter=deductions')).map((r) => r.id)).toEqual(['jtj']);
    expect((await overview('?filter=nonsense')).map((r) => r.id).sort()).toEqual(UNITS.map((u) => u.id).sort());
    expect(await (await get('/?filter=advisories', auth)).text()).toContain('显示 1 / 3 个单位');

    const $ = load(await (await get('/units/wjw', auth)).text());
    expect($('#advisories h2').text()).toBe('提示（3 项，不扣分）');
    expect($('#advisories h3').toArray().map((h) => $(h).text())).toEqual(['主动公开信息及时公开（条例第二十六条）（2 项）', '严重表述错误（国办秘函〔2019〕19号）（1 项）']);
    expect($('#advisories table.adv tbody tr')).toHaveLength(3);
    const deductions = $('section.panel').filter((_, el) => $(el).find('h2').text().startsWith('扣分问题'));
    expect(deductions.find('h2').text()).toBe('扣分问题（0 项）');
    expect(deductions.text()).not.toContain('中华人民共合国');
  });
});
