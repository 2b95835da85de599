import { z } from 'zod';
import { columnMatches, defineRule, type ColumnSnapshot, type Inconclusive, type RawFinding, type RuleContext, type RuleInput } from './api.ts';
import { hasOpaqueContent, matterNeeds, matterPages } from './lib/pages.ts';
import { columnKeywords } from './lib/settings.ts';
import { clip, normalizeText } from './lib/text.ts';

const settings = z
  .object({
    /** Columns that hold the unit's own description (most specific first: a missing field is shown on the first). */
    columns: columnKeywords([
      '机构职能', '机构设置', '机构概况', '单位概况', '部门概况', '机构简介', '单位简介', '部门简介', '单位介绍', '部门介绍',
      '职能职责', '主要职责', '工作职能', '部门职能', '组织机构', '基本信息', '联系方式', '联系我们',
    ]),
    /** Items elsewhere whose title names the matter are read too. */
    titles: z.array(z.string().min(1)).default(['机构职能', '机构设置', '内设机构', '主要职责', '职能职责', '联系方式']),
  })
  .strict();

type Settings = z.output<typeof settings>;

export const AGENCY_FIELDS = ['机构设置', '工作职能', '办公地址', '办公时间', '联系方式'] as const;
export type AgencyField = (typeof AGENCY_FIELDS)[number];

export default defineRule({
  meta: {
    id: 'agency-info',
    indicator: '机构职能信息公开',
    title: '公开机构设置、工作职能、办公地址、办公时间、联系方式',
    description:
      '单位须在机构职能（机构设置、单位概况等）栏目中公开机构设置（内设机构）、工作职能（主要职责）、办公地址、办公时间和联系方式（电话或电子邮箱）。缺少的信息合并为一条列出。',
    codes: { 'missing-fields': '机构职能信息不全' },
    settings,
    needs: matterNeeds,
    observed: { missing: '缺少的信息', found: '已公开的信息', pages: '已读页面数', columns: '已查找栏目' },
  },
  run,
});

/**
 * How a field is stated. `cue` is its label or lead word; right after it (a
 * colon, 为, 是… and no sentence end between) comes a value `value` recognises
 * (matched at the start of the text after the cue). A page titled with the cue
 * (县教育体育局内设机构) states the field when its opening shows a value
 * (`opening`). `bare` finds it without any cue (周一至周五上午8:00…).
 */
interface FieldSigns {
  cue: RegExp;
  value: RegExp;
  titleCue?: RegExp;
  opening?: RegExp;
  bare?: { re: RegExp; times: number };
}

// An organisation unit's name ends so, and is followed by a separator: 党政综合办公室、 政策法规股： 财政所，
const ORG = String.raw`\p{Script=Han}(?:办公室|大队|中队|分局|分场|委员会|中心|股|科|室|所|站|队|办|院|馆)(?=[、，,；;。:\s（(和及等]|$)`;
const DUTY = '负责|执行|贯彻|拟订|拟定|承担|组织实施|指导|统筹|监督|制定|管理';
const ADDRESS = String.raw`路|街|大道|巷|\d+号|楼|大厦|大院|广场|村|镇|乡|县|区|市`;
const TIME = String.raw`\d{1,2}:\d{2}|\d{1,2}[时点]|[上下]午|周[一二三四五六日]|星期[一二三四五六日]|工作日|节假日`;
const after = (lead: string, gap: string, value: string) => new RegExp(`^(?:${lead})*${gap}(?:${value})`, 'u');

const SIGNS: Record<Exclude<AgencyField, '联系方式'>, FieldSigns> = {
  机构设置: {
    cue: /内设机构|机构设置|内设|下设|设有|科室设置|股室设置|组织机构|所属单位|下属单位|直属单位|二级机构|(?:政府|局|委|镇|乡|场|单位|机关|部门)设/gu,
    value: after('[:为有包括如下]', '[^。；;\\n]{0,40}?', ORG),
    titleCue: /内设机构|机构设置|组织机构|科室设置|股室设置/u,
    opening: new RegExp(ORG, 'u'),
    // 办公室：负责… 政策法规股：负责… — the offices listed with their duties.
    bare: { re: new RegExp(`${ORG}:负责`, 'gu'), times: 2 },
  },
  工作职能: {
    cue: /主要职责|工作职责|职能职责|主要职能|工作职能|部门职责|机构职能|职能配置|职责|职能/gu,
    value: after('[:是为如下包括]', '[^。；;\\n]{0,30}?', DUTY),
    titleCue: /职责|职能/u,
    opening: new RegExp(DUTY, 'u'),
    // （一）负责… （二）负责… — duties listed without a heading.
    bare: { re: /(?:^|[\n。；;:]|[(（][一二三四五六七八九十\d]+[)）]|\d[、.])负责/gu, times: 3 },
  },
  办公地址: {
    cue: /办公地址|单位地址|机关地址|通讯地址|通信地址|联系地址|办公地点|地址|地点|位于|坐落于|座落于/gu,
    value: after('[:为是在设]', '[^。；;:\\n]{0,24}?', ADDRESS),
  },
  办公时间: {
    cue: /办公时间|工作时间|上班时间|受理时间|接待时间|服务时间|办事时间|咨询时间|对外办公/gu,
    // 办公时间：夏令时：8:00-12:00 — a second colon may stand inside the value.
    value: after('[:为是]', '[^。；;\\n]{0,12}?', TIME),
    bare: { re: /(?:周一至周五|星期一至星期五|周一至周六|法定工作日|工作日)[^。；;\n]{0,8}?(?:\d{1,2}:\d{2}|[上下]午\d)/gu, times: 1 },
  },
};
const PHONE = /(?<!\d)\(?0\d{2,3}\)?-?\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)|(?:电话|热线|传真|手机|座机|tel)[:(]?\d[\d-]{6,14}\d/iu;
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,4}/u;

