import { columnRoles } from '../src/judge/column-facts.ts';
import type { SchemeSettings } from '../src/config/scheme.ts';
import type { ArticleSnapshot, LinkRef } from '../src/model/snapshot.ts';
import { clip, compact, escapeRegex, hostOf, yearOf } from './text.ts';
import type { Inconclusive, RawFinding, RuleContext, RuleMeta, RuleResult, UnitSnapshot } from './types.ts';

export const meta: RuleMeta = {
  id: 'interpretation-link',
  indicator: '解读材料提供原政策文件网址链接',
  title: '政策解读链接原政策文件',
  description:
    '测评年度发布的每篇政策解读须在正文中链接原政策文件，链接须能打开，且原政策须是本县的（转载上级政策的解读扣分）。全年没有政策解读的单位不参与考核。',
  codes: {
    'no-link': '解读未提供原政策文件链接',
    'broken-link': '原政策文件链接失效',
    reposted: '解读的不是本县政策（转载）',
  },
  artifacts: ['columns', 'interpretation-articles', 'link-checks'],
};

type Settings = SchemeSettings['interpretation-link'];

const outsideBooks = (t: string) => t.replace(/《[^》]*》/gu, '《》');

/**
 * An interpretation, not the policy itself (the real columns mix both): a
 * keyword outside the 《》 of a cited title, and no policy ending unless the
 * title starts with the keyword (图解：…方案).
 */
export function isInterpretationTitle(title: string, s: Pick<Settings, 'titleKeywords' | 'policyTitleEndings'>): boolean {
  const t = outsideBooks(compact(title)).replace(/[(\[【][^()[\]【】]{0,10}[)\]】]$/u, '');
  if (!s.titleKeywords.some((k) => t.includes(k))) return false;
  if (s.titleKeywords.some((k) => t.startsWith(k))) return true;
  return !s.policyTitleEndings.some((e) => t.endsWith(e));
}

/** Names of the interpreted policy: the 《》 titles, else the title without 关于 … 的政策解读. */
export function policyNames(title: string): string[] {
  const t = compact(title);
  const cited = [...t.matchAll(/《([^》]+)》/gu)].map((m) => m[1]!);
  if (cited.length) return cited;
  const bare = t.replace(/^.*?关于/u, '').replace(/(的)?(政策)?(解读|图解)$/u, '');
  return bare && bare !== t ? [bare] : [];
}

/**
 * 文号 such as 宜府发〔2020〕12号 in a comparable form: the last two characters
 * of the issuer's prefix, the year and the number (办发[2020]12号), so that
 * a shortened or re-bracketed mention still matches.
 */
export function docNumbers(text: string): string[] {
  return [...compact(text).matchAll(/(\p{Script=Han}{2})[〔[(]([0-9]{4})[〕\])]([0-9]+)号/gu)].map((m) => `${m[1]}[${m[2]}]${m[3]}号`);
}

function sourceLevel(source: string | null | undefined, s: Settings): 'own' | 'higher' | 'unknown' {
  const t = compact(source ?? '');
  if (!t) return 'unknown';
  if (s.ownSources.some((re) => new RegExp(re, 'u').test(t))) return 'own';
  return s.higherSources.some((re) => new RegExp(re, 'u').test(t)) ? 'higher' : 'unknown';
}

