import { z } from 'zod';
import type { LinkRef } from '../src/model/snapshot.ts';
import { defineRule, type Inconclusive, type RawFinding, type RuleContext, type RuleInput, type RuleResult } from './api.ts';
import { clip, hostOf, onPortal } from './lib/text.ts';

/**
 * 国办秘函〔2019〕19号《政府网站与政务新媒体检查指标》: links and attachments on
 * the unit's disclosure pages work. Broken only when the answer says the page
 * is gone — 404/410, a soft 404 the fetcher recognised, or a host of the units
 * file that no longer resolves; a wall (403/412), a busy server (429/5xx), a
 * reset or a timeout says only that the link could not be checked that night.
 */

const settings = z
  .object({
    /** The first (newest) articles of every judged column read for their links, besides those other rules read. */
    articlesPerColumn: z.number().int().min(1).max(200).default(5),
    /** Distinct links checked at most per unit (the rest is reported as not checked). */
    maxLinks: z.number().int().min(1).max(5000).default(300),
    /**
     * Links to other sites too (where the network policy lets the tool check them: --allow-host, public
     * addresses). Off by default: the indicator is about the unit's own site, and a third party's site is
     * neither the unit's to mend nor ours to load with requests.
     */
    offPortal: z.boolean().default(false),
  })
  .strict();

type Settings = z.output<typeof settings>;
type Check = NonNullable<LinkRef['check']>;
type State = 'ok' | 'broken' | 'unknown';

export default defineRule({
  meta: {
    id: 'dead-link',
    indicator: '不可用链接（国办秘函〔2019〕19号）',
    title: '链接和附件可以打开',
    description:
      '检查单位信息公开页面（各栏目抽查的文章及其他规则读取的页面）正文中的链接和附件，以及栏目列表中已打开的条目：返回404/410、显示“页面不存在”，或本门户域名无法解析的，记为不可用链接。403/412拦截、429/5xx繁忙、连接重置、超时只说明当晚未能打开，记为无法判断。只检查本门户网站的链接（可设置为同时检查其他网站），每个链接每次只访问一次。',
    codes: { broken: '链接无法打开（不可用链接）' },
    settings,
    needs: (s) => [
      { kind: 'articles', columns: 'judged', max: s.articlesPerColumn, links: 'check', maxLinkChecks: s.maxLinks, linkScope: s.offPortal ? 'any' : 'portal' },
    ],
    observed: {
      where: '链接位置',
      pageTitle: '所在页面',
      linkText: '链接文字',
      linkUrl: '链接地址',
      linkStatus: '状态码',
      linkError: '错误',
    },
  },
  run,
});

/** What a check says about the link itself. */
function stateOf(check: Check, url: string, hosts: readonly string[]): State {
  if (check.ok) return 'ok';
  if (check.kind === 'soft-404' || check.status === 404 || check.status === 410) return 'broken';
  // Our resolver failing on a third party's name is not proof; the county's own host not resolving is.
  if (check.kind === 'dns') return onPortal(url, hosts) ? 'broken' : 'unknown';
  // Answered 2xx, but we could not read or decode it: a reader would have got the page.
  const answered = check.status !== null && check.status >= 200 && check.status < 300;
  if (answered && (check.kind === 'too-large' || check.kind === 'decode' || check.kind === 'parse')) return 'ok';
  return 'unknown';
}

function why(check: Check, url: string): string {
  if (check.kind === 'soft-404') return '页面显示“页面不存在”';
  if (check.kind === 'dns') return `域名 ${hostOf(url)?.hostname ?? url} 无法解析`;
  return check.status ? `HTTP ${check.status}` : (check.error ?? '无应答');
}

/** One link seen on one page. */
interface Seen {
  page: string;
  pageTitle: string;
  column?: string;
  where: '正文链接' | '列表条目';
  url: string;
  text: string;
  check?: Check;
}

