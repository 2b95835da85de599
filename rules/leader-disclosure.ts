import { z } from 'zod';
import { columnMatches, defineRule, type Inconclusive, type RawFinding, type RuleContext, type RuleInput } from './api.ts';
import { columnKeywords } from './lib/settings.ts';
import { escapeRegex, normalizeText } from './lib/text.ts';

const settings = z
  .object({
    /** Where leaders are presented, most specific first (a missing name is shown on the first). */
    columns: columnKeywords(['领导信息', '领导分工', '领导之窗', '机构职能', '机构设置', '领导小组']),
    /** Duty verbs and the matter (政务公开…); a duty phrase is verb … matter or matter … verb+领导. */
    dutyVerbs: z.array(z.string()).min(1).default(['分管', '主管', '负责', '牵头', '联系']),
    matters: z.array(z.string()).min(1).default(['政务公开', '政府信息公开', '信息公开']),
    /** Leadership titles a named person must carry (副局长, 镇长, 组长…). */
    titles: z
      .array(z.string())
      .min(1)
      .default(['局长', '主任', '镇长', '乡长', '场长', '书记', '县长', '部长', '组长', '主席', '调研员', '委员', '站长', '所长', '院长', '馆长', '队长', '处长', '科长', '经理', '领导']),
    /** Table headers that make a flattened table a division-of-work table. */
    tableHeaders: z.array(z.string()).default(['分管领导', '分管工作', '分管范围', '分管事项', '工作分工', '领导分工', '负责领导']),
    /** How many characters around a duty phrase a name may stand. */
    window: z.number().int().positive().default(40),
  })
  .strict();

type Settings = z.output<typeof settings>;

export default defineRule({
  meta: {
    id: 'leader-disclosure',
    indicator: '分管领导',
    title: '公开分管政务公开工作的负责同志',
    description:
      '单位须确定一名负责同志承担政务公开工作领导责任，并在网站上公开：领导信息、机构职能等页面或信息标题中写明分管（负责）政务公开工作的领导姓名，或政务公开工作领导小组的组长。',
    codes: { 'not-named': '未公开分管政务公开工作的负责同志' },
    settings,
    needs: (s) => [{ kind: 'articles', columns: s.columns, columnPage: true }],
    observed: { leaderColumns: '已查找栏目', articlesRead: '已读页面数', nearMiss: '说明' },
  },
  run,
});