const NOT_A_DOCUMENT = /\.(jpe?g|png|gif|bmp|webp)(\?|#|$)/iu;

function isOriginalLink(link: LinkRef, article: ArticleSnapshot, names: string[], numbers: string[], s: Settings): boolean {
  if (link.url === article.url || link.url === article.finalUrl || NOT_A_DOCUMENT.test(link.url)) return false;
  const text = compact(link.text);
  const around = compact(link.context);
  const linkedTitle = compact(link.check?.title ?? '');
  if (s.linkCues.some((c) => text.includes(c) || around.includes(c))) return true;
  const named = (n: string) =>
    n.length >= 4 && (text.includes(n) || around.includes(n) || linkedTitle.includes(n) || (text.length >= 6 && n.includes(text)));
  const linkNumbers = [...docNumbers(link.text), ...docNumbers(link.context)];
  return names.some(named) || numbers.some((d) => linkNumbers.includes(d));
}

type LinkState = 'ok' | 'broken' | 'unknown';

/** Answers that say the page is gone; any other failure (5xx, 429, 403/412 walls, resets) says only that the server did not serve it then. */
const GONE = new Set([404, 410]);

function linkState(link: LinkRef, s: Settings): LinkState {
  const c = link.check;
  if (!c) return 'unknown';
  if (c.ok) {
    const title = c.title ?? '';
    return s.notFoundTitles.some((w) => title.includes(w)) ? 'broken' : 'ok';
  }
  if ((c.status !== null && GONE.has(c.status)) || c.kind === 'soft-404' || c.kind === 'dns') return 'broken';
  // No answer at all (timeouts, network errors): the scheme says whether that counts as broken.
  const noAnswer = c.status === null && (c.kind === 'timeout' || c.kind === 'network');
  return noAnswer && s.noAnswer === 'broken' ? 'broken' : 'unknown';
}

function onPortal(url: string, hosts: readonly string[]): boolean {
  const h = hostOf(url);
  return h !== null && (hosts.includes(h.host) || hosts.includes(h.hostname));
}

/** The phrase that names the original without linking it (相关文件：…), for the screenshot. */
function plainMention(text: string, s: Settings): string | null {
  for (const cue of s.linkCues) {
    const m = new RegExp(`${escapeRegex(cue)}\\s*[：:]`, 'u').exec(text);
    if (m) return clip(text.slice(m.index), 40);
  }
  return null;
}

export function run(snapshot: UnitSnapshot, ctx: RuleContext): RuleResult {
  const s = ctx.scheme.settings['interpretation-link'];
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];
  const columns = snapshot.columns.filter((c) => columnRoles(c.path, ctx.scheme).includes('interpretation'));
  let judged = 0;

  for (const column of columns) {
    if (column.status !== 'ok') {
      inconclusive.push({
        rule: meta.id,
        url: column.url,
        column: column.key,
        reason: `政策解读栏目“${column.key}”未能完整读取，可能漏看部分解读`,
      });
    }
  }

  const seen = new Set<string>();
  for (const column of columns) {
    for (const item of column.items) {
      if (seen.has(item.url) || !isInterpretationTitle(item.title, s)) continue;
      seen.add(item.url);
      const article = snapshot.articles[item.url];
      const published = (article?.fetched ? article.published : null) ?? item.date;
      // An undated item cannot be placed in the evaluation year.
      if (!published || yearOf(published) !== ctx.year) continue;
      judged++;
      const at = { rule: meta.id, url: item.url, column: column.key };
      if (!article?.fetched) {
        inconclusive.push({ ...at, reason: `解读“${clip(item.title)}”页面无法读取` });
        continue;
      }
      const observed = { title: item.title, published, source: article.source };

      if (sourceLevel(article.source, s) === 'higher') {
        findings.push({
          ...at,
          code: 'reposted',
          message: `解读“${clip(item.title)}”的信息来源为“${article.source}”，解读的不是本县政策（转载）`,
          observed,
          highlight: article.source ?? item.title,
        });
        continue;
      }

      const names = policyNames(item.title);
      const numbers = docNumbers(`${item.title}。${article.text}`);
      const candidates = article.links.filter((l) => isOriginalLink(l, article, names, numbers, s));
      if (!candidates.length) {
        const mention = plainMention(article.text, s);
        findings.push({
          ...at,
          code: 'no-link',
          message: mention
            ? `解读“${clip(item.title)}”只以文字提及原政策文件，没有提供网址链接`
            : `解读“${clip(item.title)}”没有提供原政策文件的网址链接`,
          observed: { ...observed, bodyLinks: article.links.length, ...(mention ? { plainMention: mention } : {}) },
          highlight: mention ?? item.title,
        });
        continue;
      }

      const judgedLinks = candidates.map((link) => {
        const linked = snapshot.articles[link.url];
        const foreign = !onPortal(link.url, ctx.portalHosts) || sourceLevel(linked?.source, s) === 'higher';
        return { link, state: linkState(link, s), foreign, linkedSource: linked?.source ?? null };
      });
      if (judgedLinks.some((j) => j.state === 'ok' && !j.foreign)) continue;

      const linkObserved = (j: (typeof judgedLinks)[number]) => ({
        ...observed,
        linkUrl: j.link.url,
        linkText: j.link.text,
        linkStatus: j.link.check?.status ?? null,
        ...(j.link.check?.error ? { linkError: j.link.check.error } : {}),
        ...(j.linkedSource ? { linkedSource: j.linkedSource } : {}),
      });
      const foreignOk = judgedLinks.find((j) => j.state === 'ok');
      if (foreignOk) {
        const host = hostOf(foreignOk.link.url)?.host ?? foreignOk.link.url;
        findings.push({
          ...at,
          code: 'reposted',
          message: foreignOk.linkedSource
            ? `解读“${clip(item.title)}”链接的原政策来源为“${foreignOk.linkedSource}”，不是本县政策（转载）`
            : `解读“${clip(item.title)}”链接的原政策在其他网站（${host}），不是本县政策（转载）`,
          observed: { ...linkObserved(foreignOk), linkHost: host },
          highlight: foreignOk.link.text || item.title,
        });
      } else if (judgedLinks.some((j) => j.state === 'unknown')) {
        const why = judgedLinks.find((j) => j.state === 'unknown')?.link.check?.error ?? '未检查';
        inconclusive.push({ ...at, codes: ['broken-link', 'reposted'], reason: `解读“${clip(item.title)}”的原文链接未能检查（${why}），不作判断` });
      } else {
        const j = judgedLinks[0]!;
        const status = j.link.check?.status;
        findings.push({
          ...at,
          code: 'broken-link',
          message: `解读“${clip(item.title)}”的原政策文件链接无法打开（${status ? `HTTP ${status}` : j.link.check?.error ?? '页面不存在'}）`,
          observed: linkObserved(j),
          highlight: j.link.text || item.title,
        });
      }
    }
  }

  const unsure = columns.some((c) => c.status !== 'ok');
  return { findings, inconclusive, assessed: judged > 0 || unsure };
}

export const rule = { meta, run };
