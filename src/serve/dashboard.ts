import type { FindingRecord, HistoryData, RunRecord, UnitState } from '../history/model.ts';
import { findingKey } from '../history/record.ts';
import {
  ADVISORY_NOTE,
  COLUMN_STATUS_LABEL,
  UNIT_STATUS_LABEL,
  UNIT_TYPE_LABEL,
  advisoryCount,
  advisoryGroups,
  codeLabel,
  fmtInstant,
  fmtNum,
  isWaived,
  label,
  openFindings,
  ruleLabel,
  safeEvidencePath,
  safeHref,
  waivedFindings,
} from '../report/format.ts';
import type { Finding, RuleCatalog, UnitResult } from '../model/result.ts';
import type { Unit } from '../model/snapshot.ts';
import { html, type Markup } from '../report/markup.ts';
import type { OutboxSummary } from '../notify/outbox.ts';
import { findingId, keyParts, reviewKey } from '../review/apply.ts';
import type { Desk, DeskFilter, DeskFinding } from '../review/desk.ts';
import { allowedNext, REVIEW_STATE_LABEL, REVIEW_STATES, type ReviewEvent, type ReviewState } from '../model/review-states.ts';
import type { LatestResult, RunView } from './service.ts';
import { scoreChart, sparkline, type ChartPoint } from './svg.ts';

/**
 * The dashboard pages (Chinese, self-contained: inline CSS and one inline
 * script, charts as inline SVG, nothing from the network). Renderers take
 * plain models; every crawled string goes through the escaping `html` tag.
 */

export interface PageContext {
  /** CSP nonce of the page's inline script. */
  nonce: string;
  /** False when the server has no token configured: actions are impossible. */
  actionsEnabled: boolean;
  /** True when reading needs a login (publicRead off): show the logout link. */
  loginRequired: boolean;
  /** The rules' labels (codes, checks). */
  catalog: RuleCatalog;
}

export interface OverviewRow {
  unit: Unit;
  rank?: number;
  latest?: LatestResult;
  stale: number;
  backdated: number;
  trend: number[];
}

/** Which units the overview lists: all, those with deductions, those with 提示. */
export type OverviewFilter = 'all' | 'deductions' | 'advisories';

const FILTERS: Record<OverviewFilter, string> = { all: '全部单位', deductions: '有扣分问题', advisories: '有提示' };

/** The filter a `?filter=` value asks for (anything unknown: all). */
export function overviewFilter(value: string | null): OverviewFilter {
  return value !== null && Object.hasOwn(FILTERS, value) ? (value as OverviewFilter) : 'all';
}

function shown(row: OverviewRow, filter: OverviewFilter): boolean {
  const u = row.latest?.result;
  if (filter === 'all') return true;
  if (!u) return false;
  return filter === 'deductions' ? openFindings(u).length > 0 : advisoryCount(u) > 0;
}

export interface OverviewModel {
  rows: OverviewRow[];
  /** Default: all. */
  filter?: OverviewFilter;
  /** The last full run that finished, whether it succeeded or failed. */
  lastFull?: RunRecord;
  /** The last successful full run: its report is the one to download. */
  lastReport?: RunRecord;
  nextRun: Date | null;
  active: RunView[];
  schemeTitle?: string;
  asOf?: string;
  /** Notifications sent, waiting and failed (when configured). */
  outbox?: OutboxSummary;
}

export interface UnitModel {
  unit: Unit;
  latest?: LatestResult;
  state?: UnitState;
  findings: FindingRecord[];
  trend: ChartPoint[];
  active?: RunView;
  /** The per-unit HTML report of the latest run, when the run wrote one. */
  unitReport?: string;
  /** Reviewer decisions can be made on the page (an overrides file is configured). */
  reviewEnabled: boolean;
  /** Each finding's review state (when review states are kept). */
  reviewOf?: (f: Finding) => ReviewCell;
}

/** A finding's review state as the pages show it, and what a reviewer may change it to. */
export interface ReviewCell {
  unitId: string;
  id: string;
  state: ReviewState;
  last?: ReviewEvent;
  next: readonly ReviewState[];
}

export function reviewCell(desk: Desk, unitId: string, f: Finding): ReviewCell {
  const review = desk.store.review(unitId, reviewKey(f));
  const state = review?.state ?? 'pending';
  return { unitId, id: findingId(unitId, f), state, ...(review ? { last: review.log.at(-1)! } : {}), next: allowedNext(state) };
}

const TREND_POINTS = 12;
const CHART_POINTS = 60;

/** Runs (oldest first) that produced a result for the unit. */
function unitRuns(history: HistoryData, unitId: string): { run: RunRecord; score: number }[] {
  const out: { run: RunRecord; score: number }[] = [];
  for (const run of history.runs) {
    if (run.state !== 'done') continue;
    const r = run.results.find((x) => x.id === unitId);
    if (r) out.push({ run, score: r.score });
  }
  return out;
}

export function overviewRows(units: Unit[], history: HistoryData, latest: (id: string) => LatestResult | undefined): OverviewRow[] {
  const rows: OverviewRow[] = units.map((unit) => {
    const w = history.units[unit.id]?.warnings;
    return {
      unit,
      latest: latest(unit.id),
      stale: w?.stale.length ?? 0,
      backdated: w?.backdated.length ?? 0,
      trend: unitRuns(history, unit.id)
        .slice(-TREND_POINTS)
        .map((x) => x.score),
    };
  });
  // Audited units by score (ties share a rank), then the ones not audited yet in file order.
  const audited = rows.filter((r) => r.latest).sort((a, b) => b.latest!.result.score - a.latest!.result.score);
  audited.forEach((r, i) => {
    const prev = audited[i - 1];
    r.rank = prev && prev.latest!.result.score === r.latest!.result.score ? prev.rank : i + 1;
  });
  return [...audited, ...rows.filter((r) => !r.latest)];
}

