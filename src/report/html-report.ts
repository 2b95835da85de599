import type { AuditReport, Finding, InconclusiveCheck, RuleCatalog, UnitResult } from '../model/result.ts';
import {
  ADVISORY_NOTE,
  COLUMN_STATUS_LABEL,
  UNIT_STATUS_LABEL,
  UNIT_TYPE_LABEL,
  advisoryCount,
  advisoryGroups,
  advisoryRules,
  codeLabel,
  fmtInstant,
  fmtNum,
  label,
  observedFacts,
  openFindings,
  rankedUnits,
  ruleLabel,
  safeEvidencePath,
  safeHref,
  schemeTitle,
  unitDeducted,
  waivedFindings,
  type RankedUnit,
} from './format.ts';
import { esc, html, type Markup } from './markup.ts';
import { todayInShanghai } from '../lib/time.ts';

/**
 * The report as one standalone HTML file: inline CSS, no script, no external
 * asset, printable on A4. Every value from the report (much of it crawled
 * text) goes through the escaping template of markup.ts.
 */

export interface HtmlReportOptions {
  /** Render the report sent to this one unit: only its section, plus where it ranks. */
  unitId?: string;
  /** Where evidence/ is from the HTML file: '' beside it (report.html), '../' from a sub-directory such as units/. */
  evidenceBase?: '' | '../';
}

export function renderHtmlReport(report: AuditReport, opts: HtmlReportOptions = {}): string {
  const ranked = rankedUnits(report);
  const title = schemeTitle(report);
  let body: Markup;
  let docTitle: string;
  if (opts.unitId !== undefined) {
    const index = ranked.findIndex((r) => r.unit.id === opts.unitId);
    if (index < 0) throw new Error(`报告中没有编号为 ${opts.unitId} 的单位`);
    const entry = ranked[index]!;
    docTitle = `${title} — ${entry.unit.name}`;
    body = html`${cover(report, entry.unit.name, '过程测评扣分情况')}
${header(report, `${entry.unit.name} 过程测评扣分情况`)}
<section class="summary">
  <p class="standing">在参加测评的 ${ranked.length} 个单位中排名第 <b>${entry.rank}</b> 位。</p>
  ${summaryTable(report, [entry], false)}
</section>
${unitSection(report, entry, index, false, opts.evidenceBase ?? '')}
${footer()}`;
  } else {
    docTitle = title;
    body = html`${cover(report, null, '过程测评结果报告')}
${header(report, '过程测评结果报告')}
<section class="summary">
  <h2>测评结果汇总</h2>
  <p class="note">共 ${ranked.length} 个单位参加过程测评。过程测评满分 100 分，按 ${fmtNum(report.weight * 100)}% 折算计入年度考评总分。无法判定的检查不扣分。</p>
  ${summaryTable(report, ranked, true)}
  ${scoreBars(ranked)}
</section>
${advisorySummary(report, ranked)}
${ranked.map((entry, i) => unitSection(report, entry, i, true, opts.evidenceBase ?? ''))}
${footer()}`;
  }
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src * data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(docTitle)}</title>
<style>${CSS}</style>
<style>${pageMarginCss(docTitle)}</style>
</head>
<body${opts.unitId !== undefined ? ' class="single"' : ''}>
${body.text}
</body>
</html>
`;
}

/** A CSS string literal: no quote, backslash or line break of the text ends it, no `<` closes the style element. */
function cssString(text: string): string {
  return `"${text.replace(/[\\"<>\n\r\f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}"`;
}

/**
 * Printed pages (the browser's 打印 and the PDF alike): the report's title at
 * the top of each page and 第 N 页 / 共 M 页 at the bottom, none on the cover.
 */
function pageMarginCss(title: string): string {
  const box = 'font-size:8pt;color:#7b8794;font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif';
  return `@page{@top-center{content:${cssString(title.slice(0, 120))};${box}}@bottom-center{content:"第 " counter(page) " 页 / 共 " counter(pages) " 页";${box}}}
@page:first{@top-center{content:none}@bottom-center{content:none}}`;
}

