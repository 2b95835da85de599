import { createHash } from 'node:crypto';
import type { Finding } from '../model/result.ts';
import { codeLabel, safeEvidencePath, safeHref } from '../report/format.ts';
import { esc, html, type Markup } from '../report/markup.ts';
import type { RuleCatalog } from '../model/result.ts';

/**
 * The 整改通知 the office sends each unit: its heading, the unit's confirmed
 * findings (确认 and 复查未通过; 误报 never appear) with their evidence, and
 * a reply column the unit fills in on paper or in the returned xlsx. One
 * standalone HTML file, printable on A4 (and printed to PDF by src/browser/pdf.ts).
 */

export interface NoticeItem {
  /** Short, stable finding number (问题编号): the returned xlsx names findings by it. */
  id: string;
  finding: Finding;
}

export interface NoticeDocument {
  /** The issuing office (county government office), as configured. */
  office: string;
  unit: { id: string; name: string };
  year: number;
  asOf: string;
  /** YYYY-MM-DD of issue. */
  issuedOn: string;
  /** YYYY-MM-DD the reply is due, when the office sets one. */
  replyBy?: string;
  items: NoticeItem[];
  rules?: RuleCatalog;
  /** Where evidence/ is relative to the notice file. */
  evidenceBase: string;
}

/** 问题编号: ten hex digits of the finding's identity (rule, code, column, address). */
export function findingNumber(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 10).toUpperCase();
}

function dateZh(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

export function renderNoticeHtml(doc: NoticeDocument): string {
  const rows: Markup[] = doc.items.map(({ id, finding: f }, i) => {
    const href = safeHref(f.url);
    const shot = f.evidence.screenshot ? safeEvidencePath(f.evidence.screenshot) : null;
    return html`<tr>
      <td class="num">${i + 1}</td>
      <td class="mono">${id}</td>
      <td>${f.indicator}<div class="sub">${codeLabel(doc.rules, f)}</div></td>
      <td>${f.message}${f.column ? html`<div class="sub">栏目：${f.column}</div>` : ''}<div class="url">${href ? html`<a href="${href}">${f.url}</a>` : f.url}</div></td>
      <td>${shot ? html`<img src="${doc.evidenceBase + shot}" alt="佐证截图">` : html`<span class="sub">${f.evidence.screenshotError ?? '—'}</span>`}</td>
      <td class="reply"></td>
    </tr>`;
  });
  const body = html`<header>
  <div class="office">${doc.office}</div>
  <h1>关于${doc.unit.name}政务公开过程测评问题整改的通知</h1>
</header>
<p class="to">${doc.unit.name}：</p>
<p>根据${doc.year}年度政务公开工作考评过程测评（测评基准日 ${dateZh(doc.asOf)}），经复核确认，你单位在县政府信息公开平台上存在以下 ${doc.items.length} 项问题。请逐项整改，在“整改情况”栏填写整改结果${
    doc.replyBy ? html`，并于 <b>${dateZh(doc.replyBy)}</b> 前` : '，并及时'
  }将整改情况表（随本通知下发的 xlsx 表格）报送${doc.office}。整改后，${doc.office}将重新核查。</p>
${doc.items.length
    ? html`<table>
  <colgroup><col class="c-no"><col class="c-id"><col class="c-ind"><col class="c-msg"><col class="c-shot"><col class="c-reply"></colgroup>
  <thead><tr><th>序号</th><th>问题编号</th><th>指标</th><th>问题描述及网址</th><th>佐证截图</th><th>整改情况</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`
    : html`<p class="none">经复核，你单位本次无需要整改的问题。</p>`}
<footer>
  <div class="sign">${doc.office}</div>
  <div class="sign">${dateZh(doc.issuedOn)}</div>
</footer>`;
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src * data:; base-uri 'none'; form-action 'none'">
<title>${esc(`整改通知 — ${doc.unit.name}`)}</title>
<style>${CSS}</style>
</head>
<body>
${body.text}
</body>
</html>
`;
}

const CSS = `
body{max-width:1000px;margin:0 auto;padding:24px;color:#1f2933;font:14px/1.7 "Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Zen Hei",SimSun,sans-serif}
header{text-align:center;border-bottom:3px solid #b91c1c;padding-bottom:10px;margin-bottom:18px}
.office{font-size:26px;font-weight:bold;color:#b91c1c;letter-spacing:4px}
h1{font-size:20px;margin:10px 0 0}
.to{font-weight:bold}
table{width:100%;border-collapse:collapse;font-size:12.5px;margin:10px 0}
th,td{border:1px solid #9aa5b1;padding:5px 6px;vertical-align:top;text-align:left}
thead th{background:#f3f4f6}
.num{text-align:right}
.mono{font-family:Consolas,monospace;font-size:11.5px}
.sub{color:#52606d;font-size:11.5px}
.url{word-break:break-all;font-size:11px;color:#1d4ed8}
.url a{color:inherit;text-decoration:none}
img{max-width:100%;max-height:55mm;border:1px solid #cbd2d9}
col.c-no{width:5%}col.c-id{width:11%}col.c-ind{width:14%}col.c-msg{width:34%}col.c-shot{width:22%}col.c-reply{width:14%}
.reply{background:#fff}
.none{font-weight:bold;color:#1e6b34}
footer{margin-top:36px;text-align:right}
.sign{margin:4px 0}
@page{size:A4;margin:16mm 14mm 18mm}
@media print{body{max-width:none;padding:0;font-size:10.5pt}thead{display:table-header-group}tr{break-inside:avoid}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;
