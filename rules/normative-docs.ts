import { z } from 'zod';
import type { ArticleSnapshot, ListItem } from '../src/model/snapshot.ts';
import { columnMatches, defineRule, type Inconclusive, type RawFinding, type RuleContext, type RuleInput } from './api.ts';
import { columnKeywords, regexString } from './lib/settings.ts';
import { clip, compact, escapeRegex } from './lib/text.ts';

const settings = z
  .object({
    columns: columnKeywords(['规范性文件']),
    /** Items of the column that are not documents themselves (a 解读, a 清理结果 notice, a 目录). */
    notDocuments: z.array(z.string()).default(['解读', '图解', '清理', '目录', '答记者问']),
    /**
     * A validity stated in the text when no 有效性 field is shown: a period
     * (有效期5年, 有效期至2025年12月31日, 有效期为三年) or a state (现行有效, 已废止).
     */
    validityPhrases: z
      .array(regexString)
      .default([
        '有效期限?(?:为|至|到|[:：])?[^。；;\\n]{0,24}?(?:[0-9一二三四五六七八九十两]+\\s?年|[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日|止)',
        '现行有效|继续有效|已废止|已失效|宣布失效|全文废止|全文失效|部分失效',
      ]),
    /** File types that carry a document's text (an attachment link of one of them is a download). */
    downloadTypes: z.array(z.string().regex(/^[a-z0-9]+$/)).min(1).default(['pdf', 'doc', 'docx', 'wps', 'ofd', 'ceb', 'rtf', 'txt', 'zip', 'rar']),
  })
  .strict();

type Settings = z.output<typeof settings>;

const FIELDS = ['文号', '成文日期', '发布时间', '有效性'] as const;
type FieldName = (typeof FIELDS)[number];

export default defineRule({
  meta: {
    id: 'normative-docs',
    indicator: '规范性文件公开',
    title: '规范性文件列明文号、成文日期、发布时间、有效性并提供下载',
    description:
      '规范性文件栏目中的每一份文件，页面须列明文号、成文日期、发布时间和有效性（有效、废止、失效等，或有效期），并提供文本下载（附件或下载链接）。没有规范性文件栏目（或栏目中没有文件）的单位不参与考核。',
    codes: { 'missing-fields': '规范性文件未列明文号、成文日期、发布时间或有效性', 'no-download': '规范性文件未提供文本下载' },
    settings,
    needs: (s) => [{ kind: 'articles', columns: s.columns }],
    observed: {
      title: '文件标题',
      missing: '缺少的信息',
      docNumber: '文号',
      written: '成文日期',
      published: '发布时间',
      validity: '有效性',
      downloads: '下载链接数',
    },
  },
  run,
});

// Compiled once per settings object (re-judging a county runs the rule on every unit).
const compiled = new WeakMap<Settings, { validity: RegExp[]; file: RegExp; notDocument: RegExp }>();

function patterns(s: Settings) {
  let p = compiled.get(s);
  if (!p) {
    p = {
      validity: s.validityPhrases.map((re) => new RegExp(re, 'u')),
      file: new RegExp(`\\.(?:${s.downloadTypes.map(escapeRegex).join('|')})(?=$|[?#&])`, 'iu'),
      notDocument: new RegExp(s.notDocuments.map(escapeRegex).join('|') || '(?!)', 'u'),
    };
    compiled.set(s, p);
  }
  return p;
}

/** Rules read at most this much of a body for a validity phrase (the phrase sits in the last articles). */
const TEXT_SCAN = 100_000;

/** The validity the page shows: its 有效性 field, else a period or state in the text (the end of a long text, where 附则 are). */
export function validityOf(article: ArticleSnapshot, s: Settings): string | null {
  if (article.validity) return article.validity;
  const t = article.text.length > TEXT_SCAN ? article.text.slice(-TEXT_SCAN) : article.text;
  for (const re of patterns(s).validity) {
    const m = re.exec(t);
    if (m) return clip(m[0], 30);
  }
  return null;
}

function isFileUrl(url: string, s: Settings): boolean {
  try {
    const u = new URL(url);
    return patterns(s).file.test(u.pathname + u.search);
  } catch {
    return false;
  }
}