export function unitTrend(history: HistoryData, unitId: string): ChartPoint[] {
  let previousDay = '';
  return unitRuns(history, unitId)
    .slice(-CHART_POINTS)
    .map(({ run, score }) => {
      const at = fmtInstant(run.finishedAt);
      // A second run on the same day is labelled by its time.
      const label = at.slice(0, 10) === previousDay ? at.slice(11) : at.slice(5, 10);
      previousDay = at.slice(0, 10);
      return { label, value: score, title: `${at} ${run.kind === 'full' ? '全量审计' : '单独审计'}：${fmtNum(score)} 分` };
    });
}

const PHASE_LABEL: Record<string, string> = { crawl: '抓取页面', judge: '判定', evidence: '截取佐证', report: '生成报告' };

function band(score: number): string {
  return score >= 90 ? 'good' : score >= 80 ? 'fair' : score >= 60 ? 'warn' : 'poor';
}

function deducted(u: UnitResult): number {
  return u.findings.reduce((s, f) => s + f.deduction, 0);
}

function statusTag(status: UnitResult['status']): Markup {
  const cls = status === 'ok' ? 'ok' : status === 'partial' ? 'partial' : 'bad';
  return html`<span class="tag t-${cls}">${label(UNIT_STATUS_LABEL, status)}</span>`;
}

function extLink(url: string, text?: string): Markup {
  const href = safeHref(url);
  const shown = text ?? readable(url);
  return href ? html`<a class="ext" href="${href}" target="_blank" rel="noopener noreferrer">${shown}</a>` : html`<span class="muted">${shown}</span>`;
}

