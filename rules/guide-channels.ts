import { z } from 'zod';
import type { ArticleSnapshot } from '../src/model/snapshot.ts';
import { columnMatches, defineRule, type Inconclusive, type RawFinding, type RuleContext, type RuleInput } from './api.ts';
import { matterNeeds, matterPages } from './lib/pages.ts';
import { columnKeywords } from './lib/settings.ts';
import { clip, compact } from './lib/text.ts';

const settings = z
  .object({
    columns: columnKeywords(['信息公开指南', '公开指南']),
    /** A guide filed in another column is found by its title (平潭公安局's sits under 机构设置、主要职能). */
    titles: z.array(z.string().min(1)).min(1).default(['信息公开指南', '公开指南']),
    /** Each channel the guide must name, by the words that name it. */
    channels: z
      .record(z.string(), z.array(z.string().min(1)).min(1))
      .default({ 网络: ['网络', '在线', '互联网', '网上'], 信函: ['信函', '邮寄', '邮政', '寄送'], 传真: ['传真'] }),
    /** Words that contain a channel word without naming a channel (邮政编码 is no letter channel). */
    ignore: z.array(z.string().min(1)).default(['邮政编码']),
    /** Words before a channel in the same clause that refuse it (本机关不受理传真申请). */
    refusals: z.array(z.string().min(1)).default(['不受理', '不予受理', '不接受', '暂不', '不再受理', '不支持', '不提供']),
    /** A guide whose text is shorter than this is probably an attachment or an image: its channels cannot be read. */
    minChars: z.number().int().nonnegative().default(200),
  })
  .strict();

type Settings = z.output<typeof settings>;

export default defineRule({
  meta: {
    id: 'guide-channels',
    indicator: '申请渠道',
    title: '信息公开指南明确申请渠道',
    description: '单位须公开政府信息公开指南，指南中须明确网络、信函、传真等依申请公开的申请渠道。',
    codes: { 'missing-guide': '未公开政府信息公开指南', 'missing-channel': '信息公开指南未明确网络、信函、传真等申请渠道' },
    settings,
    needs: matterNeeds,
    observed: { guide: '指南', missing: '未写明的申请渠道', named: '已写明的申请渠道', refused: '写明不受理的渠道' },
  },
  run,
});

/** Text scanned per guide (a guide is a few thousand characters). */
const MAX_SCAN = 200_000;
/** How far back from a channel word a refusal is looked for, within its clause. */
const REFUSAL_WINDOW = 20;
const CLAUSE_END = /[。；;！!？?，,\n]/u;

export interface ChannelReading {
  named: string[];
  /** Channels the text mentions only to refuse them. */
  refused: string[];
}

/** Which channels a guide's text names (a mention in a refusing clause does not count). */
export function channelsNamed(raw: string, s: Pick<Settings, 'channels' | 'ignore' | 'refusals'>): ChannelReading {
  let text = compact(raw.length > MAX_SCAN ? raw.slice(0, MAX_SCAN) : raw);
  for (const w of s.ignore) text = text.replaceAll(compact(w), '□');
  const named: string[] = [];
  const refused: string[] = [];
  for (const [channel, words] of Object.entries(s.channels)) {
    let mentioned = false;
    let offered = false;
    for (const word of words) {
      for (let at = text.indexOf(word); at >= 0 && !offered; at = text.indexOf(word, at + word.length)) {
        mentioned = true;
        let from = at;
        while (from > 0 && at - from < REFUSAL_WINDOW && !CLAUSE_END.test(text[from - 1]!)) from--;
        const before = text.slice(from, at);
        if (!s.refusals.some((r) => before.includes(r))) offered = true;
      }
      if (offered) break;
    }
    if (offered) named.push(channel);
    else if (mentioned) refused.push(channel);
  }
  return { named, refused };
}

function run({ snapshot, columns: facts }: RuleInput, ctx: RuleContext<Settings>) {
  const s = ctx.settings;
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];
  const guideColumns = facts.filter((f) => f.judged && columnMatches(f.column.path, s.columns)).map((f) => f.column);
  const titled = (t: string) => s.titles.some((k) => t.includes(k));
  const { read, unread } = matterPages(snapshot, guideColumns, titled);
  // In a 指南 column, the guide is the item called 指南 (beside it: 申请表, 流程图); without one, every page of the column.
  const named = read.filter((a) => a.title.includes('指南'));
  const guides = named.length ? named : read;
  const notFullyRead = snapshot.columns.filter((c) => c.status !== 'ok');

  if (guides.length === 0 && unread.length === 0) {
    // A column list that was not read in full may hide the guide.
    const where = notFullyRead.find((c) => guideColumns.includes(c)) ?? notFullyRead[0];
    if (where) {
      inconclusive.push({ rule: 'guide-channels', url: where.url, column: where.key, reason: `未找到信息公开指南，栏目“${where.key}”未能完整读取` });
      return { findings, inconclusive, assessed: true };
    }
    const column = guideColumns[0];
    findings.push({
      rule: 'guide-channels',
      code: 'missing-guide',
      url: column?.url ?? snapshot.unit.url,
      ...(column ? { column: column.key } : {}),
      message: column ? `信息公开指南栏目“${column.key}”中没有公开指南` : '单位信息公开目录中没有政府信息公开指南',
      observed: { guide: null },
      highlight: column?.name ?? snapshot.unit.name,
    });
    return { findings, inconclusive, assessed: true };
  }

  const reading = channelsNamed(guides.map((g) => `${g.title}。${g.text}`).join('\n'), s);
  const missing = Object.keys(s.channels).filter((c) => !reading.named.includes(c));
  if (missing.length === 0) return { findings, inconclusive, assessed: true };

  // What was not read may name the missing channels, and so may a guide whose page holds almost no text (the
  // guide is an attachment or a scan). A full-length guide with a picture (a 流程图) or an attached 申请表 is judged on its text.
  const opaque = guides.filter((g) => g.text.length < s.minChars);
  if (unread.length || opaque.length) {
    const reasons = [...unread.map((u) => u.why), ...opaque.map((g) => `“${clip(g.title || g.url, 30)}”正文很短，指南可能在附件或图片中`)];
    inconclusive.push({
      rule: 'guide-channels',
      codes: ['missing-channel'],
      url: unread[0]?.url ?? opaque[0]!.url,
      reason: `信息公开指南中未找到${missing.join('、')}申请渠道，但${reasons.join('；')}，无法确认`,
    });
    return { findings, inconclusive, assessed: true };
  }

  const guide = newest(guides);
  findings.push({
    rule: 'guide-channels',
    code: 'missing-channel',
    url: guide.url,
    ...(guideColumns.some((c) => c.key === guide.column) ? { column: guide.column } : {}),
    message:
      `信息公开指南“${clip(guide.title)}”未明确${missing.join('、')}申请渠道` +
      (reading.refused.length ? `（写明不受理${reading.refused.join('、')}申请）` : ''),
    observed: { guide: guide.title, missing, named: reading.named, ...(reading.refused.length ? { refused: reading.refused } : {}) },
    highlight: guide.title,
  });
  return { findings, inconclusive, assessed: true };
}

/** The guide the office would open: the most recently published one. */
function newest(guides: ArticleSnapshot[]): ArticleSnapshot {
  return guides.reduce((best, g) => ((g.published ?? '') > (best.published ?? '') ? g : best));
}