function run({ snapshot, columns: facts }: RuleInput, ctx: RuleContext<Settings>) {
  const s = ctx.settings;
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];
  const columns = facts.filter((f) => f.judged && columnMatches(f.column.path, s.columns)).map((f) => f.column);
  const seen = new Set<string>();
  let judged = 0;

  for (const column of columns) {
    const at = { rule: 'normative-docs', column: column.key };
    if (column.status !== 'ok') {
      inconclusive.push({ ...at, url: column.url, reason: `规范性文件栏目“${column.key}”未能完整读取，可能漏看部分文件` });
    }
    const unread: ListItem[] = [];
    for (const item of column.items) {
      // A document dated after the as-of date did not exist then; a 解读 or 目录 is not a document.
      if (seen.has(item.url) || (item.date !== null && item.date > ctx.asOf) || patterns(s).notDocument.test(compact(item.title))) continue;
      seen.add(item.url);
      judged++;
      const article = snapshot.articles[item.url];
      if (!article) {
        unread.push(item);
        continue;
      }
      const here = { ...at, url: item.url };
      if (!article.fetched) {
        inconclusive.push({ ...here, reason: `规范性文件“${clip(item.title)}”页面无法读取${article.failure ? `（${article.failure.reason}）` : ''}` });
        continue;
      }
      judgeDocument(item, article, s, findings, inconclusive, here);
    }
    if (unread.length) {
      inconclusive.push({
        ...at,
        url: column.url,
        reason: `规范性文件栏目“${column.key}”有 ${unread.length} 份文件未打开（如“${clip(unread[0]!.title, 30)}”），未检查`,
      });
    }
  }

  // A unit without a 规范性文件 column (or with nothing in it) has no such matter: 未有相关指标的得平均分.
  return { findings, inconclusive, assessed: judged > 0 || columns.some((c) => c.status !== 'ok') };
}

function judgeDocument(
  item: ListItem,
  article: ArticleSnapshot,
  s: Settings,
  findings: RawFinding[],
  inconclusive: Inconclusive[],
  at: { rule: string; column: string; url: string },
): void {
  const title = article.title || item.title;
  const name = clip(title);
  // Stored by a parser that did not record validity or downloads: nothing can be said of them.
  if (article.validity === undefined && article.downloads === undefined && article.text !== '') {
    inconclusive.push({ ...at, reason: `规范性文件“${name}”的快照由旧版本程序生成，未记录有效性和下载链接，需重新抓取` });
    return;
  }

  const downloads = (article.downloads ?? []).filter((d) => isFileUrl(d.url, s) || d.text.includes('下载'));
  const isFile = isFileUrl(item.url, s) || isFileUrl(article.finalUrl, s);
  if (!article.text && !article.title) {
    // The address is a file (PDF, Word…) or a page without text: its 文号 and dates cannot be read here.
    inconclusive.push({ ...at, codes: ['missing-fields'], reason: `规范性文件“${name}”的地址是文件或没有可读文字，无法核对文号、日期和有效性` });
  } else {
    const shown: Record<FieldName, string | null> = {
      文号: article.docNumber,
      成文日期: article.written,
      // The list shows a 发布时间 too: the office sees it there.
      发布时间: article.published ?? (item.dateSource === 'list' ? item.date : null),
      有效性: validityOf(article, s),
    };
    const missing = FIELDS.filter((f) => !shown[f]);
    if (missing.length) {
      findings.push({
        ...at,
        code: 'missing-fields',
        message: `规范性文件“${name}”未列明${missing.join('、')}`,
        observed: {
          title,
          missing,
          docNumber: shown.文号,
          written: shown.成文日期,
          published: shown.发布时间,
          validity: shown.有效性,
        },
        highlight: title,
      });
    }
  }

  if (downloads.length || isFile) return;
  if (article.scriptedAttachments || article.downloads === undefined) {
    inconclusive.push({ ...at, codes: ['no-download'], reason: `规范性文件“${name}”页面的附件列表由脚本生成（或未记录），无法确认是否提供下载` });
    return;
  }
  findings.push({
    ...at,
    code: 'no-download',
    message: `规范性文件“${name}”页面没有附件或下载链接，未提供文本下载`,
    observed: { title, downloads: 0 },
    highlight: title,
  });
}