/** Common surnames; a name is a surname and one or two characters (real pages write 郑 胜 with a space). */
const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤温康施牛樊葛邢庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳柴蒙鲍喻祁蒲房滕屈饶牟艾尤穆卓缪褚娄窦戚岑费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬仇栾隋刁巫寇桑郎甄丛仲虞敖巩佘苑迟邝胥揭';
const COMPOUND = ['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '司徒'];
const NAME = `(?:${COMPOUND.join('|')}|[${SURNAMES}])\\s?\\p{Script=Han}{1,2}`;
/** Characters that do not occur in the names on these pages but do in the words around them. */
const NOT_IN_NAME = /[的公开工作局办室政务府县镇乡委会组长部处科员和及等为由在是有年月日条项号分管负责领导信息主任中心区市省股站所队场书记同志兼任各本级]/u;
const CLAUSE_END = /[。；;！!？?\n]/u;

interface Patterns {
  duty: RegExp;
  matter: RegExp;
  table: RegExp;
  group: RegExp;
  /** Each captures the name in group 1. */
  persons: RegExp[];
}

// Built once per scheme settings object: rebuilding them per text dominated re-judging a county.
const compiled = new WeakMap<Settings, Patterns>();

function patterns(s: Settings): Patterns {
  let p = compiled.get(s);
  if (!p) compiled.set(s, (p = compilePatterns(s)));
  return p;
}

function compilePatterns(s: Settings): Patterns {
  const alt = (words: readonly string[]) => words.map(escapeRegex).join('|');
  const verbs = alt(s.dutyVerbs);
  const matters = alt(s.matters);
  const title = `副?(?:${alt(s.titles)})`;
  const before = `(?<=^|\\s|[,，、;；。:：()（）]|由|是)`;
  const after = `(?=$|\\s|[,，、;；。:：()（）]|同志|${verbs}|${title})`;
  return {
    duty: new RegExp(`(?:${verbs})[^。；;\\n]{0,15}?(?:${matters})|(?:${matters})[^。；;\\n]{0,10}?(?:${verbs})(?:领导|同志|人)`, 'gu'),
    matter: new RegExp(alt(s.matters), 'gu'),
    table: new RegExp(alt(s.tableHeaders), 'u'),
    group: new RegExp(`(?:${matters})[^。；;\\n]{0,10}领导小组`, 'u'),
    persons: [
      // 副局长 张三, 组长：林兴禧
      new RegExp(`${title}\\s*[:：]?\\s*(${NAME})${after}`, 'gu'),
      // 张三（副局长）, 沈福泉 区国资局副局长, 胡晓军：县人力资源和社会保障局党组成员、副局长
      new RegExp(`${before}(${NAME})\\s*(?:同志)?\\s*[:：,，(（]?\\s*[^。；;:：]{0,20}?${title}`, 'gu'),
      // 张三同志负责…, 由张三分管… (not 由张三同志具体承办: a clerk, not the leader)
      new RegExp(`${before}(${NAME})\\s*(?:同志(?!具体)|(?=${verbs}))`, 'gu'),
    ],
  };
}

const GROUP_HEAD = new RegExp(`组\\s*长\\s*[:：]?\\s*(${NAME})`, 'u');

const isName = (candidate: string) => !NOT_IN_NAME.test(candidate.replace(/\s/gu, ''));

/** The person (title + name, name + title, name + 同志) nearest to `anchor` in the text, as written. */
function personNear(text: string, anchor: number, p: Patterns): string | null {
  let best: { phrase: string; distance: number } | null = null;
  for (const re of p.persons) {
    for (const m of text.matchAll(re)) {
      if (!isName(m[1]!)) continue;
      const end = m.index + m[0].length;
      const distance = end <= anchor ? anchor - end : Math.max(0, m.index - anchor);
      if (!best || distance < best.distance) best = { phrase: m[0].trim(), distance };
    }
  }
  return best?.phrase ?? null;
}

/** The text around [start, end) up to `window` characters each side, cut at clause ends, and where [start, end) begins in it. */
function around(text: string, start: number, end: number, window: number): { text: string; anchor: number } {
  let from = start;
  while (from > 0 && start - from < window && !CLAUSE_END.test(text[from - 1]!)) from--;
  let to = end;
  while (to < text.length && to - end < window && !CLAUSE_END.test(text[to]!)) to++;
  return { text: text.slice(from, to), anchor: start - from };
}

export interface LeaderMention {
  /** The words that name the leader, as found. */
  phrase: string;
  how: 'duty' | 'group' | 'table';
}

/** Where a text names the comrade in charge of disclosure work, or null. */
export function findLeaderMention(raw: string, s: Settings): LeaderMention | null {
  const text = normalizeText(raw).replace(/[ \t\u00a0\u3000]+/gu, ' ');
  const p = patterns(s);

  if (p.group.test(text)) {
    const m = GROUP_HEAD.exec(text);
    if (m && isName(m[1]!)) return { phrase: m[0], how: 'group' };
  }
  for (const m of text.matchAll(p.duty)) {
    const near = around(text, m.index, m.index + m[0].length, s.window);
    const person = personNear(near.text, near.anchor, p);
    if (person) return { phrase: `${m[0]}…${person}`, how: 'duty' };
  }
  // A division-of-work table flattened cell by cell: 姓名 职务 分管工作 张三 副局长 办公室、政务公开…
  if (p.table.test(text)) {
    for (const m of text.matchAll(p.matter)) {
      const near = around(text, m.index, m.index + m[0].length, s.window);
      const person = personNear(near.text, near.anchor, p);
      if (person) return { phrase: `${person}…${m[0]}`, how: 'table' };
    }
  }
  return null;
}

function run({ snapshot, columns }: RuleInput, ctx: RuleContext<Settings>) {
  const s = ctx.settings;
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];
  // Most specific first (领导信息 before 机构职能): where a missing name is shown.
  const rank = (name: string) => {
    const i = s.columns.findIndex((k) => name.includes(k));
    return i < 0 ? Infinity : i;
  };
  const leaderColumns = columns
    .filter((f) => columnMatches(f.column.path, s.columns))
    .map((f) => f.column)
    .sort((a, b) => rank(a.name) - rank(b.name));
  const leaderKeys = new Set(leaderColumns.map((c) => c.key));

  // Leader pages first, then any other fetched article, then column and item titles.
  const articles = Object.values(snapshot.articles)
    .filter((a) => a.fetched)
    .sort((a, b) => Number(leaderKeys.has(b.column)) - Number(leaderKeys.has(a.column)));
  for (const a of articles) {
    if (findLeaderMention(`${a.title}。${a.text}`, s)) return { findings, inconclusive, assessed: true };
  }
  for (const column of snapshot.columns) {
    for (const title of [column.name, ...column.items.map((i) => i.title)]) {
      if (findLeaderMention(title, s)) return { findings, inconclusive, assessed: true };
    }
  }

  const unread = leaderColumns.filter((c) => c.status !== 'ok');
  const unfetched = leaderColumns.flatMap((c) =>
    c.items.filter((i) => snapshot.articles[i.url] && !snapshot.articles[i.url]!.fetched).map((i) => i.url),
  );
  for (const c of unread) {
    inconclusive.push({ rule: 'leader-disclosure', url: c.url, column: c.key, reason: `领导信息栏目“${c.key}”未能完整读取，无法确认是否公开了分管领导` });
  }
  for (const url of unfetched) {
    inconclusive.push({ rule: 'leader-disclosure', url, reason: '领导信息页面无法读取，无法确认是否公开了分管领导' });
  }
  if (unread.length || unfetched.length) return { findings, inconclusive, assessed: true };

  const where = leaderColumns[0];
  const allText = articles.map((a) => normalizeText(a.text)).join('。');
  const mainOnly = /主要负责人/u.test(allText);
  const officeOnly = /办公室[^。]{0,60}(政务公开|政府信息公开)/u.test(allText);
  findings.push({
    rule: 'leader-disclosure',
    code: 'not-named',
    url: where?.url ?? snapshot.unit.url,
    ...(where ? { column: where.key } : {}),
    message:
      '未在网站上公开承担政务公开工作领导责任的负责同志' +
      (mainOnly ? '（只公开了主要负责人）' : officeOnly ? '（政务公开职责只落实到办公室，未明确到人）' : ''),
    observed: {
      leaderColumns: leaderColumns.map((c) => c.key),
      articlesRead: articles.length,
      ...(mainOnly ? { nearMiss: '只公开了主要负责人' } : officeOnly ? { nearMiss: '政务公开职责落实到办公室而非个人' } : {}),
    },
    highlight: where?.name ?? snapshot.unit.name,
  });
  return { findings, inconclusive, assessed: true };
}

