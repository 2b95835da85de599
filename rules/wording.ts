import { z } from 'zod';
import { defineRule, type RawFinding, type RuleContext, type RuleInput } from './api.ts';
import { clip } from './lib/text.ts';

/** Whitespace (NBSP, U+3000 and zero-width characters included) that never separates a matching form. */
const SPACE = /[\s\u200b-\u200d\u2060\ufeff]/u;

/** A sentence in the form compared (full-width letters and digits folded, no whitespace), with where each of its characters came from. */
function folded(sentence: string): { text: string; origin: number[] } {
  let text = '';
  const origin: number[] = [];
  let i = 0;
  for (const ch of sentence) {
    // CJK ideographs and printable ASCII are their own NFKC form: only other characters are normalised (the texts are long).
    const code = ch.charCodeAt(0);
    if ((code > 0x20 && code < 0x7f) || (code >= 0x4e00 && code <= 0x9fff)) {
      text += ch;
      origin.push(i);
    } else if (!SPACE.test(ch)) {
      const f = ch.normalize('NFKC');
      text += f;
      for (let k = 0; k < f.length; k++) origin.push(i);
    }
    i += ch.length;
  }
  return { text, origin };
}

/** An entry's forms folded as sentences are. */
const fold = (s: string) => folded(s).text;

const entry = z
  .object({
    /** The wrong form, exactly as it would be written (whitespace is ignored in matching). */
    wrong: z.string().min(2),
    correct: z.string().min(1),
    /** Where the correct form is laid down (the constitution, a State Council notice…), shown with the finding. */
    source: z.string().min(1),
  })
  .strict()
  .refine((e) => fold(e.wrong) !== fold(e.correct), { message: '错误写法与正确写法相同' });

const settings = z
  .object({
    /** The curated list (the scheme holds it, with each entry's source). Only these exact forms are ever reported. */
    errors: z.array(entry).default([]),
    /** Articles read for this rule per column (newest first); pages other rules read are scanned too. */
    perColumn: z.number().int().nonnegative().default(3),
  })
  .strict();

type Settings = z.output<typeof settings>;
type Entry = Settings['errors'][number];

export default defineRule({
  meta: {
    id: 'wording',
    indicator: '严重表述错误（国办秘函〔2019〕19号）',
    title: '无严重表述错误',
    description:
      '按考评方案列出的严重表述错误清单（国名、机构全称、国家领导人姓名和职务的错误写法，每条注明依据），逐字核对单位各栏目的全部信息标题和已读取的页面正文（每个栏目另读取最新的若干篇，默认3篇）；只报告与清单完全一致的错误写法，正确写法永不匹配，不作任何推测。',
    codes: { severe: '严重表述错误' },
    settings,
    needs: (s) => (s.errors.length && s.perColumn > 0 ? [{ kind: 'articles', columns: 'judged', max: s.perColumn }] : []),
    observed: { title: '页面标题', wrong: '错误写法', correct: '正确写法', source: '依据', sentence: '原文', count: '错误处数', others: '其他错误' },
  },
  run,
});

/** Sentences of a text: split after sentence ends and at line breaks (linear; no backtracking). */
const SENTENCE_END = /(?<=[。！？!?；;])|\n/u;
/** Characters of context either side of the wrong form in the quoted sentence. */
const QUOTE = 30;

interface Hit {
  entry: Entry;
  sentence: string;
}

/** The sentence as written (whitespace runs closed to one space), clipped to some characters around [from, to). */
function quote(sentence: string, from: number, to: number): string {
  const start = Math.max(0, from - QUOTE);
  const end = Math.min(sentence.length, to + QUOTE);
  const part = sentence.slice(start, end).replace(/\s+/gu, ' ').trim();
  return `${start > 0 ? '…' : ''}${part}${end < sentence.length ? '…' : ''}`;
}

/**
 * Every occurrence of a listed wrong form in the texts, none inside an
 * occurrence of its own correct form (a wrong form may be part of the right
 * one: the right one is blanked out before looking).
 */
export function wrongForms(texts: readonly string[], errors: readonly Entry[]): Hit[] {
  const hits: Hit[] = [];
  // A title repeated as the body's first line is one place, not two.
  const seen = new Set<string>();
  const forms = errors.map((entry) => ({ entry, wrong: fold(entry.wrong), correct: fold(entry.correct) }));
  for (const text of texts) {
    // A sentence's folded text is part of the whole text's: a text without any wrong form needs no sentence looked at.
    const whole = fold(text);
    const present = forms.filter((f) => whole.includes(f.wrong));
    if (present.length === 0) continue;
    for (const sentence of text.split(SENTENCE_END)) {
      const { text: plain, origin } = folded(sentence);
      if (!plain) continue;
      for (const { entry: e, wrong, correct } of present) {
        if (!plain.includes(wrong)) continue;
        const masked = correct.includes(wrong) ? plain.replaceAll(correct, '\u0000'.repeat(correct.length)) : plain;
        for (let at = masked.indexOf(wrong); at >= 0; at = masked.indexOf(wrong, at + wrong.length)) {
          const hit = { entry: e, sentence: quote(sentence, origin[at]!, origin[at + wrong.length - 1]! + 1) };
          const key = `${wrong}\u0000${hit.sentence}`;
          if (!seen.has(key)) hits.push(hit);
          seen.add(key);
        }
      }
    }
  }
  return hits;
}

function run({ snapshot, columns }: RuleInput, ctx: RuleContext<Settings>) {
  const { errors } = ctx.settings;
  const findings: RawFinding[] = [];
  const seen = new Set<string>();
  let pages = 0;
  if (!errors.length) return { findings, inconclusive: [], assessed: false };

  const check = (url: string, column: string, title: string, texts: string[]) => {
    if (seen.has(url)) return;
    seen.add(url);
    pages++;
    const hits = wrongForms(texts, errors);
    if (!hits.length) return;
    const [first] = hits as [Hit, ...Hit[]];
    const others = [...new Set(hits.filter((h) => h.entry !== first.entry).map((h) => `${h.entry.wrong}→${h.entry.correct}`))];
    findings.push({
      rule: 'wording',
      code: 'severe',
      url,
      column,
      message: `“${clip(title)}”中“${first.entry.wrong}”应为“${first.entry.correct}”（${first.entry.source}）${hits.length > 1 ? `，本页共 ${hits.length} 处严重表述错误` : ''}`,
      observed: {
        title,
        wrong: first.entry.wrong,
        correct: first.entry.correct,
        source: first.entry.source,
        sentence: first.sentence,
        count: hits.length,
        ...(others.length ? { others } : {}),
      },
      highlight: first.entry.wrong,
    });
  };

  for (const { column } of columns) {
    // A column page kept as content (a leader page) is one of the unit's pages too.
    const page = snapshot.articles[column.url];
    if (page?.fetched) check(column.url, column.key, page.title || column.name, [page.title, page.text]);
    for (const item of column.items) {
      const article = snapshot.articles[item.url];
      // Only the unit's own items: a page read as a link's target may be another body's.
      check(item.url, column.key, item.title, article?.fetched ? [item.title, article.title, article.text] : [item.title]);
    }
  }
  return { findings, inconclusive: [], assessed: pages > 0 };
}
