import { z } from 'zod';
import type { ArticleTable } from '../src/model/snapshot.ts';
import { columnMatches, defineRule, type Inconclusive, type RawFinding, type RuleContext, type RuleInput } from './api.ts';
import { columnKeywords } from './lib/settings.ts';
import { clip, escapeRegex, normalizeText } from './lib/text.ts';

const settings = z
  .object({
    /** Where leaders are presented, most specific first (a missing name is shown on the first). */
    columns: columnKeywords(['领导信息', '领导分工', '领导之窗', '领导班子', '机构职能', '机构设置', '领导小组']),
    /** The matter a leader must be put in charge of. */
    matters: z.array(z.string()).min(1).default(['政务公开', '政府信息公开', '信息公开']),
    /** Verbs that put a person in charge of a matter (分管政务公开, 由…负责). */
    dutyVerbs: z.array(z.string()).min(1).default(['分管', '主管', '负责', '牵头', '联系', '主抓', '协管']),
    /** Leadership titles that make a name a person (副局长, 镇长, 组长…). */
    titles: z
      .array(z.string())
      .min(1)
      .default(['局长', '主任', '镇长', '乡长', '场长', '书记', '县长', '部长', '组长', '主席', '调研员', '委员', '站长', '所长', '院长', '馆长', '队长', '处长', '科长', '经理', '领导']),
    /** Labels that name the leader of the matter at hand (政务公开工作分管领导：…). */
    leaderRoles: z.array(z.string()).default(['分管领导', '负责领导', '责任领导', '牵头领导', '联系领导', '分管负责人', '分管负责同志', '负责同志', '第一责任人', '责任人', '负责人']),
    /** Labels and verbs of the staff who do the work, never its leader (具体承办, 联系人…). */
    clerkRoles: z.array(z.string()).default(['具体承办', '承办人', '承办', '经办人', '经办', '联系人', '联络员', '信息员', '专干', '工作人员']),
    /** Card labels and table headers holding a person (姓名：…, a 分管领导 column). */
    personFields: z.array(z.string()).default(['姓名', '领导姓名', '班子成员', '领导成员', '分管领导', '负责领导', '责任领导', '牵头领导', '联系领导', '负责人', '领导']),
    /** Card labels and table headers holding a title (职务：…). */
    titleFields: z.array(z.string()).default(['职务', '现任职务', '职务职级', '职级', '职位']),
    /** Card labels and table headers holding duties (分工：…, a 工作事项 column). */
    dutyFields: z
      .array(z.string())
      .default(['工作分工', '分管工作', '分管范围', '分管事项', '分管领域', '职责分工', '工作职责', '主要职责', '负责工作', '负责事项', '联系工作', '工作事项', '工作内容', '主要工作', '分工', '职责', '事项']),
    /** Header words that mark a division-of-work table flattened into text (older snapshots keep no table structure). */
    tableHeaders: z.array(z.string()).default(['分管领导', '分管工作', '分管范围', '分管事项', '工作分工', '领导分工', '负责领导']),
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
    observed: {
      leaderColumns: '已查找栏目',
      articlesRead: '已读页面数',
      pagesRead: '已读页面',
      nearMiss: '说明',
      evidencePage: '依据页面',
      evidenceText: '依据原文',
      named: '公开的负责同志',
    },
  },
  run,
});

// ---------------------------------------------------------------- vocabulary