/** 出具日期 as printed on a cover: 2021年1月20日 (Shanghai date of the report's making). */
function coverDate(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const [y, m, d] = todayInShanghai(new Date(t)).split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

/** The cover page (报告封面), printed only: county, title, what the report is, year, as-of date, issuing office and date. */
function cover(report: AuditReport, unitName: string | null, what: string): Markup {
  return html`<section class="cover" aria-hidden="true">
  ${report.county ? html`<div class="cover-county">${report.county}</div>` : ''}
  <div class="cover-title">${schemeTitle(report)}</div>
  ${unitName !== null ? html`<div class="cover-unit">${unitName}</div>` : ''}
  <div class="cover-what">${what}</div>
  <dl class="cover-meta">
    <div><dt>考评年度</dt><dd>${report.year} 年</dd></div>
    <div><dt>测评基准日</dt><dd>${report.asOf}</dd></div>
    ${report.issuer ? html`<div><dt>出具单位</dt><dd>${report.issuer}</dd></div>` : ''}
    <div><dt>出具日期</dt><dd>${coverDate(report.generatedAt)}</dd></div>
  </dl>
</section>`;
}

function header(report: AuditReport, subtitle: string): Markup {
  return html`<header class="doc-head">
  <h1>${schemeTitle(report)}</h1>
  <p class="subtitle">${subtitle}</p>
  <dl class="doc-meta">
    <div><dt>考评年度</dt><dd>${report.year} 年</dd></div>
    <div><dt>测评基准日</dt><dd>${report.asOf}</dd></div>
    <div><dt>生成时间</dt><dd>${fmtInstant(report.generatedAt)}</dd></div>
    <div><dt>考评方案</dt><dd>${report.scheme}</dd></div>
  </dl>
</header>`;
}

function footer(): Markup {
  return html`<footer class="doc-foot">本报告由 zwgk-audit 根据政府信息公开平台页面自动核查生成，佐证截图与链接见各问题条目；扣分标准以考评方案为准，对结论有异议的可申请复核。</footer>`;
}

function statusTag(u: UnitResult): Markup {
  return html`<span class="tag status-${u.status === 'ok' ? 'ok' : u.status === 'partial' ? 'partial' : 'bad'}">${label(UNIT_STATUS_LABEL, u.status)}</span>`;
}

function summaryTable(report: AuditReport, rows: RankedUnit[], linked: boolean): Markup {
  return html`<table class="rank-table">
  <thead><tr><th class="num">排名</th><th>单位</th><th>类型</th><th>状态</th><th class="num">过程测评得分</th><th class="num">扣分</th><th class="num">折算得分<br><small>（×${fmtNum(report.weight)}）</small></th><th class="num">问题数</th><th class="num">无法判定</th><th class="num">提示</th></tr></thead>
  <tbody>
  ${rows.map(({ unit, rank }, i) => {
    const name = linked ? html`<a href="#u-${i + 1}">${unit.name}</a>` : html`${unit.name}`;
    return html`<tr>
    <td class="num">${rank}</td><td>${name}</td><td>${label(UNIT_TYPE_LABEL, unit.type)}</td><td>${statusTag(unit)}</td>
    <td class="num strong">${fmtNum(unit.score)}</td><td class="num">${fmtNum(unitDeducted(unit))}</td><td class="num">${fmtNum(unit.weighted)}</td>
    <td class="num">${openFindings(unit).length}</td><td class="num">${unit.inconclusive.length}</td><td class="num">${advisoryCount(unit)}</td>
  </tr>`;
  })}
  </tbody>
</table>`;
}

function scoreBand(score: number): string {
  if (score >= 90) return 'good';
  if (score >= 80) return 'fair';
  if (score >= 60) return 'warn';
  return 'poor';
}

function scoreBars(ranked: RankedUnit[]): Markup {
  return html`<figure class="bars" aria-label="过程测评得分对比">
  <figcaption>过程测评得分对比（满分 100）</figcaption>
  ${ranked.map(({ unit }) => {
    const width = Math.min(100, Math.max(0, Number.isFinite(unit.score) ? unit.score : 0)).toFixed(1);
    return html`<div class="bar-row"><span class="bar-label">${unit.name}</span><span class="bar-track"><span class="bar band-${scoreBand(unit.score)}" style="width:${width}%"></span></span><span class="bar-value">${fmtNum(unit.score)}</span></div>`;
  })}
</figure>`;
}

/** A link when the address is safe to link to, otherwise the address as plain text. */
function link(url: string, text?: string): Markup {
  const href = safeHref(url);
  if (!href) return html`<span class="url unsafe">${text ?? url}</span>`;
  if (text !== undefined) return html`<a class="print-href" href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`;
  return html`<a class="url" href="${href}" target="_blank" rel="noopener noreferrer">${readableUrl(url)}</a>`;
}

/** Percent-encoded Chinese paths shown as characters; the href keeps the encoded form. */
function readableUrl(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

function unitSection(report: AuditReport, { unit, rank }: RankedUnit, index: number, showRank: boolean, evidenceBase: string): Markup {
  const active = openFindings(unit);
  const waived = waivedFindings(unit);
  return html`<section class="unit" id="u-${index + 1}">
  <h2>${showRank ? html`<span class="rank-badge">第 ${rank} 名</span>` : ''}${unit.name}</h2>
  <div class="unit-head">
    <dl class="unit-meta">
      <div><dt>单位编号</dt><dd>${unit.id}</dd></div>
      <div><dt>类型</dt><dd>${label(UNIT_TYPE_LABEL, unit.type)}</dd></div>
      <div><dt>状态</dt><dd>${statusTag(unit)}</dd></div>
      <div><dt>核查时间</dt><dd>${unit.crawledAt ? fmtInstant(unit.crawledAt) : '—'}</dd></div>
      <div class="wide"><dt>公开目录</dt><dd>${link(unit.url)}</dd></div>
    </dl>
    <div class="score-box band-${scoreBand(unit.score)}">
      <div class="score">${fmtNum(unit.score)}</div><div class="score-label">过程测评得分</div>
      <div class="score-sub">扣 ${fmtNum(unitDeducted(unit))} 分 · 折算 ${fmtNum(unit.weighted)} 分</div>
    </div>
  </div>
  ${unit.status === 'unreachable' ? html`<p class="alert">该单位公开目录首页本次无法访问，相关检查无法判定，不作扣分；请核实后重新测评。</p>` : ''}
  ${indicatorTable(unit)}
  <h3>扣分问题（${active.length} 项）</h3>
  ${active.length ? findingsTable(active, evidenceBase, report.rules) : html`<p class="empty">未发现扣分问题。</p>`}
  ${waived.length ? html`<h3>已豁免问题（${waived.length} 项）</h3>${waivedTable(waived, report.rules)}` : ''}
  ${advisorySection(unit, evidenceBase, report.rules)}
  ${unit.inconclusive.length ? html`<h3>无法判定的检查（${unit.inconclusive.length} 项）</h3>
  <p class="note">以下检查因页面无法访问等原因无法判定，不作扣分。</p>${inconclusiveTable(unit.inconclusive, report.rules)}` : ''}
  ${unit.columns?.length ? columnsTable(unit) : ''}
</section>`;
}

function indicatorTable(unit: UnitResult): Markup {
  if (!unit.indicators.length) return html``;
  return html`<h3>指标得分</h3>
  <table class="ind-table">
    <thead><tr><th>指标</th><th class="num">分值</th><th class="num">扣分</th><th>是否参与考核</th></tr></thead>
    <tbody>${unit.indicators.map(
      (i) => html`<tr><td>${i.name}${i.note ? html`<div class="sub strong">${i.note}</div>` : ''}</td><td class="num">${fmtNum(i.points)}</td><td class="num">${fmtNum(i.deducted)}</td><td>${
        i.assessed ? '参与考核' : html`<span class="muted">未参与考核，按平均扣分</span>`
      }</td></tr>`,
    )}</tbody>
  </table>`;
}

function describe(f: Finding, catalog: RuleCatalog | undefined): Markup {
  const facts = observedFacts(f, catalog);
  return html`<div class="msg">${f.message}</div>
  ${f.column ? html`<div class="sub">栏目：${f.column}</div>` : ''}
  ${facts.length ? html`<ul class="facts">${facts.map((x) => html`<li><span>${x.label}：</span>${x.value}</li>`)}</ul>` : ''}
  ${f.review?.decision === 'confirmed' ? html`<div class="sub review">已复核确认：${f.review.reason}</div>` : ''}`;
}

function screenshotCell(f: Finding, evidenceBase: string): Markup {
  const path = f.evidence.screenshot ? safeEvidencePath(f.evidence.screenshot) : null;
  if (path) {
    const src = evidenceBase + path;
    return html`<a class="shot print-href" href="${src}" target="_blank" rel="noopener"><img src="${src}" alt="佐证截图"></a>`;
  }
  if (f.evidence.screenshotError) return html`<span class="muted">未截图：${f.evidence.screenshotError}</span>`;
  return html`<span class="muted">—</span>`;
}

function findingHead(f: Finding, catalog: RuleCatalog | undefined): Markup {
  return html`<div>${f.indicator}</div><div class="sub">${codeLabel(catalog, f)}</div>`;
}

function findingsTable(findings: Finding[], evidenceBase: string, catalog: RuleCatalog | undefined): Markup {
  return html`<table class="find-table">
    <colgroup><col class="c-ind"><col class="c-num"><col class="c-msg"><col class="c-url"><col class="c-shot"></colgroup>
    <thead><tr><th>指标</th><th class="num">扣分</th><th>问题描述</th><th>链接</th><th>截图</th></tr></thead>
    <tbody>${findings.map(
      (f) => html`<tr>
      <td>${findingHead(f, catalog)}</td>
      <td class="num strong">${f.inJump ? html`<div class="sub">计入本项直接扣分</div>` : html`${fmtNum(f.deduction)}${f.deduction === 0 ? html`<div class="sub">已达扣分上限</div>` : ''}`}</td>
      <td>${describe(f, catalog)}</td>
      <td class="url-cell">${link(f.url)}</td>
      <td class="shot-cell">${screenshotCell(f, evidenceBase)}</td>
    </tr>`,
    )}</tbody>
  </table>`;
}

function waivedTable(findings: Finding[], catalog: RuleCatalog | undefined): Markup {
  return html`<table class="find-table waived">
    <colgroup><col class="c-ind"><col class="c-num"><col class="c-msg"><col class="c-url"><col class="c-shot"></colgroup>
    <thead><tr><th>指标</th><th class="num">扣分</th><th>问题描述</th><th>链接</th><th>豁免理由</th></tr></thead>
    <tbody>${findings.map(
      (f) => html`<tr>
      <td>${findingHead(f, catalog)}</td>
      <td class="num">${fmtNum(f.deduction)}<div class="sub"><span class="tag status-ok">${f.reviewState?.state === 'dismissed' ? '误报' : '已豁免'}</span></div></td>
      <td>${describe(f, catalog)}</td>
      <td class="url-cell">${link(f.url)}</td>
      <td>${f.review?.reason ?? ''}</td>
    </tr>`,
    )}</tbody>
  </table>`;
}

/** 提示汇总: how many advisories each unit has, per rule (units without any are left out). */
function advisorySummary(report: AuditReport, ranked: RankedUnit[]): Markup {
  const rules = advisoryRules(report);
  const rows = ranked.filter(({ unit }) => advisoryCount(unit) > 0);
  if (!rows.length) return html``;
  return html`<section class="advisories" id="advisories">
  <h2>提示汇总</h2>
  <p class="note">${ADVISORY_NOTE}</p>
  <table class="adv-table">
    <thead><tr><th>单位</th>${rules.map((r) => html`<th class="num">${r.title}</th>`)}<th class="num">合计</th></tr></thead>
    <tbody>${rows.map(({ unit }) => {
      const groups = advisoryGroups(unit, report.rules);
      const count = (rule: string) => groups.find((g) => g.rule === rule)?.findings.length ?? 0;
      return html`<tr><td><a href="#u-${ranked.findIndex((r) => r.unit === unit) + 1}">${unit.name}</a></td>${rules.map((r) => html`<td class="num">${count(r.rule) || '—'}</td>`)}<td class="num strong">${advisoryCount(unit)}</td></tr>`;
    })}</tbody>
  </table>
</section>`;
}

/** A unit's 提示, grouped by rule with counts, apart from the deductions. */
function advisorySection(unit: UnitResult, evidenceBase: string, catalog: RuleCatalog | undefined): Markup {
  const groups = advisoryGroups(unit, catalog);
  if (!groups.length) return html``;
  return html`<h3 class="adv-head">提示（${advisoryCount(unit)} 项，不扣分）</h3>
  <p class="note">${ADVISORY_NOTE}</p>
  ${groups.map(
    (g) => html`<h4>${g.title}（${g.findings.length} 项）</h4>
  <table class="find-table adv">
    <colgroup><col class="c-ind"><col class="c-msg-wide"><col class="c-url"><col class="c-shot"></colgroup>
    <thead><tr><th>问题类型</th><th>问题描述</th><th>链接</th><th>截图</th></tr></thead>
    <tbody>${g.findings.map(
      (f) => html`<tr>
      <td><span class="tag adv-tag">提示</span><div class="sub">${codeLabel(catalog, f)}</div></td>
      <td>${describe(f, catalog)}</td>
      <td class="url-cell">${link(f.url)}</td>
      <td class="shot-cell">${screenshotCell(f, evidenceBase)}</td>
    </tr>`,
    )}</tbody>
  </table>`,
  )}`;
}

function inconclusiveTable(checks: InconclusiveCheck[], catalog: RuleCatalog | undefined): Markup {
  return html`<table class="inc-table">
    <thead><tr><th>检查项</th><th>栏目</th><th>结论</th><th>原因</th><th>链接</th></tr></thead>
    <tbody>${checks.map(
      (c) => html`<tr><td>${ruleLabel(catalog, c.rule)}</td><td>${c.column ?? '—'}</td><td><span class="tag status-partial">无法判定</span></td><td>${c.reason}</td><td class="url-cell">${link(c.url)}</td></tr>`,
    )}</tbody>
  </table>`;
}

function columnsTable(unit: UnitResult): Markup {
  return html`<h3>栏目概况（${unit.columns!.length} 个栏目）</h3>
  <table class="col-table">
    <thead><tr><th>栏目</th><th>类别</th><th>最新信息日期</th><th class="num">条数</th><th>状态</th></tr></thead>
    <tbody>${unit.columns!.map(
      (c) => html`<tr class="col-${c.status === 'ok' ? 'ok' : 'issue'}"><td>${link(c.url, c.key)}</td><td>${c.categoryLabel ?? c.category}</td><td>${c.newest ?? '无信息'}</td><td class="num">${c.items}</td><td>${label(COLUMN_STATUS_LABEL, c.status)}</td></tr>`,
    )}</tbody>
  </table>`;
}

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:1180px;padding:24px 28px 40px;color:#1f2933;background:#fff;
  font:14px/1.6 "Microsoft YaHei","PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Zen Hei","WenQuanYi Micro Hei",SimSun,sans-serif}
h1{font-size:24px;margin:0 0 4px;color:#9b1c1c;letter-spacing:1px}
h2{font-size:19px;margin:0 0 12px;padding-bottom:6px;border-bottom:2px solid #9b1c1c}
h3{font-size:15px;margin:22px 0 8px;padding-left:8px;border-left:4px solid #9b1c1c}
a{color:#1d4ed8;text-decoration:none}
a:hover{text-decoration:underline}
.doc-head{text-align:center;padding-bottom:14px;margin-bottom:20px;border-bottom:3px double #9b1c1c}
.subtitle{font-size:17px;margin:2px 0 10px;font-weight:bold}
dl{margin:0}
.doc-meta{display:flex;flex-wrap:wrap;justify-content:center;gap:4px 26px;color:#52606d;font-size:13px}
.doc-meta div,.unit-meta div{display:flex;gap:6px}
dt{color:#7b8794}
dd{margin:0}
.note{color:#52606d;font-size:13px;margin:4px 0 10px}
.standing{font-size:16px}
table{width:100%;border-collapse:collapse;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid #cbd2d9;padding:5px 7px;vertical-align:top;text-align:left}
thead th{background:#f3e8e8;color:#5b1010;font-weight:bold;white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.strong{font-weight:bold}
.sub{color:#616e7c;font-size:12px}
.muted{color:#7b8794;font-size:12px}
.url,.url-cell a,.url-cell span{word-break:break-all;font-size:12px}
.unsafe{color:#7b8794}
.tag{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px;white-space:nowrap}
.status-ok{background:#e3f4e8;color:#1e6b34}
.status-partial{background:#fff3d6;color:#8a5a00}
.status-bad{background:#fde2e2;color:#9b1c1c}
.bars{margin:18px 0 0;padding:12px 14px;border:1px solid #e4e7eb;border-radius:4px}
.bars figcaption{font-weight:bold;margin-bottom:8px}
.bar-row{display:flex;align-items:center;gap:10px;margin:4px 0;font-size:13px}
.bar-label{flex:0 0 190px;text-align:right;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar-track{flex:1;height:16px;background:#eef0f3;border-radius:2px;overflow:hidden}
.bar{display:block;height:100%}
.bar-value{flex:0 0 44px;font-variant-numeric:tabular-nums}
.bar.band-good{background:#2f9e55}.band-good .score{color:#1e6b34}
.bar.band-fair{background:#3b82f6}.band-fair .score{color:#1d4ed8}
.bar.band-warn{background:#f59e0b}.band-warn .score{color:#b45309}
.bar.band-poor{background:#dc2626}.band-poor .score{color:#9b1c1c}
.unit{margin-top:36px}
.rank-badge{display:inline-block;margin-right:10px;padding:1px 8px;font-size:14px;color:#fff;background:#9b1c1c;border-radius:3px;vertical-align:3px}
.unit-head{display:flex;gap:20px;align-items:stretch}
.unit-meta{flex:1;display:grid;grid-template-columns:1fr 1fr;gap:4px 20px;font-size:13px}
.unit-meta .wide{grid-column:1/3}
.score-box{flex:0 0 190px;text-align:center;border:1px solid #e4e7eb;border-radius:4px;padding:8px}
.score-box .score{font-size:34px;font-weight:bold;line-height:1.1}
.score-label{font-size:12px;color:#52606d}
.score-sub{font-size:12px;color:#52606d;margin-top:4px}
.alert{background:#fde2e2;color:#9b1c1c;padding:8px 12px;border-radius:4px}
.empty{color:#1e6b34}
.msg{font-weight:500}
.facts{margin:4px 0 0;padding-left:16px;font-size:12px;color:#3e4c59}
.facts span{color:#7b8794}
.review{color:#1e6b34}
col.c-ind{width:15%}col.c-num{width:6%}col.c-msg{width:39%}col.c-msg-wide{width:45%}col.c-url{width:22%}col.c-shot{width:18%}
h4{font-size:14px;margin:14px 0 6px;color:#8a5a00}
.adv-head{border-left-color:#d97706}
.adv-tag{background:#fff3d6;color:#8a5a00}
.advisories{margin-top:28px}
.advisories h2{border-bottom-color:#d97706}
.shot{display:block}
.shot img{display:block;width:100%;max-width:200px;height:auto;border:1px solid #cbd2d9}
.find-table.waived{color:#52606d}
.col-table tr.col-issue td:last-child{color:#9b1c1c;font-weight:bold}
.doc-foot{margin-top:40px;padding-top:10px;border-top:1px solid #cbd2d9;color:#7b8794;font-size:12px;text-align:center}
.cover{display:none}
@page{size:A4;margin:16mm 12mm 16mm}
@media print{
  body{max-width:none;padding:0;font-size:10.5pt}
  .cover{display:flex;flex-direction:column;align-items:center;justify-content:center;height:250mm;break-after:page;text-align:center}
  .cover-county{font-size:20pt;letter-spacing:6px;color:#52606d;margin-bottom:10mm}
  .cover-title{font-size:22pt;font-weight:bold;color:#9b1c1c;line-height:1.4;max-width:180mm}
  .cover-unit{font-size:20pt;font-weight:bold;margin-top:8mm}
  .cover-what{font-size:18pt;margin:8mm 0 40mm}
  .cover-meta{display:grid;grid-template-columns:auto auto;gap:3mm 8mm;font-size:13pt;text-align:left}
  .cover-meta div{display:contents}
  .doc-head{display:none}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  table{font-size:9pt}
  thead{display:table-header-group}
  tr,.bar-row,.unit-head,.score-box{break-inside:avoid}
  h2,h3{break-after:avoid}
  .unit{break-before:page;margin-top:0}
  .single .unit{break-before:auto;margin-top:24px}
  a{color:#1f2933}
  a.print-href::after{content:" " attr(href);display:block;font-size:7.5pt;color:#52606d;word-break:break-all}
  .shot img{max-width:100%;max-height:60mm;object-fit:contain;object-position:left top}
  img{max-width:100%}
}
`;