function readable(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

function runLabel(run: Pick<RunRecord, 'kind' | 'units'>): string {
  return run.kind === 'full' ? '全量审计' : `单独审计（${run.units.join('、')}）`;
}

function progressText(r: RunView): string {
  if (r.queued) return '排队等待（前一个审计结束后开始）';
  if (!r.phase) return '正在启动';
  const counts = r.unitsTotal ? ` ${r.unitsDone}/${r.unitsTotal}` : '';
  return `${PHASE_LABEL[r.phase] ?? r.phase}${counts}${r.phase === 'crawl' ? `，已读页面 ${r.pages ?? 0}` : ''}`;
}

function layout(ctx: PageContext, title: string, crumbs: Markup, body: Markup, script: string): string {
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html`${title}`.text} · 政务公开过程测评监测</title>
<style>${CSS}</style>
</head>
<body>
<header class="top">
  <div class="brand"><a href="/">政务公开过程测评监测</a>${crumbs.text}</div>
  <form class="token" id="token-form" autocomplete="off"${ctx.actionsEnabled ? '' : ' hidden'}>
    <span id="token-state" class="token-state"></span>
    <input id="token-input" type="password" placeholder="操作令牌" aria-label="操作令牌">
    <button type="submit" class="btn small">保存令牌</button>
    <button type="button" id="token-clear" class="btn small ghost">清除</button>
    ${ctx.loginRequired ? '<a class="logout" href="/logout">退出登录</a>' : ''}
  </form>
</header>
<main>
${ctx.actionsEnabled ? '' : '<p class="alert">服务未配置操作令牌（环境变量 ZWGK_TOKEN 或配置文件 token），立即审计等操作已停用。</p>'}
${body.text}
</main>
<footer class="foot">zwgk-audit · 数据来自政府信息公开平台的自动核查；扣分以考评方案为准。</footer>
<script nonce="${ctx.nonce}">${SCRIPT_COMMON}${script}</script>
</body>
</html>
`;
}

export function renderOverview(m: OverviewModel, ctx: PageContext): string {
  const filter = m.filter ?? 'all';
  const rows = m.rows.filter((r) => shown(r, filter));
  const audited = m.rows.filter((r) => r.latest);
  const avg = audited.length ? audited.reduce((s, r) => s + r.latest!.result.score, 0) / audited.length : null;
  const last = m.lastFull;
  const lastBox = !last
    ? html`<div class="v">尚未运行</div>`
    : last.state === 'failed'
      ? html`<div class="v bad">失败</div><div class="s">${fmtInstant(last.finishedAt)}</div><div class="s bad">${last.error ?? ''}</div>`
      : html`<div class="v">${fmtInstant(last.finishedAt)}</div><div class="s">${last.results.length} 个单位</div>`;
  const lastNotes = last?.warnings?.length ? html`<div class="s bad">${last.warnings.map((w) => html`<div>注意：${w}</div>`)}</div>` : '';
  const done = m.lastReport && !m.lastReport.pruned ? m.lastReport : undefined;
  const body = html`
<section class="cards">
  <div class="card"><div class="k">单位数</div><div class="v">${m.rows.length}</div><div class="s">已审计 ${audited.length}</div></div>
  <div class="card"><div class="k">平均得分</div><div class="v">${avg === null ? '—' : fmtNum(avg)}</div><div class="s">过程测评，满分 100</div></div>
  <div class="card"><div class="k">最近一次全量审计</div>${lastBox}${lastNotes}</div>
  <div class="card"><div class="k">下次定时审计</div><div class="v">${m.nextRun ? fmtInstant(m.nextRun.toISOString()) : '未安排'}</div><div class="s">北京时间</div></div>
</section>
<p><a class="btn" href="/reviews">复核与整改</a></p>
${outboxPanel(m.outbox)}
${m.active.length ? html`<section class="panel running"><h2>正在进行</h2><ul>${m.active.map((r) => html`<li><b>${runLabel(r)}</b>：${progressText(r)}</li>`)}</ul></section>` : ''}
<section class="panel">
  <div class="panel-head">
    <h2>单位排名</h2>
    <div class="downloads">${
      done
        ? html`<span class="muted">最新全量报告（${fmtInstant(done.finishedAt)}）：</span>
      <a class="btn small" href="/runs/${done.id}/report.html" target="_blank">HTML</a>
      <a class="btn small" href="/runs/${done.id}/report.xlsx">Excel</a>
      <a class="btn small" href="/runs/${done.id}/report.pdf" title="首次下载时生成，需要稍候">PDF</a>`
        : html`<span class="muted">暂无全量报告</span>`
    }</div>
  </div>
  ${m.schemeTitle ? html`<p class="muted">${m.schemeTitle}${m.asOf ? html` · 测评基准日 ${m.asOf}` : ''}</p>` : ''}
  <nav class="filter" aria-label="筛选">筛选：${(Object.keys(FILTERS) as OverviewFilter[]).map((f) =>
    f === filter ? html`<b class="on">${FILTERS[f]}</b>` : html`<a href="${f === 'all' ? '/' : `/?filter=${f}`}">${FILTERS[f]}</a>`,
  )}<span class="muted">显示 ${rows.length} / ${m.rows.length} 个单位</span></nav>
  <table class="rank" id="ranking">
    <thead><tr><th class="num">排名</th><th>单位</th><th>类型</th><th class="num">得分</th><th class="num">扣分</th><th class="num">问题</th><th class="num">提示</th><th class="num">预警</th><th class="num">疑似补发</th><th class="num">无法判定</th><th>最近审计</th><th>得分趋势</th></tr></thead>
    <tbody>${rows.map((r) => {
      const u = r.latest?.result;
      const link = html`<a href="/units/${encodeURIComponent(r.unit.id)}">${r.unit.name}</a>`;
      if (!u) {
        return html`<tr data-unit="${r.unit.id}"><td class="num">—</td><td>${link}</td><td>${label(UNIT_TYPE_LABEL, r.unit.type)}</td><td colspan="9" class="muted">尚未审计</td></tr>`;
      }
      const open = openFindings(u).length;
      const advisories = advisoryCount(u);
      return html`<tr data-unit="${r.unit.id}">
        <td class="num">${r.rank}</td>
        <td>${link}${u.status !== 'ok' ? html` ${statusTag(u.status)}` : ''}</td>
        <td>${label(UNIT_TYPE_LABEL, u.type)}</td>
        <td class="num"><span class="score b-${band(u.score)}">${fmtNum(u.score)}</span></td>
        <td class="num">${deducted(u) ? html`<span class="neg">−${fmtNum(deducted(u))}</span>` : '0'}</td>
        <td class="num">${open}</td>
        <td class="num">${advisories ? html`<span class="tag t-adv">${advisories}</span>` : '0'}</td>
        <td class="num">${r.stale ? html`<span class="tag t-partial">${r.stale}</span>` : '0'}</td>
        <td class="num">${r.backdated ? html`<span class="tag t-partial">${r.backdated}</span>` : '0'}</td>
        <td class="num">${u.inconclusive.length}</td>
        <td class="nowrap">${fmtInstant(r.latest!.auditedAt)}</td>
        <td>${sparkline(r.trend)}</td>
      </tr>`;
    })}</tbody>
  </table>
  <p class="muted">提示：不计分检查项（国家政府网站检查指标等）发现的问题数，只报告、不扣分；预警：按当前状态，将在设定天数内变为“未及时更新”的栏目数；疑似补发：首次出现时已标注为较早日期的信息数（供人工核实，不扣分）。</p>
</section>`;
  return layout(ctx, '总览', html``, body, '');
}

/** Notifications that failed or wait for a retry, with their reasons. */
function outboxPanel(o: OutboxSummary | undefined): Markup {
  if (!o || !o.problems.length) return html``;
  return html`<section class="panel" id="outbox"><h2>通知发送问题</h2><p class="muted">已发送 ${o.sent}，待发送 ${o.pending}，发送失败 ${o.failed}。发送失败不影响审计；待发送的通知会自动重试。</p>
  <table><thead><tr><th>收件方</th><th>内容</th><th>状态</th><th class="num">尝试次数</th><th>原因</th></tr></thead><tbody>${o.problems.map(
    (p) => html`<tr><td>${p.to}</td><td class="sub">${p.key}</td><td>${p.state === 'failed' ? html`<span class="tag t-bad">已放弃</span>` : html`<span class="tag t-partial">${p.nextAt ? `${fmtInstant(p.nextAt)} 重试` : '待重试'}</span>`}</td><td class="num">${p.attempts}</td><td>${p.lastError}</td></tr>`,
  )}</tbody></table></section>`;
}

export interface ReviewsModel {
  rows: DeskFinding[];
  filter: DeskFilter;
  units: Unit[];
  outbox?: OutboxSummary;
}

/** Every finding with its review state, filtered by state, unit and rule; the upload of a returned 整改情况表. */
export function renderReviews(m: ReviewsModel, ctx: PageContext): string {
  const names = new Map(m.units.map((u) => [u.id, u.name]));
  const rules = [...new Set(m.rows.map((r) => keyParts(r.key).rule))];
  const option = (value: string, text: string, on: boolean) => html`<option value="${value}"${on ? html` selected` : ''}>${text}</option>`;
  const body = html`
<section class="panel">
  <h2>复核与整改</h2>
  <form class="filter" method="get" action="/reviews">
    <label>状态 <select name="state">${option('', '全部', !m.filter.state)}${REVIEW_STATES.map((s) => option(s, REVIEW_STATE_LABEL[s], m.filter.state === s))}</select></label>
    <label>单位 <select name="unit">${option('', '全部', !m.filter.unit)}${m.units.map((u) => option(u.id, u.name, m.filter.unit === u.id))}</select></label>
    <label>规则 <select name="rule">${option('', '全部', !m.filter.rule)}${[...new Set([...rules, ...(m.filter.rule ? [m.filter.rule] : [])])].map((r) => option(r, ruleLabel(ctx.catalog, r), m.filter.rule === r))}</select></label>
    <button class="btn small" type="submit">筛选</button><span class="muted">共 ${m.rows.length} 项</span>
  </form>
  <table class="find" id="reviews"><thead><tr><th>单位</th><th>指标</th><th>问题</th><th>复核状态</th></tr></thead><tbody>${m.rows.map((r) => {
    const f = r.finding;
    const parts = keyParts(r.key);
    const cell: ReviewCell = { unitId: r.unit.id, id: r.id, state: r.state, ...(r.review ? { last: r.review.log.at(-1)! } : {}), next: f ? allowedNext(r.state) : [] };
    return html`<tr data-id="${r.id}"><td><a href="/units/${encodeURIComponent(r.unit.id)}">${names.get(r.unit.id) ?? r.unit.name}</a></td>
      <td>${f ? html`<div>${f.indicator}</div><div class="sub">${codeLabel(ctx.catalog, f)}</div>` : ruleLabel(ctx.catalog, parts.rule)}</td>
      <td>${f ? html`<div>${f.message}</div>` : html`<div class="muted">最近一次审计未再发现</div>`}<div class="sub">${extLink(f?.url ?? parts.url)}</div></td>
      <td>${reviewBox(cell, ctx.actionsEnabled)}</td></tr>`;
  })}</tbody></table>
</section>
<section class="panel"><h2>导入单位报回的整改情况表</h2>
  <p class="muted">每行都会检查；有任何一行不合格，整个文件不导入，并逐行列出问题。导入后，报“已整改”的问题改为“已整改”，并自动安排对该单位重新审计。</p>
  <form id="reply-upload"><input type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required> <button class="btn primary" type="submit"${ctx.actionsEnabled ? '' : ' disabled'}>导入</button></form>
  <pre id="reply-result" class="status" role="status"></pre>
</section>
${outboxPanel(m.outbox)}`;
  return layout(ctx, '复核与整改', html` <span class="crumb">› 复核与整改</span>`, body, SCRIPT_REVIEW);
}

function reviewButtons(f: Finding): Markup {
  if (f.review) return html``;
  return html`<div class="review-actions" data-rule="${f.rule}" data-code="${f.code}" data-url="${f.url}"><button class="btn small" data-decision="waived">豁免</button> <button class="btn small" data-decision="confirmed">确认</button></div>`;
}

/** The cells every finding row shares: what was found, since when, the screenshot. */
function findingCells(f: Finding, runId: string, since: FindingRecord | undefined, review: boolean, cell?: ReviewCell, actions = false): Markup {
  const shot = f.evidence.screenshot ? safeEvidencePath(f.evidence.screenshot) : null;
  const src = shot ? `/runs/${runId}/${shot}` : null;
  return html`<td><div>${f.message}</div>${f.deductionNote ? html`<div class="sub">${f.deductionNote}</div>` : ''}${f.column ? html`<div class="sub">栏目：${f.column}</div>` : ''}<div class="sub">${extLink(f.url)}</div>
      ${isWaived(f) ? html`<div class="sub ok">豁免理由：${f.review?.reason ?? ''}</div>` : ''}
      ${f.review?.decision === 'confirmed' ? html`<div class="sub">已复核确认：${f.review.reason}</div>` : ''}
      ${review ? reviewButtons(f) : ''}${cell ? reviewBox(cell, actions) : ''}</td>
    <td class="nowrap">${since ? fmtInstant(since.firstSeenAt) : '—'}</td>
    <td>${src ? html`<a class="shot" href="${src}" target="_blank"><img src="${src}" alt="佐证截图" loading="lazy"></a>` : f.evidence.screenshotError ? html`<span class="muted">未截图：${f.evidence.screenshotError}</span>` : html`<span class="muted">—</span>`}</td>`;
}

function findingRow(f: Finding, runId: string, since: FindingRecord | undefined, review: boolean, catalog: RuleCatalog, cell?: ReviewCell, actions = false): Markup {
  return html`<tr>
    <td><div>${f.indicator}</div><div class="sub">${codeLabel(catalog, f)}</div></td>
    <td class="num">${f.inJump ? html`<div class="sub">计入本项直接扣分</div>` : html`<b>${fmtNum(f.deduction)}</b>${f.deduction === 0 && !isWaived(f) ? html`<div class="sub">已达扣分上限</div>` : ''}`}</td>
    ${findingCells(f, runId, since, review, cell, actions)}
  </tr>`;
}

/** The finding's review state, its last change, and (with a token) the states it may go to. */
function reviewBox(c: ReviewCell, actions: boolean): Markup {
  const last = c.last ? html`<span class="sub">${c.last.by} ${fmtInstant(c.last.at)}${c.last.reason ? html`：${c.last.reason}` : ''}</span>` : '';
  const change =
    actions && c.next.length
      ? html`<select aria-label="新的复核状态">${c.next.map((s) => html`<option value="${s}">${REVIEW_STATE_LABEL[s]}</option>`)}</select><button class="btn small review-set" type="button">改状态</button><span class="review-msg" role="status"></span>`
      : '';
  return html`<div class="review-state" data-unit="${c.unitId}" data-id="${c.id}"><span class="tag rs-${c.state}">${REVIEW_STATE_LABEL[c.state]}</span> <span class="mono sub">${c.id}</span> ${last} ${change}</div>`;
}

export function renderUnitPage(m: UnitModel, ctx: PageContext): string {
  const u = m.latest?.result;
  const open = new Map(m.findings.filter((r) => !r.resolvedAt).map((r) => [r.key, r]));
  const active = u ? openFindings(u) : [];
  const waived = u ? waivedFindings(u) : [];
  const advisories = u ? advisoryGroups(u, ctx.catalog) : [];
  const review = m.reviewEnabled && ctx.actionsEnabled;
  const resolved = m.findings.filter((r) => r.resolvedAt).slice(-20).reverse();
  const warnings = m.state?.warnings;
  const staleByColumn = new Map(warnings?.stale.map((w) => [w.column, w]));
  const findingsByColumn = new Map(active.filter((f) => f.column).map((f) => [f.column!, f]));
  const findingTable = (list: Finding[]) =>
    html`<table class="find"><thead><tr><th>指标</th><th class="num">扣分</th><th>问题</th><th>首次发现</th><th>佐证截图</th></tr></thead>
    <tbody>${list.map((f) => findingRow(f, m.latest!.runId, open.get(findingKey(f)), review, ctx.catalog, m.reviewOf?.(f), ctx.actionsEnabled))}</tbody></table>`;

  const body = html`
<section class="unit-head">
  <div>
    <h1>${m.unit.name}</h1>
    <div class="meta">
      <span>${label(UNIT_TYPE_LABEL, m.unit.type)}</span><span>编号 ${m.unit.id}</span>
      ${u ? html`<span>${statusTag(u.status)}</span><span>最近审计：<b id="audited-at">${fmtInstant(m.latest!.auditedAt)}</b></span>` : html`<span class="muted">尚未审计</span>`}
      <span>${extLink(m.unit.url, '公开目录首页')}</span>
    </div>
    <div class="actions">
      <button class="btn primary" id="audit-now" data-unit="${m.unit.id}" data-active-run="${m.active?.runId ?? ''}"${ctx.actionsEnabled ? '' : ' disabled'}>立即审计</button>
      ${m.unitReport ? html`<a class="btn" href="${m.unitReport}" target="_blank">本单位报告</a>` : ''}
      ${m.reviewOf && u ? html`<a class="btn" href="/units/${encodeURIComponent(m.unit.id)}/notice.html" target="_blank">整改通知</a><a class="btn small" href="/units/${encodeURIComponent(m.unit.id)}/notice.pdf" title="生成需要稍候">PDF</a><a class="btn small" href="/units/${encodeURIComponent(m.unit.id)}/reply.xlsx">整改情况表</a><a class="btn small" href="/reviews?unit=${encodeURIComponent(m.unit.id)}">复核列表</a>` : ''}
      <div id="audit-status" class="status" role="status" aria-live="polite"></div>
    </div>
    <div class="bar-track" id="audit-progress" hidden><span class="bar-fill"></span></div>
  </div>
  ${u ? html`<div class="score-box b-${band(u.score)}"><div class="big" id="unit-score">${fmtNum(u.score)}</div><div class="sub">过程测评得分</div><div class="sub">扣 ${fmtNum(deducted(u))} 分 · 折算 ${fmtNum(u.weighted)} 分</div></div>` : ''}
</section>
${u?.status === 'unreachable' ? html`<p class="alert">最近一次审计时该单位公开目录无法访问，相关检查无法判定，不作扣分。</p>` : ''}
<section class="panel"><h2>得分变化</h2>${scoreChart(m.trend)}</section>
<section class="panel"><h2>扣分问题（${active.length} 项）</h2>
  ${u ? (active.length ? findingTable(active) : html`<p class="ok">未发现扣分问题。</p>`) : html`<p class="muted">尚无审计结果。</p>`}
</section>
${waived.length ? html`<section class="panel"><h2>已豁免问题（${waived.length} 项）</h2>${findingTable(waived)}</section>` : ''}
${advisories.length ? html`<section class="panel advisories" id="advisories"><h2>提示（${u ? advisoryCount(u) : 0} 项，不扣分）</h2><p class="muted">${ADVISORY_NOTE}</p>
  ${advisories.map(
    (g) => html`<h3>${g.title}（${g.findings.length} 项）</h3>
  <table class="find adv"><thead><tr><th>问题类型</th><th>问题</th><th>首次发现</th><th>佐证截图</th></tr></thead><tbody>${g.findings.map(
    (f) => html`<tr><td><span class="tag t-adv">提示</span><div class="sub">${codeLabel(ctx.catalog, f)}</div></td>${findingCells(f, m.latest!.runId, open.get(findingKey(f)), review, m.reviewOf?.(f), ctx.actionsEnabled)}</tr>`,
  )}</tbody></table>`,
  )}</section>` : ''}
${u?.inconclusive.length ? html`<section class="panel"><h2>无法判定的检查（${u.inconclusive.length} 项）</h2><p class="muted">因页面无法访问等原因无法得出结论，不作扣分。</p>
  <table><thead><tr><th>检查项</th><th>栏目</th><th>原因</th><th>链接</th></tr></thead><tbody>${u.inconclusive.map(
    (c) => html`<tr><td>${ruleLabel(ctx.catalog, c.rule)}</td><td>${c.column ?? '—'}</td><td>${c.reason}</td><td>${extLink(c.url)}</td></tr>`,
  )}</tbody></table></section>` : ''}
<section class="panel"><h2>栏目与预警</h2>
  ${m.state?.columns.length ? html`<p class="muted">栏目数据来自 ${fmtInstant(m.state.columnsAt)} 的抓取。</p>
  <table class="cols"><thead><tr><th>栏目</th><th>类别</th><th>最新信息日期</th><th class="num">条数</th><th>读取</th><th>问题/预警</th></tr></thead><tbody>${m.state.columns.map((c) => {
    const w = staleByColumn.get(c.key);
    const f = findingsByColumn.get(c.key);
    const note = f ? html`<span class="tag t-bad">${codeLabel(ctx.catalog, f)}</span>` : w ? html`<span class="tag t-partial">${w.daysLeft} 天后超期</span>` : '';
    return html`<tr${w ? html` class="warn-row"` : ''}><td>${extLink(c.url, c.key)}</td><td>${c.categoryLabel ?? c.category}</td><td>${c.newest ?? html`<span class="muted">无信息</span>`}</td><td class="num">${c.items}</td><td>${label(COLUMN_STATUS_LABEL, c.status)}</td><td>${note}</td></tr>`;
  })}</tbody></table>` : html`<p class="muted">尚无栏目数据。</p>`}
  ${warnings?.stale.length ? html`<h3>即将超期的栏目（${warnings.stale.length}）</h3><ul class="warn-list">${warnings.stale.map((w) => html`<li>${w.message}</li>`)}</ul>` : ''}
  ${warnings?.backdated.length ? html`<h3>疑似补发/倒签的信息（${warnings.backdated.length}）</h3><p class="muted">以下信息首次被抓取到时，其标注日期已早于首次发现日期较多天，请人工核实；不作扣分。</p>
  <table><thead><tr><th>标题</th><th>标注日期</th><th>首次发现</th><th class="num">相差天数</th></tr></thead><tbody>${warnings.backdated.map(
    (b) => html`<tr><td>${extLink(b.url, b.title)}</td><td>${b.date}</td><td class="nowrap">${fmtInstant(b.firstSeen)}</td><td class="num">${b.daysBefore}</td></tr>`,
  )}</tbody></table>` : ''}
</section>
${resolved.length ? html`<section class="panel"><h2>已整改（近期不再出现的问题）</h2><table><thead><tr><th>问题</th><th>首次发现</th><th>整改确认</th></tr></thead><tbody>${resolved.map(
  (r) => html`<tr><td><div>${r.message}</div><div class="sub">${codeLabel(ctx.catalog, r)}</div></td><td class="nowrap">${fmtInstant(r.firstSeenAt)}</td><td class="nowrap">${fmtInstant(r.resolvedAt)}</td></tr>`,
)}</tbody></table></section>` : ''}`;
  return layout(ctx, m.unit.name, html` <span class="crumb">› ${m.unit.name}</span>`, body, SCRIPT_UNIT + SCRIPT_REVIEW);
}

/** The login form posts the token (never in the address); `next` is where to go after it. */
export function renderLogin(ctx: PageContext, error?: string, next = '/'): string {
  const body = html`<section class="panel login">
  <h2>请登录</h2>
  <p>查看本系统需要访问令牌。请输入管理员提供的令牌：</p>
  ${error ? html`<p class="alert">${error}</p>` : ''}
  <form id="login-form" method="post" action="/login">
    <input type="hidden" name="next" value="${next}">
    <input type="password" name="token" id="login-token" placeholder="访问令牌" required autofocus>
    <button class="btn primary" type="submit">登录</button>
  </form>
</section>`;
  return layout(ctx, '登录', html``, body, SCRIPT_LOGIN);
}

export function renderError(ctx: PageContext, message: string): string {
  return layout(ctx, '出错了', html``, html`<section class="panel login"><h2>出错了</h2><p class="alert">${message}</p><p><a href="/">返回总览</a></p></section>`, '');
}

const SCRIPT_COMMON = `
const KEY = 'zwgk-token';
const getToken = () => sessionStorage.getItem(KEY) || '';
function showTokenState() {
  const s = document.getElementById('token-state');
  s.textContent = getToken() ? '已输入操作令牌' : '未输入操作令牌（查看不受影响，执行操作需要令牌）';
  s.className = 'token-state ' + (getToken() ? 'ok' : 'muted');
}
document.getElementById('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('token-input');
  if (input.value.trim()) sessionStorage.setItem(KEY, input.value.trim());
  input.value = '';
  showTokenState();
});
document.getElementById('token-clear').addEventListener('click', () => { sessionStorage.removeItem(KEY); showTokenState(); });
showTokenState();
function authHeaders() { const t = getToken(); return t ? { Authorization: 'Bearer ' + t } : {}; }
`;

const SCRIPT_LOGIN = `
document.getElementById('login-form').addEventListener('submit', () => {
  const t = document.getElementById('login-token').value.trim();
  if (t) sessionStorage.setItem(KEY, t);
});
`;

const SCRIPT_UNIT = `
const PHASES = ${JSON.stringify(PHASE_LABEL)};
const btn = document.getElementById('audit-now');
const statusEl = document.getElementById('audit-status');
const bar = document.getElementById('audit-progress');
function say(text, cls) { statusEl.textContent = text; statusEl.className = 'status ' + (cls || ''); }
function describe(r) {
  if (r.queued) return '排队等待（前一个审计结束后开始）…';
  if (!r.phase) return '审计已开始…';
  const n = r.unitsTotal ? ' ' + r.unitsDone + '/' + r.unitsTotal : '';
  return '正在' + (PHASES[r.phase] || r.phase) + n + (r.phase === 'crawl' ? '，已读页面 ' + (r.pages || 0) : '') + '…';
}
const PHASE_ORDER = ['crawl', 'judge', 'evidence', 'report'];
async function poll(runId) {
  btn.disabled = true;
  bar.hidden = false;
  for (;;) {
    let r;
    try {
      const res = await fetch('/api/runs/' + encodeURIComponent(runId), { headers: authHeaders() });
      r = await res.json();
      if (!res.ok) { say(r.error || ('无法获取审计进度（' + res.status + '）'), 'bad'); btn.disabled = false; return; }
    } catch (e) { say('与服务器的连接中断，稍后重试…', 'bad'); await new Promise((ok) => setTimeout(ok, 3000)); continue; }
    const step = Math.max(0, PHASE_ORDER.indexOf(r.phase));
    bar.firstElementChild.style.width = (r.state === 'done' ? 100 : 8 + step * 22) + '%';
    if (r.state === 'done') { say('审计完成，正在显示新结果…', 'ok'); setTimeout(() => location.reload(), 600); return; }
    if (r.state === 'failed') { say(r.error || '审计失败', 'bad'); bar.hidden = true; btn.disabled = false; return; }
    say(describe(r));
    await new Promise((ok) => setTimeout(ok, 1000));
  }
}
async function act(path, payload, started) {
  btn.disabled = true;
  say('正在提交…');
  let res, body = {};
  try {
    const headers = payload ? { ...authHeaders(), 'Content-Type': 'application/json' } : authHeaders();
    res = await fetch('/api/units/' + encodeURIComponent(btn.dataset.unit) + path, { method: 'POST', headers, body: payload ? JSON.stringify(payload) : undefined });
    body = await res.json().catch(() => ({}));
  } catch (e) { say('无法连接服务器', 'bad'); btn.disabled = false; return; }
  if (res.status === 202) { say(started); poll(body.runId); return; }
  if (res.status === 409 && body.runId) { say('该单位已有审计正在进行，显示其进度…'); poll(body.runId); return; }
  btn.disabled = false;
  if (res.status === 401) { say('操作被拒绝：需要有效的操作令牌。请在页面右上角输入令牌后重试。', 'bad'); return; }
  say(body.error || ('操作失败（' + res.status + '）'), 'bad');
}
btn.addEventListener('click', () => act('/audit', null, '已开始审计…'));
document.querySelectorAll('.review-actions button').forEach((b) => b.addEventListener('click', () => {
  const d = b.parentElement.dataset;
  const waive = b.dataset.decision === 'waived';
  const reason = prompt(waive ? '豁免理由（必填，将写入复核文件）：' : '确认说明（可不填）：', '');
  if (reason === null || (waive && !reason.trim())) return;
  window.scrollTo(0, 0);
  act('/overrides', { rule: d.rule, code: d.code, url: d.url, decision: b.dataset.decision, reason }, '复核结论已记录，正在重新判定…');
}));
if (btn.dataset.activeRun) { say('该单位有审计正在进行…'); poll(btn.dataset.activeRun); }
`;

const SCRIPT_REVIEW = `
function reviewer() {
  const n = prompt('复核人姓名：', localStorage.getItem('zwgk-reviewer') || '');
  if (n === null || !n.trim()) return null;
  localStorage.setItem('zwgk-reviewer', n.trim());
  return n.trim();
}
async function waitForRun(runId) {
  for (let i = 0; i < 300; i++) {
    const r = await fetch('/api/runs/' + encodeURIComponent(runId), { headers: authHeaders() }).then((x) => x.json()).catch(() => ({}));
    if (r.state === 'done' || r.state === 'failed') return;
    await new Promise((ok) => setTimeout(ok, 1000));
  }
}
document.querySelectorAll('.review-set').forEach((b) => b.addEventListener('click', async () => {
  const box = b.closest('.review-state');
  const state = box.querySelector('select').value;
  const msg = box.querySelector('.review-msg');
  const by = reviewer();
  if (!by) return;
  const reason = prompt(state === 'dismissed' ? '误报理由（必填）：' : '说明（可不填）：', '');
  if (reason === null || (state === 'dismissed' && !reason.trim())) return;
  let res, body = {};
  try {
    res = await fetch('/api/units/' + encodeURIComponent(box.dataset.unit) + '/reviews', { method: 'POST', headers: { ...authHeaders(), 'Content-Type': 'application/json' }, body: JSON.stringify({ id: box.dataset.id, state, by, reason }) });
    body = await res.json().catch(() => ({}));
  } catch (e) { msg.textContent = '无法连接服务器'; msg.className = 'review-msg bad'; return; }
  if (!res.ok) { msg.textContent = res.status === 401 ? '需要有效的操作令牌（请在页面右上角输入）' : (body.error || ('操作失败（' + res.status + '）')); msg.className = 'review-msg bad'; return; }
  msg.textContent = '已改为“' + body.label + '”' + (body.runId ? '，正在重新计分…' : '');
  msg.className = 'review-msg ok';
  if (body.runId) await waitForRun(body.runId);
  location.reload();
}));
const upload = document.getElementById('reply-upload');
if (upload) upload.addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = upload.querySelector('input[type=file]').files[0];
  const out = document.getElementById('reply-result');
  if (!file) return;
  out.textContent = '正在导入…';
  let res, body = {};
  try {
    res = await fetch('/api/reviews/import?name=' + encodeURIComponent(file.name), { method: 'POST', headers: { ...authHeaders(), 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, body: file });
    body = await res.json().catch(() => ({}));
  } catch (err) { out.textContent = '无法连接服务器'; out.className = 'status bad'; return; }
  if (res.ok) { out.textContent = '单位 ' + body.unitId + '：' + body.fixed + ' 项改为已整改，' + body.notFixed + ' 项报未整改或无法整改' + (body.runId ? '；已安排重新审计' : ''); out.className = 'status ok'; return; }
  out.textContent = [res.status === 401 ? '需要有效的操作令牌（请在页面右上角输入）' : (body.error || ('导入失败（' + res.status + '）')), ...(body.lines || [])].join('\\n');
  out.className = 'status bad';
});
`;

const CSS = `
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:#f3f5f8;color:#1f2933;font:14px/1.6 "Microsoft YaHei","PingFang SC","Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif}
a{color:#1d4ed8;text-decoration:none}a:hover{text-decoration:underline}
.top{display:flex;justify-content:space-between;align-items:center;gap:16px;flex-wrap:wrap;padding:10px 28px;background:#1f3a5f;color:#fff}
.brand{font-size:18px;font-weight:bold;letter-spacing:1px}.brand a{color:#fff}.crumb{font-weight:normal;font-size:15px;color:#cfe0f5}
.token{display:flex;align-items:center;gap:6px;font-size:12px}
.token input{width:150px;padding:4px 8px;border:1px solid #8aa4c4;border-radius:4px;background:#fff}
.token-state.ok{color:#9ae6b4}.token-state.muted{color:#cfe0f5}.logout{color:#cfe0f5;margin-left:6px}
main{max-width:1240px;margin:0 auto;padding:20px 28px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 10px;color:#1f3a5f}h3{font-size:14px;margin:16px 0 6px;color:#3e4c59}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:14px;margin-bottom:16px}
.card{background:#fff;border:1px solid #e1e6ec;border-radius:6px;padding:12px 16px}
.card .k{color:#616e7c;font-size:12px}.card .v{font-size:20px;font-weight:bold;margin-top:2px}.card .s{color:#7b8794;font-size:12px}
.bad{color:#b42318}.ok{color:#1e6b34}.muted{color:#7b8794;font-size:12px}
.panel{background:#fff;border:1px solid #e1e6ec;border-radius:6px;padding:14px 18px;margin-bottom:16px}
.panel.running{border-color:#f5c26b;background:#fffaf0}.panel.running ul{margin:0;padding-left:18px}
.panel-head{display:flex;justify-content:space-between;align-items:center;gap:10px;flex-wrap:wrap}
.downloads{display:flex;align-items:center;gap:6px}
table{width:100%;border-collapse:collapse;font-size:13px}
th,td{padding:7px 8px;border-bottom:1px solid #e9edf2;text-align:left;vertical-align:top}
thead th{background:#f6f8fa;color:#52606d;font-weight:600;white-space:nowrap;border-bottom:1px solid #d5dce4}
tbody tr:hover{background:#f9fbfd}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.nowrap{white-space:nowrap}
.rank td{vertical-align:middle}
.score{display:inline-block;min-width:44px;padding:1px 8px;border-radius:10px;font-weight:bold;text-align:center}
.b-good .big,.score.b-good{color:#1e6b34}.score.b-good{background:#e3f4e8}
.b-fair .big,.score.b-fair{color:#1d4ed8}.score.b-fair{background:#e5edff}
.b-warn .big,.score.b-warn{color:#b45309}.score.b-warn{background:#fff1d6}
.b-poor .big,.score.b-poor{color:#b42318}.score.b-poor{background:#fde2e2}
.neg{color:#b42318}
.tag{display:inline-block;padding:0 7px;border-radius:3px;font-size:12px;white-space:nowrap}
.t-ok{background:#e3f4e8;color:#1e6b34}.t-partial{background:#fff1d6;color:#8a5a00}.t-bad{background:#fde2e2;color:#b42318}.t-adv{background:#fef3c7;color:#92400e}
.filter{display:flex;gap:12px;align-items:baseline;margin:4px 0 10px;font-size:13px}.filter .on{color:#1f3a5f}
.advisories h2{color:#92400e}
.spark{display:block}
.btn{display:inline-block;padding:6px 14px;border:1px solid #c3ccd6;border-radius:4px;background:#fff;color:#1f3a5f;font:inherit;cursor:pointer;text-decoration:none}
.btn:hover{text-decoration:none;background:#f1f5fa}.btn.small{padding:2px 10px;font-size:12px}
.btn.primary{background:#1f5fa8;border-color:#1f5fa8;color:#fff}.btn.primary:hover{background:#174c88}
.btn[disabled]{opacity:.55;cursor:not-allowed}.btn.ghost{background:transparent;color:#cfe0f5;border-color:#5d7ea6}
.unit-head{display:flex;justify-content:space-between;gap:20px;background:#fff;border:1px solid #e1e6ec;border-radius:6px;padding:16px 18px;margin-bottom:16px}
.meta{display:flex;flex-wrap:wrap;gap:4px 16px;color:#52606d;font-size:13px}
.actions{display:flex;align-items:center;gap:10px;margin-top:12px;flex-wrap:wrap}
.status{font-size:13px}.status.bad{color:#b42318}.status.ok{color:#1e6b34}
.bar-track{height:6px;width:360px;max-width:100%;background:#e9edf2;border-radius:3px;margin-top:8px;overflow:hidden}
.bar-fill{display:block;height:100%;width:5%;background:#1f5fa8;transition:width .4s}
.score-box{min-width:170px;text-align:center;border-left:1px solid #e9edf2;padding-left:18px}
.score-box .big{font-size:40px;font-weight:bold;line-height:1.1}.sub{color:#616e7c;font-size:12px}
.find td:nth-child(3){max-width:520px}
.shot img{display:block;width:180px;max-height:120px;object-fit:cover;object-position:top left;border:1px solid #d5dce4;border-radius:3px}
.ext{word-break:break-all}
.warn-row td{background:#fffaf0}
.warn-list{margin:0;padding-left:18px}
.review-actions{margin-top:6px;display:flex;gap:6px}
.review-state{margin-top:6px;display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px}.review-msg.ok{color:#1e6b34}.review-msg.bad{color:#b42318}
.mono{font-family:Consolas,monospace}pre.status{white-space:pre-wrap;font:inherit}
.rs-pending{background:#e9edf2;color:#3e4c59}.rs-confirmed{background:#fde2e2;color:#b42318}.rs-dismissed{background:#e3f4e8;color:#1e6b34}.rs-doubtful{background:#fff1d6;color:#8a5a00}
.rs-fixed{background:#e5edff;color:#1d4ed8}.rs-verified{background:#e3f4e8;color:#1e6b34}.rs-reopened{background:#fde2e2;color:#b42318}
.chart{display:block;max-width:100%;height:auto}.chart .grid line{stroke:#e9edf2}.chart text{font-size:11px;fill:#7b8794}.chart .pt circle{fill:#2f5d8a;stroke:#fff;stroke-width:1.5}
.alert{background:#fde2e2;color:#8a1c1c;padding:8px 12px;border-radius:4px}
.login{max-width:460px;margin:60px auto}.login form{display:flex;gap:8px}.login input{flex:1;padding:6px 10px;border:1px solid #c3ccd6;border-radius:4px}
.foot{text-align:center;color:#9aa5b1;font-size:12px;padding:10px 0 24px}
@media (max-width:900px){.cards{grid-template-columns:repeat(2,1fr)}.unit-head{flex-direction:column}.score-box{border-left:0;padding-left:0}}
`;