/** Common surnames; a name is a surname and one or two characters (real pages write 郑 胜 with a space). */
const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤温康施牛樊葛邢庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳柴蒙鲍喻祁蒲房滕屈饶牟艾尤穆卓缪褚娄窦戚岑费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬仇栾隋刁巫寇桑郎甄丛仲虞敖巩佘苑迟邝胥揭';
const COMPOUND = ['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '司徒'];
/**
 * Characters that begin the words written right after a name (副局长, 同志, 负责, 分管, 主持, 任, 的…):
 * a name never ends in one, so 张三副局长 reads as 张三 + 副局长. Inside a name they are allowed (李为民).
 */
const NOT_LAST = '副同负分主牵联兼任为的等和及在是局镇乡县书党组部处科委站所院馆队场经领协担具承办室工政务公开年月日号项条区市省股级各本全要亲统总';
/** Organisations as the subject of a duty: 办公室负责…, 由党政办负责… */
const ORG = '(?:办公室|党政办|综合办|办|股室|科室|股|科|室|处|所|站|中心|局|小组|部门|单位|委员会|机关|大队|中队)';
const ADVERBS = '(?:具体|亲自|统筹|全面|总体|直接|主要|协助)';
const OFFICE_RE = /办公室|党政办|综合办/u;
/** A sentence whose subject is an office: 办公室：…, 党政综合办公室（…）：… */
const OFFICE_SUBJECT_RE = /^[^,;:。]{0,12}(?:办公室|党政办|综合办)\s?(?:\([^()]{0,20}\))?\s?:/u;
/** Verbs that give a leader some duty (only to tell that leaders are listed with duties). */
const ANY_DUTY = '(?:主持|协助|分管|主管|负责|牵头|联系|主抓|协管)';
/** Bounds on what is read of one page (crawled text is hostile; every pattern below is also bounded). */
const MAX_TEXT = 100_000;
const MAX_LINES = 5_000;
const MAX_TABLES = 30;
const MAX_ROWS = 200;
const MAX_CELLS = 20;
const MAX_CELL = 500;
/** A clause longer than this (a page with no punctuation) is read in pieces of it. */
const MAX_CLAUSE = 300;

interface Patterns {
  title: RegExp;
  matter: RegExp;
  matterG: RegExp;
  duty: RegExp;
  verbG: RegExp;
  anyDuty: RegExp;
  /** Each captures the name in group 1. */
  persons: RegExp[];
  /** A person at the start of a value (a name alone counts there: the structure says it is one). */
  personStart: RegExp;
  /** After the person after 由: the duty verb. */
  verbNext: RegExp;
  byOrg: RegExp;
  byClerk: RegExp;
  role: RegExp;
  clerk: RegExp;
  orgEnd: RegExp;
  attributive: RegExp;
  verbStart: RegExp;
  group: RegExp;
  otherGroup: RegExp;
  groupHead: RegExp;
  main: RegExp;
  field: RegExp;
  fieldKind: Map<string, FieldKind>;
  tableHeader: RegExp;
}

type FieldKind = 'person' | 'role' | 'title' | 'duty' | 'clerk';

// Built once per scheme settings object: rebuilding them per page dominated re-judging a county.
const compiled = new WeakMap<Settings, Patterns>();

function patterns(s: Settings): Patterns {
  let p = compiled.get(s);
  if (!p) compiled.set(s, (p = compilePatterns(s)));
  return p;
}

/** Longest first, so that 分管领导 wins over 领导 at the same place. */
const alt = (words: readonly string[]) => [...words].sort((a, b) => b.length - a.length).map(escapeRegex).join('|');
/** A word that may be written with spaces between its characters (组 长, 姓　名, Word-split cells). */
const spaced = (words: readonly string[]) => [...words].sort((a, b) => b.length - a.length).map((w) => [...w].map(escapeRegex).join('\\s?')).join('|');

function compilePatterns(s: Settings): Patterns {
  const verbs = alt(s.dutyVerbs);
  const matters = spaced(s.matters);
  const title = `副?(?:${alt(s.titles)})`;
  const name = `(?:${COMPOUND.join('|')}|[${SURNAMES}])\\s?\\p{Script=Han}(?:(?![${NOT_LAST}])\\p{Script=Han})?`;
  const lead = `(?<=^|[\\s,、;。:()]|由|是|为)`;
  const tail = `(?=$|[\\s,、;。:()]|同志|${verbs}|${title}|主持|协助|兼|任|担任|为|是|${ADVERBS})`;
  // 负责人, 联系电话 and 主要负责 are nouns, not a duty.
  const verb = `(?<!主要)(?:${verbs})(?!人|同志|电话|方式|地址|我们)`;
  const kinds = new Map<string, FieldKind>();
  const addKinds = (words: string[], kind: FieldKind) => words.forEach((w) => kinds.has(w) || kinds.set(w, kind));
  addKinds(s.leaderRoles, 'role');
  addKinds(s.personFields, 'person');
  addKinds(s.titleFields, 'title');
  addKinds(s.dutyFields, 'duty');
  addKinds(s.clerkRoles, 'clerk');
  return {
    title: new RegExp(title, 'u'),
    matter: new RegExp(matters, 'u'),
    matterG: new RegExp(matters, 'gu'),
    // An enumeration of duties may put the matter sixty characters after its verb.
    duty: new RegExp(`${verb}[^,;。!?\\n]{0,60}?(?:${matters})`, 'gu'),
    verbG: new RegExp(verb, 'gu'),
    anyDuty: new RegExp(`(?<!主要)${ANY_DUTY}(?!人|同志|电话|方式)`, 'u'),
    persons: [
      // 副局长 张三, 组长：林兴禧, 党委委员、副镇长 程俊
      new RegExp(`${title}\\s?:?\\s?(${name})${tail}`, 'gu'),
      // 张三（副局长）, 沈福泉 区国资局副局长, 胡晓军：县人力资源和社会保障局党组成员、副局长
      new RegExp(`${lead}(${name})(?=[\\s:,(]|同志|${title})\\s?(?:同志)?\\s?[:,(]?\\s?[^。;:\\n]{0,20}?${title}`, 'gu'),
      // 张三同志 (not 由张三同志具体承办: a clerk, not the leader)
      new RegExp(`${lead}(${name})\\s?同志(?!具体承办|承办|经办)`, 'gu'),
    ],
    personStart: new RegExp(`^\\s?(?:(?:[^\\s,;。:()]{0,12}?${title})\\s?:?\\s?)?(${name})${tail}`, 'u'),
    verbNext: new RegExp(`^\\s?(?:同志)?\\s?(?:\\([^()]{0,20}\\))?\\s?${ADVERBS}?\\s?${verb}`, 'u'),
    byOrg: new RegExp(`^\\s?[^,;。]{0,12}?${ORG}\\s?(?:\\([^()]{0,20}\\))?\\s?${ADVERBS}?\\s?(?:${verbs}|承办|办理)`, 'u'),
    byClerk: new RegExp(`^[^,;。]{0,20}?(?:承办|经办|办理)`, 'u'),
    role: new RegExp(`(?<!主要)(?:${alt(s.leaderRoles)})\\s?(?:为|是|:)?\\s?`, 'gu'),
    clerk: new RegExp(alt(s.clerkRoles), 'u'),
    orgEnd: new RegExp(`${ORG}\\s?${ADVERBS}?\\s?$`, 'u'),
    attributive: /^\s?(?:相关|日常|具体)?(?:工作|事务|事项)?\s?的/u,
    verbStart: new RegExp(`^(?:[(（]?[0-9一二三四五六七八九十]{1,3}[)）.、]\\s?|[①-⑳]\\s?)?${ADVERBS}?${ANY_DUTY}`, 'u'),
    group: new RegExp(`(?:${matters})[^。;\\n]{0,10}领导小组`, 'gu'),
    otherGroup: new RegExp(`[^\\s。;,:、]{2,10}工作领导小组`, 'gu'),
    groupHead: new RegExp(`(?<!副)组\\s?长\\s?[:为]?\\s?(?:由\\s?)?(?:${title}\\s?)?(${name})(?=$|[\\s,、;。:()]|同志|担任|${title})`, 'u'),
    main: new RegExp(`主要负责人\\s?:?\\s?(${name})`, 'u'),
    field: new RegExp(`(?<=^|[\\s,;。(])(${spaced([...kinds.keys()])})\\s?:`, 'gu'),
    fieldKind: kinds,
    tableHeader: new RegExp(alt(s.tableHeaders), 'u'),
  };
}

const noSpace = (s: string) => s.replace(/\s/gu, '');

/** Names never end in a character that begins the next word; 2-character names are checked the same way. */
function isName(name: string): boolean {
  const n = noSpace(name);
  const surname = COMPOUND.some((c) => n.startsWith(c)) ? 2 : 1;
  const given = n.slice(surname);
  return given.length >= 1 && given.length <= 2 && !NOT_LAST.includes(given[given.length - 1]!);
}

// ---------------------------------------------------------------- what a page says

/** Who is tied to the matter, and by what words. */
export interface Tie {
  /** The name as written. */
  person: string;
  how: 'card' | 'table' | 'sentence' | 'label' | 'group';
  /** The sentence, card or table row relied on. */
  text: string;
}

/**
 * Why a page does not name anyone (only evidence: the judgement is "no tie
 * anywhere"). main: only the 主要负责人; office: the matter is given to an
 * office; group: a 领导小组 without a named head; clerk: only the staff who do
 * the work; unnamed: a leader in charge, but no name; duties: leaders with
 * duties that do not include the matter.
 */
export type MissKind = 'main' | 'office' | 'group' | 'clerk' | 'unnamed' | 'duties';

export interface Reading {
  tie: Tie | null;
  misses: Partial<Record<MissKind, string>>;
}

export interface LeaderPage {
  title?: string;
  text: string;
  tables?: readonly ArticleTable[];
}

interface Person {
  name: string;
  start: number;
  end: number;
}

/** What one page says about who leads the matter. */
export function readLeaderPage(page: LeaderPage, s: Settings): Reading {
  const r = new PageReader(patterns(s));
  r.read(page);
  return { tie: r.tie, misses: r.misses };
}

class PageReader {
  tie: Tie | null = null;
  readonly misses: Partial<Record<MissKind, string>> = {};
  readonly #p: Patterns;
  #rec: Rec | null = null;
  /** The section at hand (the page title or the last heading) is about the matter. */
  #section = false;
  /** A division-of-work table header was seen in the text. */
  #tableText = false;
  /** Labels that tables of the page hold in their first column (a label cell and its value). */
  readonly #kvLabels = new Set<string>();

  constructor(p: Patterns) {
    this.#p = p;
  }

  read(page: LeaderPage): void {
    const title = norm(page.title ?? '');
    const text = norm(page.text.slice(0, MAX_TEXT));
    this.#groups(`${title}。${text}`);
    if (this.tie) return;
    const main = this.#p.main.exec(text);
    if (main && isName(main[1]!)) this.#miss('main', sentenceAt(text, main.index, main.index + main[0].length));
    for (const t of (page.tables ?? []).slice(0, MAX_TABLES)) {
      if (this.tie) return;
      this.#table(t);
    }
    this.#lines([title, ...text.split('\n').slice(0, MAX_LINES)]);
  }

  #miss(kind: MissKind, text: string): void {
    this.misses[kind] ??= evidence(text);
  }

  #found(t: Tie): void {
    // A duty read with the subject of an earlier line: the evidence shows whose it is.
    const text = noSpace(t.text).includes(t.person) ? t.text : `${t.person}：${t.text}`;
    this.tie ??= { ...t, text: evidence(text) };
  }

  // ------------------------------------------------------------ 领导小组

  /** 成立政务公开工作领导小组 … 组长：林兴禧: the head named after the group, before another group's list begins. */
  #groups(text: string): void {
    let scanned = 0;
    for (const m of text.matchAll(this.#p.group)) {
      const from = m.index + m[0].length;
      // A mention inside the stretch already searched adds nothing (and would make the work quadratic).
      if (from < scanned) continue;
      scanned = from + 600;
      let scope = text.slice(from, scanned);
      for (const o of scope.matchAll(this.#p.otherGroup)) {
        if (!this.#p.matter.test(o[0])) {
          scope = scope.slice(0, o.index);
          break;
        }
      }
      const head = this.#p.groupHead.exec(scope);
      const about = sentenceAt(text, m.index, from);
      if (head && isName(head[1]!)) {
        this.#found({ person: noSpace(head[1]!), how: 'group', text: `${about} ${head[0]}` });
        return;
      }
      this.#miss('group', about);
    }
  }

  // ------------------------------------------------------------ lines: cards, labels, prose

  #lines(lines: string[]): void {
    let label: string | null = null;
    for (const [i, raw] of lines.entries()) {
      if (this.tie) return;
      let line = raw.trim();
      if (!line) continue;
      // A label on a line of its own (a <dt>, a label cell) and its value on the next.
      if (label !== null) {
        line = `${label}:${line}`;
        label = null;
      } else if (i > 0 && this.#p.fieldKind.has(noSpace(line).replace(/:$/u, ''))) {
        label = noSpace(line).replace(/:$/u, '');
        continue;
      }
      if (i === 0) {
        // The page title: a leader's own page (张卫东) opens a card, a title about the matter opens its section.
        this.#section = this.#p.matter.test(line);
        const lead = this.#personLine(line);
        if (lead) this.#open(lead, false, line);
        else this.#sentences(line, null);
        continue;
      }
      if (this.#p.tableHeader.test(line)) this.#tableText = true;
      const fields = this.#fields(line);
      if (fields.length > 0) this.#fieldLine(line, fields);
      else this.#plainLine(line);
      this.#judgeRecord();
      if (this.#tableText && !this.tie) this.#flatRow(line);
    }
    this.#close();
  }

  #plainLine(line: string): void {
    const p = this.#p;
    const lead = this.#personLine(line);
    if (lead) {
      this.#close();
      this.#open(lead, false, line);
      return;
    }
    const rec = this.#rec;
    if (rec?.person && p.verbStart.test(line)) {
      rec.lines.push(line);
      this.#sentences(line, rec.person);
      if (p.anyDuty.test(line)) rec.duties = true;
      return;
    }
    if (rec?.person && line.length <= 80 && !/[。;:由]/u.test(line) && (line.includes('、') || isTitleLine(line))) {
      // A card's bare duty list (办公室、政务公开、财务) or its title line.
      rec.lines.push(line);
      if (line.includes('、')) rec.duties = true;
      if (p.matter.test(line) && !p.clerk.test(line)) rec.matter = true;
      return;
    }
    if (isHeading(line) && !p.anyDuty.test(line)) {
      this.#close();
      this.#section = p.matter.test(line);
      return;
    }
    this.#close();
    const start = personAt(line, 0, p);
    if (start) this.#open(start, false, line);
    this.#sentences(line, start);
  }

  #fieldLine(line: string, fields: Field[]): void {
    const p = this.#p;
    const prefix = line.slice(0, fields[0]!.start).trim();
    if (prefix) {
      const lead = personAt(prefix, 0, p);
      if (lead && !p.anyDuty.test(prefix)) {
        this.#close();
        this.#open(lead, false, prefix);
      }
    }
    for (const f of fields) {
      const kind = f.kind;
      if (kind === 'person' || kind === 'role') {
        const who = personAt(f.value, 0, p, true);
        if (!who) {
          this.#rec?.lines.push(f.text);
          continue;
        }
        if (this.#rec && !this.#rec.person) {
          this.#rec.person = who;
          this.#rec.fromRole = kind === 'role';
          this.#rec.lines.push(f.text);
        } else {
          this.#close();
          this.#open(who, kind === 'role', f.text);
        }
        // 政务公开工作分管领导：刘建国 — the matter written before the label.
        if (kind === 'role' && p.matter.test(line.slice(0, f.start))) this.#rec!.matter = true;
        continue;
      }
      this.#rec ??= { person: null, fromRole: false, matter: false, duties: false, lines: [] };
      this.#rec.lines.push(f.text);
      if (kind === 'duty') this.#rec.duties = true;
      if (kind !== 'clerk' && p.matter.test(f.value) && !p.clerk.test(f.value)) this.#rec.matter = true;
    }
    // The card as a whole first (its evidence is the card), then its sentences.
    this.#judgeRecord();
    if (!this.tie) this.#sentences(line, this.#rec?.person ?? null);
  }

  #fields(line: string): Field[] {
    const marks = [...line.matchAll(this.#p.field)].map((m) => ({ at: m.index, end: m.index + m[0].length, label: noSpace(m[1]!) }));
    // A label cell of a table read as text: 分管领导 刘卫国 副镇长.
    const first = /^(\S{2,8}) /u.exec(line);
    if (first && this.#kvLabels.has(first[1]!) && marks[0]?.at !== 0) marks.unshift({ at: 0, end: first[0].length, label: first[1]! });
    return marks.map((m, i) => {
      const next = marks[i + 1]?.at ?? line.length;
      return { kind: this.#p.fieldKind.get(m.label)!, start: m.at, value: line.slice(m.end, next).trim(), text: line.slice(m.at, next).trim() };
    });
  }

  /** A line that is only a person: a name, with a title before or after it (a card's heading). */
  #personLine(line: string): Person | null {
    if (line.length > 30 || /[。;!?]/u.test(line)) return null;
    const who = personAt(line, 0, this.#p, true);
    if (!who) return null;
    // The title before the name may be long (县教育体育局党组成员、副局长 张三): no duty, matter or label anywhere but the name.
    const rest = line.replace(who.name, ' ');
    return this.#p.anyDuty.test(rest) || this.#p.matter.test(rest) || /[:]/u.test(line.slice(who.end)) ? null : who;
  }

  #open(person: Person, fromRole: boolean, line: string): void {
    this.#rec = { person, fromRole, matter: false, duties: false, lines: [line] };
  }

  #judgeRecord(): void {
    const rec = this.#rec;
    if (!rec?.person) return;
    if (rec.matter || (rec.fromRole && this.#section)) this.#found({ person: noSpace(rec.person.name), how: rec.fromRole ? 'label' : 'card', text: rec.lines.join(' ') });
  }

  #close(): void {
    const rec = this.#rec;
    if (rec?.person && rec.duties) this.#miss('duties', rec.lines.join(' '));
    this.#rec = null;
  }

  /** A division-of-work table flattened into text: 政务公开 李春燕（党委委员、副镇长） 党政综合办公室. */
  #flatRow(line: string): void {
    const p = this.#p;
    for (const m of line.matchAll(p.matterG)) {
      // Only the persons near this mention: the work stays linear in the line.
      const from = Math.max(0, m.index - 60);
      const near = line.slice(from, m.index + m[0].length + 60);
      const at = m.index - from;
      const end = at + m[0].length;
      const persons = findPersons(near, p);
      const after = persons.find((q) => q.start >= end && q.start - end <= 30 && !/[。;]/u.test(near.slice(end, q.start)));
      const before = persons.findLast((q) => q.end <= at && at - q.end <= 30 && !/[。;]/u.test(near.slice(q.end, at)));
      const who = after ?? before;
      if (who) {
        this.#found({ person: noSpace(who.name), how: 'table', text: near.slice(Math.min(who.start, at), Math.max(who.end, end)) });
        return;
      }
    }
  }

  // ------------------------------------------------------------ structured tables and definition lists

  #table(t: ArticleTable): void {
    const p = this.#p;
    const kindOf = (cell: string) => p.fieldKind.get(noSpace(cell).replace(/:$/u, '')) ?? (noSpace(cell) === '序号' ? 'index' : null);
    const headerAt = t.kind === 'dl' ? -1 : t.rows.slice(0, 3).findIndex((r) => r.filter((c) => kindOf(c)).length >= 2);
    if (headerAt < 0) {
      // Label and value side by side (a <dl>, a card table): the text has them as labelled lines.
      const labelled = t.rows.filter((r) => kindOf(r[0] ?? ''));
      for (const r of labelled) this.#kvLabels.add(noSpace(r[0]!).replace(/:$/u, ''));
      if (t.kind === 'dl' || labelled.length > 0) return;
    }
    const header = headerAt >= 0 ? t.rows[headerAt]! : null;
    // As bounded as the crawl's own tables, whatever a stored snapshot holds.
    for (const row of t.rows.slice(headerAt + 1, MAX_ROWS)) {
      if (this.tie) return;
      this.#row(row.slice(0, MAX_CELLS).map((c) => norm(c.slice(0, MAX_CELL))), header?.map(kindOf) ?? null, header);
    }
  }

  /** One table row: a person (in a person column, or with a title in the row) and the matter in another cell. */
  #row(row: string[], kinds: (FieldKind | 'index' | null)[] | null, header: string[] | null): void {
    const p = this.#p;
    let who: { person: Person; cell: number } | null = null;
    for (const [i, cell] of row.entries()) {
      const kind = kinds?.[i];
      const q =
        kind === 'person' || kind === 'role'
          ? personAt(cell, 0, p, true)
          : !kinds
            ? (findPersons(cell, p)[0] ?? (row.some((c, j) => j !== i && isTitleLine(c)) ? personAt(cell, 0, p, true) : null))
            : null;
      if (q) {
        who = { person: q, cell: i };
        break;
      }
    }
    const text = row.map((c, i) => (header?.[i] ? `${header[i]}:${c}` : c)).join(' ');
    if (!who) return;
    const { person, cell } = who;
    const matterCell = row.findIndex((c, i) => i !== cell && kinds?.[i] !== 'clerk' && p.matter.test(c) && !p.clerk.test(c));
    if (matterCell >= 0) this.#found({ person: noSpace(person.name), how: 'table', text });
    else if (row.some((c, i) => i !== cell && c.length > 0)) this.#miss('duties', text);
  }

  // ------------------------------------------------------------ sentences

  /**
   * Sentences of one line, clause by clause. A duty is tied to the person
   * just before its verb, to one written after it (分管政务公开：副局长 张三; 由张三负责),
   * or, when the clause has no subject, to the subject of the clauses before it
   * (副场长 王晓东：负责林业…，分管政务公开工作) for up to two sentences.
   */
  #sentences(line: string, inherit: Person | null): void {
    let subject = inherit;
    let age = 0;
    for (const sentence of splitSentences(line)) {
      if (this.tie) return;
      if (age++ > 2) subject = inherit;
      for (const [i, clause] of splitClauses(sentence).entries()) {
        // A biography: 张三，男，…，现任…副局长，负责…政务公开工作 — the bare name opening a sentence that gives a title.
        const bio = i === 0 ? bioSubject(clause, sentence, this.#p) : null;
        if (bio) {
          subject = bio;
          age = 1;
          continue;
        }
        const next = this.#clause(clause, sentence, subject);
        if (next !== undefined) {
          subject = next;
          age = 1;
        }
        if (this.tie) return;
      }
    }
  }

  /** Reads one clause; returns its own subject (a person, null for an organisation), or undefined when it has none. */
  #clause(clause: string, sentence: string, subject: Person | null): Person | null | undefined {
    const p = this.#p;
    const persons = findPersons(clause, p);
    const firstVerb = clause.search(p.verbG);
    for (const m of clause.matchAll(p.duty)) {
      // The verb nearest the matter is its verb (负责办公室工作 分管政务公开 → 分管).
      let verb = m.index;
      for (const v of m[0].matchAll(p.verbG)) if (v.index < m[0].length - 2) verb = m.index + v.index;
      const end = m.index + m[0].length;
      const rest = clause.slice(end);
      const attributive = p.attributive.exec(rest);
      if (attributive) {
        // 分管政务公开工作的副局长张三 names him; 分管政务公开工作的领导同志 names nobody (…工作的通知 is about him: read on).
        const after = personAt(rest, attributive[0].length, p);
        if (after) {
          this.#found({ person: noSpace(after.name), how: 'sentence', text: sentence });
          return after;
        }
        if (/^\s?(?:领导|同志|负责|人员|人|是|为|干部|分管|主管|班子)/u.test(rest.slice(attributive[0].length))) {
          this.#miss('unnamed', sentence);
          continue;
        }
      }
      const before = clause.slice(0, verb);
      if (p.clerk.test(before.slice(-12))) {
        this.#miss('clerk', sentence);
        continue;
      }
      const colon = /^\s?(?:工作|事务)?\s?:\s?/u.exec(rest);
      const named = colon ? personAt(rest, colon[0].length, p) : null;
      if (named) {
        this.#found({ person: noSpace(named.name), how: 'label', text: sentence });
        return named;
      }
      const near = persons.findLast((q) => q.end <= verb);
      const gap = near ? clause.slice(near.end, verb) : before;
      if (p.orgEnd.test(stripAsides(gap))) {
        this.#miss('office', sentence);
        continue;
      }
      const who = near ?? subject;
      if (who) {
        this.#found({ person: noSpace(who.name), how: 'sentence', text: sentence });
        return who;
      }
      this.#miss('unnamed', sentence);
    }
    this.#matterFirst(clause, sentence);
    if (p.anyDuty.test(clause) && (persons.length > 0 || subject)) this.#miss('duties', sentence);
    if (persons.length > 0) return persons[persons.length - 1]!;
    if (firstVerb >= 0 && p.orgEnd.test(stripAsides(clause.slice(0, firstVerb)))) return null;
    return undefined;
  }

  /** 政务公开工作由副局长张三负责; 政务公开工作分管领导：刘建国; 政务公开由办公室负责 (an office). */
  #matterFirst(clause: string, sentence: string): void {
    const p = this.#p;
    for (const m of clause.matchAll(p.matterG)) {
      const rest = clause.slice(m.index + m[0].length);
      const by = rest.slice(0, 14).indexOf('由');
      if (by >= 0) {
        const after = rest.slice(by + 1);
        const who = personAt(after, 0, p, true);
        if (who && p.verbNext.test(after.slice(who.end))) {
          this.#found({ person: noSpace(who.name), how: 'sentence', text: sentence });
          return;
        }
        if (p.byOrg.test(after)) this.#miss('office', sentence);
        else if (p.byClerk.test(after)) this.#miss('clerk', sentence);
        continue;
      }
      for (const r of rest.slice(0, 30).matchAll(p.role)) {
        if (/[,;。]/u.test(rest.slice(0, r.index))) break;
        const who = personAt(rest, r.index + r[0].length, p, true);
        if (who) {
          this.#found({ person: noSpace(who.name), how: 'label', text: sentence });
          return;
        }
        // 张三同志为政务公开工作分管领导: the person before, the role after the matter.
        const before = findPersons(clause.slice(0, m.index), p).at(-1);
        if (before && /^\s?(?:同志)?\s?(?:为|是|任|担任|作为)/u.test(clause.slice(before.end, m.index))) {
          this.#found({ person: noSpace(before.name), how: 'label', text: sentence });
          return;
        }
        this.#miss('unnamed', sentence);
      }
      // 政务公开：张三（副局长）
      const labelled = /^\s?(?:工作)?\s?[:—-]{1,2}\s?/u.exec(rest);
      const who = labelled ? personAt(rest, labelled[0].length, p) : null;
      if (who) {
        this.#found({ person: noSpace(who.name), how: 'label', text: sentence });
        return;
      }
      if (p.clerk.test(rest.slice(0, 12))) this.#miss('clerk', sentence);
      // 办公室（人事处）承担…政务公开…工作; 党政综合办公室：负责…，承担…政务公开等工作.
      else if (OFFICE_RE.test(clause) || OFFICE_SUBJECT_RE.test(sentence)) this.#miss('office', sentence);
    }
  }
}