function run({ snapshot, columns }: RuleInput, ctx: RuleContext<Settings>): RuleResult {
  const s = ctx.settings;
  const inScope = (url: string) => /^https?:/i.test(url) && (s.offPortal || onPortal(url, ctx.portalHosts));
  // Pages in the order the office reads them: columns in tree order, items in list order.
  const order = new Map<string, number>();
  snapshot.columns.forEach((c, i) => c.items.forEach((it, j) => order.has(it.url) || order.set(it.url, i * 1e6 + j)));
  const seen: Seen[] = [];
  const pairs = new Set<string>();
  const add = (x: Seen) => {
    const key = `${x.page}\u0000${x.url}`;
    if (pairs.has(key) || !inScope(x.url)) return;
    pairs.add(key);
    seen.push(x);
  };

  // The pages this rule asked the crawl for: a link on them without a check was left out by a bound.
  const sample = new Set(
    columns.filter((f) => f.judged).flatMap((f) => f.column.items.slice(0, s.articlesPerColumn).filter((i) => !i.scriptOnly).map((i) => i.url)),
  );
  const articles = Object.values(snapshot.articles)
    .filter((a) => a.fetched)
    .sort((a, b) => (order.get(a.url) ?? Infinity) - (order.get(b.url) ?? Infinity) || a.url.localeCompare(b.url));
  for (const a of articles) {
    for (const l of a.links) {
      // Links of pages read for other rules count when checked; only the sample's unchecked links are missing.
      if (l.check || sample.has(a.url)) add({ page: a.url, pageTitle: a.title, column: a.column, where: '正文链接', url: l.url, text: l.text, ...(l.check ? { check: l.check } : {}) });
    }
  }
  // A list's own links: the items whose article the crawl opened (for this or another rule).
  for (const c of snapshot.columns) {
    for (const it of c.items) {
      const a = snapshot.articles[it.url];
      if (!a || it.scriptOnly) continue;
      const f = a.failure;
      const check: Check = a.fetched || !f ? { status: 200, ok: true } : { status: f.status ?? null, ok: false, error: f.reason, kind: f.kind };
      add({ page: c.url, pageTitle: c.key, column: c.key, where: '列表条目', url: it.url, text: it.title, check });
    }
  }

  const findings: RawFinding[] = [];
  const unsure = new Map<string, Seen[]>();
  const unchecked = new Set<string>();
  for (const x of seen) {
    if (!x.check) {
      unchecked.add(x.url);
      continue;
    }
    const state = stateOf(x.check, x.url, ctx.portalHosts);
    if (state === 'ok') continue;
    if (state === 'unknown') {
      unsure.set(x.page, [...(unsure.get(x.page) ?? []), x]);
      continue;
    }
    const label = clip(x.text || x.url);
    findings.push({
      rule: 'dead-link',
      code: 'broken',
      url: x.page,
      ...(x.column !== undefined ? { column: x.column } : {}),
      message:
        x.where === '列表条目'
          ? `栏目“${x.pageTitle}”列表中的“${label}”无法打开（${why(x.check, x.url)}）`
          : `页面“${clip(x.pageTitle || x.page)}”中的链接“${label}”无法打开（${why(x.check, x.url)}）`,
      observed: {
        where: x.where,
        pageTitle: x.pageTitle,
        linkText: x.text,
        linkUrl: x.url,
        linkStatus: x.check.status,
        ...(x.check.error ? { linkError: x.check.error } : {}),
      },
      highlight: x.text || x.url,
    });
  }

  const inconclusive: Inconclusive[] = [];
  for (const [page, xs] of unsure) {
    const shown = xs.slice(0, 3).map((x) => `“${clip(x.text || x.url, 20)}”（${x.check?.error ?? why(x.check!, x.url)}）`);
    const more = xs.length > 3 ? `等 ${xs.length} 个链接` : '';
    inconclusive.push({
      rule: 'dead-link',
      url: page,
      ...(xs[0]!.column !== undefined ? { column: xs[0]!.column } : {}),
      codes: ['broken'],
      reason: `页面“${clip(xs[0]!.pageTitle || page)}”中的链接${shown.join('、')}${more}未能检查，不能判断是否可以打开`,
    });
  }
  if (unchecked.size > 0) {
    inconclusive.push({
      rule: 'dead-link',
      url: snapshot.unit.url,
      codes: ['broken'],
      reason: `抽查页面上另有 ${unchecked.size} 个链接未检查（超过每个单位 ${s.maxLinks} 个链接、每页链接数或抓取用时的上限）`,
    });
  }
  return { findings, inconclusive, assessed: seen.length > 0 };
}
