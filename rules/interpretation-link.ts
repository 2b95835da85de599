import { z } from 'zod';
import type { ArticleSnapshot, LinkRef } from '../src/model/snapshot.ts';
import { columnMatches, defineRule, type Inconclusive, type RawFinding, type RuleContext, type RuleInput } from './api.ts';
import { columnKeywords, regexString } from './lib/settings.ts';
import { clip, compact, escapeRegex, hostOf, onPortal, yearOf } from './lib/text.ts';

const settings = z
  .object({
    columns: columnKeywords(['政策解读', '解读']),
    /** A title is an interpretation when it contains one of these… */
    titleKeywords: z.array(z.string()).min(1).default(['解读', '图解', '一图读懂', '答记者问']),
    /** …and does not end with one of these (then it is the policy document itself: 关于印发《政策解读工作制度》的通知). */
    policyTitleEndings: z.array(z.string()).default(['通知', '办法', '规定', '意见', '方案', '细则', '决定', '公告', '通告', '规划', '批复', '函', '制度']),
    /** Words in a link's text or context that mark it as the link to the original policy. */
    linkCues: z.array(z.string()).min(1).default(['原文', '政策原文', '原文链接', '相关文件', '附件', '相关政策', '文件全文', '政策文件']),
    /**
     * A 信息来源 naming the county's own bodies (checked first): 县、乡镇、林（垦殖）场、街道 —
     * not the 城/乡 of 城乡, 城镇, 乡村振兴.
     */
    ownSources: z.array(regexString).default(['县', '(^|[^城])镇', '(^|[^城])乡(?!村)', '(林|垦殖|农|茶|园艺)场', '街道']),
    /** A 信息来源 naming a higher-level body (国务院, 部委, 省, 设区的市): the interpretation is reposted. 市场/市民 are not 市. */
    higherSources: z.array(regexString).default(['国务院', '中共中央', '^国家', '部$', '部办公厅', '省', '自治区', '厅', '(^|[^城超都])市(?!场|民)']),
    /** Linked page titles that mean "not found" although the server answered 200. */
    notFoundTitles: z.array(z.string()).default(['404', '页面不存在', '页面未找到', '找不到', '已删除', '不存在或已']),
    /** A link check with no HTTP answer at all (timeout, network): inconclusive or broken. */
    noAnswer: z.enum(['inconclusive', 'broken']).default('inconclusive'),
  })
  .strict();

type Settings = z.output<typeof settings>;

export default defineRule({
  meta: {
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
    settings,
    needs: (s) => [{ kind: 'articles', columns: s.columns, links: 'read' }],
    observed: {
      title: '标题',
      published: '发布日期',
      source: '信息来源',
      bodyLinks: '正文链接数',
      plainMention: '正文提及（无链接）',
      linkUrl: '链接地址',
      linkText: '链接文字',
      linkStatus: '链接状态码',
      linkError: '链接错误',
      linkedSource: '链接页信息来源',
      linkHost: '链接站点',
    },
  },
  run,
});

// `[^《》]`: an unclosed 《 ends at the next one, so a run of them is not rescanned to the end for each.
const outsideBooks = (t: string) => t.replace(/《[^《》]*》/gu, '《》');

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
  const cited = [...t.matchAll(/《([^《》]+)》/gu)].map((m) => m[1]!);
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

/** The phrase that names the original without linking it (相关文件：…), for the screenshot. */
function plainMention(text: string, s: Settings): string | null {
  for (const cue of s.linkCues) {
    const m = new RegExp(`${escapeRegex(cue)}\\s*[：:]`, 'u').exec(text);
    if (m) return clip(text.slice(m.index), 40);
  }
  return null;
}

function run({ snapshot, columns: facts }: RuleInput, ctx: RuleContext<Settings>) {
  const s = ctx.settings;
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];
  const columns = facts.filter((f) => columnMatches(f.column.path, s.columns)).map((f) => f.column);
  let judged = 0;

  for (const column of columns) {
    if (column.status !== 'ok') {
      inconclusive.push({
        rule: 'interpretation-link',
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
      const at = { rule: 'interpretation-link', url: item.url, column: column.key };
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
        const forbidden = judgedLinks.find((j) => j.link.check?.kind === 'forbidden');
        const why = forbidden
          ? `指向内网、本机或本服务地址（${hostOf(forbidden.link.url)?.host ?? forbidden.link.url}），按网络访问规则未访问；如属可信网站，可用 --allow-host 放行后复查`
          : (judgedLinks.find((j) => j.state === 'unknown')?.link.check?.error ?? '未检查');
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