interface Rec {
  person: Person | null;
  /** The person came from a leader label (分管领导：…): tied to the matter of the section it stands in. */
  fromRole: boolean;
  /** A field or duty list of the record names the matter. */
  matter: boolean;
  /** The record gives the person duties (for saying that leaders are listed without the matter). */
  duties: boolean;
  lines: string[];
}

interface Field {
  kind: FieldKind;
  start: number;
  value: string;
  text: string;
}

// ---------------------------------------------------------------- text helpers

/** NFKC (：→:, （→( …) and one space for every run of blanks; lines stay. */
function norm(s: string): string {
  return normalizeText(s).replace(/[ \t\u00a0]+/gu, ' ');
}

/** Persons with a title or 同志, in order of position. */
function findPersons(text: string, p: Patterns): Person[] {
  const out: Person[] = [];
  for (const re of p.persons) {
    for (const m of text.matchAll(re)) {
      if (isName(m[1]!)) out.push({ name: m[1]!, start: m.index, end: m.index + m[0].length });
    }
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** A person written at `at`: with a title or 同志, or — where the structure says it is a person — a name alone. */
function personAt(text: string, at: number, p: Patterns, bare = false): Person | null {
  const rest = text.slice(at, at + 60);
  const m = p.personStart.exec(rest);
  if (!m || !isName(m[1]!)) return null;
  const titled = m[0].length > m[1]!.length + 1 || /^\s?(?:同志|\(|\s?[^\s]{0,20}?(?:长|书记|主任|委员|领导|调研员))/u.test(rest.slice(m[0].length));
  if (!bare && !titled) return null;
  return { name: m[1]!, start: at + m.index, end: at + m.index + m[0].length };
}

const BIO_RE = /(?:^|,)(?:男|女)(?:,|$)|出生|生人|籍贯|民族|学历/u;

/** The bare name that opens a sentence giving a title (张三，男，1975年出生，现任…副局长，…), or null. */
function bioSubject(clause: string, sentence: string, p: Patterns): Person | null {
  const c = clause.trim();
  if (c.length > 4) return null;
  const who = personAt(c, 0, p, true);
  const rest = sentence.slice(c.length);
  return who && noSpace(who.name) === noSpace(c) && p.title.test(rest) && BIO_RE.test(rest) ? who : null;
}

/** A line that is only a title (县教育体育局党组成员、副局长). */
function isTitleLine(line: string): boolean {
  return line.length <= 40 && !/[。;:]/u.test(line) && /(?:长|书记|主任|委员|调研员|领导)\)?$/u.test(line);
}

/** A short line without sentence punctuation: a heading of the page. */
function isHeading(line: string): boolean {
  return line.length <= 30 && !/[。;,]/u.test(line) && (!line.includes(':') || line.endsWith(':'));
}

/** Text in brackets and trailing punctuation left out (办公室（人事处）负责 → 办公室). */
function stripAsides(s: string): string {
  return s.replace(/\([^()]{0,30}\)/gu, '').replace(/[\s:]+$/u, '');
}

function splitSentences(line: string): string[] {
  return line.split(/(?<=[。!?])/u).flatMap((x) => pieces(x, 2 * MAX_CLAUSE)).filter((x) => x.trim());
}

/** A text cut in pieces of at most `max` characters (a page without punctuation is still read in bounded steps). */
function pieces(s: string, max: number): string[] {
  if (s.length <= max) return [s];
  return Array.from({ length: Math.ceil(s.length / max) }, (_, i) => s.slice(i * max, (i + 1) * max));
}

/** Clauses at , and ; outside brackets (张三（副局长，分管政务公开） stays one clause). */
function splitClauses(sentence: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < sentence.length; i++) {
    const c = sentence[i]!;
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if ((c === ',' || c === ';') && depth === 0) {
      out.push(sentence.slice(from, i));
      from = i + 1;
    }
  }
  out.push(sentence.slice(from));
  return out.flatMap((c) => pieces(c, MAX_CLAUSE)).filter((x) => x.trim());
}

/** The sentence around [start, end) of `text`. */
function sentenceAt(text: string, start: number, end: number): string {
  let from = start;
  while (from > 0 && start - from < 80 && !/[。!?\n]/u.test(text[from - 1]!)) from--;
  let to = end;
  while (to < text.length && to - end < 80 && !/[。!?\n]/u.test(text[to]!)) to++;
  return text.slice(from, to + 1);
}

/** Evidence as shown in a report: one line, clipped, long digit runs (telephone numbers) masked. */
function evidence(s: string): string {
  const one = s.replace(/\s+/gu, ' ').trim().replace(/\d{7,}/gu, (d) => `${d.slice(0, 3)}****${d.slice(-2)}`);
  return clip(one, 120);
}

// ---------------------------------------------------------------- the rule

const NEAR_MISS: Record<MissKind, string> = {
  main: '只公开了主要负责人',
  office: '政务公开职责落实到办公室而非个人',
  group: '只提到政务公开工作领导小组，未写明组长',
  clerk: '只写明了具体承办人员，未写明负责同志',
  unnamed: '提到分管（负责）政务公开工作的负责同志，但未写明姓名',
  duties: '公开了领导分工，但分工中没有政务公开工作',
};
const MISS_ORDER: MissKind[] = ['main', 'group', 'office', 'clerk', 'unnamed', 'duties'];

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

  // Leader pages first, then any other page read, then every column's item titles: the first tie is the evidence.
  const articles = Object.values(snapshot.articles)
    .filter((a) => a.fetched)
    .sort((a, b) => Number(leaderKeys.has(b.column)) - Number(leaderKeys.has(a.column)));
  const misses: Partial<Record<MissKind, { text: string; url: string }>> = {};
  // Any page may name the leader; why nobody is named is told from the pages the rule needed (not an annual report's prose).
  const consider = (page: LeaderPage, url: string, pageTitle: string, needed: boolean) => {
    const r = readLeaderPage(page, s);
    if (r.tie) return { person: r.tie.person, how: r.tie.how, url, title: pageTitle, text: r.tie.text };
    if (needed) for (const k of MISS_ORDER) if (r.misses[k] && !misses[k]) misses[k] = { text: r.misses[k]!, url };
    return null;
  };
  let named: ReturnType<typeof consider> = null;
  for (const a of articles) {
    named ??= consider(a, a.finalUrl || a.url, a.title, leaderKeys.has(a.column));
    if (named) break;
  }
  for (const column of named ? [] : snapshot.columns) {
    for (const title of [column.name, ...column.items.map((i) => i.title)]) {
      named ??= consider({ text: title }, column.url, column.name, leaderKeys.has(column.key));
      if (named) break;
    }
  }
  if (named) {
    return {
      findings,
      inconclusive,
      assessed: true,
      observed: { named: `${named.person}（${HOW[named.how]}）`, evidencePage: named.url, evidenceText: named.text },
    };
  }

  // Not named — but only pages that were read can say so.
  for (const c of leaderColumns) {
    if (c.status !== 'ok') {
      inconclusive.push({ rule: 'leader-disclosure', url: c.url, column: c.key, reason: `领导信息栏目“${c.key}”未能完整读取，无法确认是否公开了分管领导` });
      continue;
    }
    for (const it of c.items) {
      const a = snapshot.articles[it.url];
      const why = !a?.fetched ? '页面未能读取' : !a.text.trim() && !a.tables?.length ? '页面没有可读的文字（可能是附件或图片）' : null;
      if (why) inconclusive.push({ rule: 'leader-disclosure', url: it.url, column: c.key, reason: `“${clip(it.title, 30)}”${why}，无法确认是否公开了分管领导` });
    }
  }
  if (inconclusive.length > 0) return { findings, inconclusive, assessed: true };

  const where = leaderColumns[0];
  const kind = MISS_ORDER.find((k) => misses[k]);
  const miss = kind ? misses[kind]! : null;
  const leaderArticles = articles.filter((a) => leaderKeys.has(a.column));
  findings.push({
    rule: 'leader-disclosure',
    code: 'not-named',
    url: where?.url ?? snapshot.unit.url,
    ...(where ? { column: where.key } : {}),
    message: `未在网站上公开承担政务公开工作领导责任的负责同志${kind ? `（${NEAR_MISS[kind]}）` : ''}`,
    observed: {
      leaderColumns: leaderColumns.map((c) => c.key),
      articlesRead: leaderArticles.length,
      pagesRead: leaderArticles.slice(0, 10).map((a) => `${clip(a.title || a.url, 30)}（${a.finalUrl || a.url}）`),
      ...(kind && miss ? { nearMiss: NEAR_MISS[kind], evidencePage: miss.url, evidenceText: miss.text } : {}),
    },
    highlight: where?.name ?? snapshot.unit.name,
  });
  return { findings, inconclusive, assessed: true };
}

const HOW: Record<Tie['how'], string> = { card: '领导信息卡片', table: '分工表格', sentence: '分工表述', label: '分管领导标注', group: '政务公开领导小组组长' };