/** Text read per page (a 机构职能 page is a few thousand characters). */
const MAX_TEXT = 100_000;
/** How far into a page titled with a cue its opening value is looked for. */
const OPENING = 300;
/** Cue occurrences looked at per field (a cue word repeated on a long page adds nothing after a while). */
const MAX_CUES = 200;
/** Characters after a cue that the value patterns can reach. */
const WINDOW = 60;

function atLeast(re: RegExp, text: string, times: number): boolean {
  let n = 0;
  for (const _ of text.matchAll(re)) if (++n >= times) return true;
  return false;
}

/** Which of the five fields a page states (a label with a value after it, a table row, a titled page, or prose). */
export function fieldsStated(title: string, raw: string): AgencyField[] {
  // Table cells are flattened with spaces (办公时间 周一至周五 …): spaces go, line ends stay.
  const squash = (t: string) => normalizeText(t).replace(/[ \t\u00a0\u3000]+/gu, '');
  const text = squash(raw.length > MAX_TEXT ? raw.slice(0, MAX_TEXT) : raw);
  const head = squash(title);
  const cued = ({ cue, value }: FieldSigns) => {
    let n = 0;
    for (const m of text.matchAll(cue)) {
      if (++n > MAX_CUES) return false;
      const end = m.index + m[0].length;
      if (value.test(text.slice(end, end + WINDOW))) return true;
    }
    return false;
  };
  return AGENCY_FIELDS.filter((f) => {
    if (f === '联系方式') return PHONE.test(text) || EMAIL.test(text);
    const signs = SIGNS[f];
    if (signs.titleCue?.test(head) && signs.opening!.test(text.slice(0, OPENING))) return true;
    if (signs.bare && atLeast(signs.bare.re, text, signs.bare.times)) return true;
    return cued(signs);
  });
}

function run({ snapshot, columns: facts }: RuleInput, ctx: RuleContext<Settings>) {
  const s = ctx.settings;
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];
  const rank = (c: ColumnSnapshot) => {
    const i = s.columns.findIndex((k) => c.name.includes(k));
    return i < 0 ? s.columns.length : i;
  };
  const columns = facts
    .filter((f) => f.judged && columnMatches(f.column.path, s.columns))
    .map((f) => f.column)
    .sort((a, b) => rank(a) - rank(b));
  const { read, unread } = matterPages(snapshot, columns, (t) => s.titles.some((k) => t.includes(k)));

  const found = new Set<AgencyField>();
  for (const a of read) for (const f of fieldsStated(a.title, a.text)) found.add(f);
  const missing = AGENCY_FIELDS.filter((f) => !found.has(f));
  if (missing.length === 0) return { findings, inconclusive, assessed: true };

  const where = columns[0];
  const at = { rule: 'agency-info', url: where?.url ?? snapshot.unit.url, ...(where ? { column: where.key } : {}) };
  // A field may be on a page that was not read, in a list not read in full, or in a picture or file on a page.
  const partial = (where ? columns : snapshot.columns).filter((c) => c.status !== 'ok');
  const opaque = read.filter(hasOpaqueContent);
  if (unread.length || partial.length || opaque.length) {
    const why = [
      ...unread.map((u) => u.why),
      ...partial.map((c) => `栏目“${c.key}”未能完整读取`),
      ...opaque.map((a) => `“${clip(a.title || a.url, 30)}”含图片或附件`),
    ];
    inconclusive.push({ ...at, reason: `机构职能信息中未找到${missing.join('、')}，但${why.slice(0, 3).join('；')}${why.length > 3 ? '等' : ''}，无法确认` });
    return { findings, inconclusive, assessed: true };
  }

  // 条例第二十条第（一）项: every administrative body publishes its 机构职能. A unit that has no such column at
  // all (its whole directory read) has not published them — a finding, not "no such matter" (the average).
  findings.push({
    ...at,
    code: 'missing-fields',
    message: where
      ? `机构职能栏目“${where.key}”未公开${missing.join('、')}`
      : `单位信息公开目录中没有机构职能栏目，未公开${missing.join('、')}`,
    observed: { missing, found: AGENCY_FIELDS.filter((f) => found.has(f)), pages: read.length, columns: columns.map((c) => c.key) },
    highlight: where?.name ?? snapshot.unit.name,
  });
  return { findings, inconclusive, assessed: true };
}
