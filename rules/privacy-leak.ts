import { z } from 'zod';
import type { AttachmentSnapshot, PersonalDataHit } from '../src/model/snapshot.ts';
import { defineRule, type Inconclusive, type RawFinding, type RuleContext, type RuleInput } from './api.ts';
import { clip } from './lib/text.ts';

/**
 * 未有涉及个人隐私泄密的: the unit's pages and the attachments they link to
 * hold no unmasked resident ID number, and — advisory unless the scheme gives
 * the codes points — no private mobile or bank card number next to a name.
 *
 * The rule never sees a number. The crawl finds and validates them while it
 * reads each page or attachment (src/lib/personal-data.ts: region,
 * birth date and GB 11643 check digit; Luhn for cards), masks them everywhere
 * it keeps text, and records each as a hit (masked form, position, a few
 * masked characters around it). This rule judges those hits: a check-digit
 * failure is not an ID number; a mobile or card counts only with a person's
 * name right beside it and no contact cue (联系人, 联系方式, 办公电话…: the
 * office's published numbers are not personal data). Already-masked numbers
 * (3624**********1234) are never hits.
 *
 * Which pages: those the crawl read for any rule, plus what this rule asks
 * for itself — the newest `perColumn` articles of every judged column and up
 * to `perColumnMatching` whose titles suggest lists of people (公示, 名单,
 * 补贴…), with their attachments. One finding per page or attachment and
 * code; the coverage is in each finding's `observed`.
 */
const settings = z
  .object({
    /** Newest articles read from every judged column. */
    perColumn: z.number().int().min(0).max(200).default(5),
    /** Titles that suggest a list of people: up to `perColumnMatching` such articles more per column. */
    titleKeywords: z.array(z.string().min(1)).default(['公示', '名单', '名册', '花名册', '补贴', '补助', '救助', '低保', '资助', '慰问', '录用', '聘用', '拟任', '发放']),
    perColumnMatching: z.number().int().min(0).max(200).default(10),
    /** Surnames that start a person's name (two or three characters; compound surnames four). */
    surnames: z
      .string()
      .default(
        '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤易温康施文牛樊葛邢安齐伍庞颜倪洪涂晏幸漆欧饶甘游聂左',
      ),
    compoundSurnames: z.array(z.string()).default(['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '令狐', '慕容']),
    /** Words that start with a surname but are not names (金额 6222…, 万元). */
    notNames: z.array(z.string()).default(['金额', '余额', '万元', '文号', '方式', '方面', '安全', '安排', '高速', '高校', '江西', '林业', '石油', '田间', '王府', '龙头', '白天', '向上', '于是', '严格', '康复', '温度', '易地', '齐全']),
    /** Words that make a nearby number a published contact number (an office's, a contact person's). */
    contactCues: z.array(z.string().min(1)).default(['联系人', '联系方式', '联系电话', '办公电话', '咨询电话', '监督电话', '举报电话', '投诉电话', '服务热线', '值班电话', '传真', '邮箱', '地址', '邮编']),
  })
  .strict();

type Settings = z.output<typeof settings>;
type Code = PersonalDataHit['kind'];

const LABELS: Record<Code, string> = { 'id-number': '居民身份证号码', mobile: '个人手机号码', 'bank-card': '银行卡号' };

export default defineRule({
  meta: {
    id: 'privacy-leak',
    indicator: '未有涉及个人隐私泄密的',
    title: '页面和附件不泄露个人隐私',
    description:
      '本单位页面及其附件（PDF、Word、WPS、Excel）中不得出现未遮盖的居民身份证号码；姓名旁的个人手机号码、银行卡号作为提示。检查各栏目最新的若干篇信息和标题像名单、公示的信息及其附件；已遮盖的号码和单位公布的联系电话不算。',
    codes: {
      'id-number': '公开了未遮盖的居民身份证号码',
      mobile: '公开了个人手机号码',
      'bank-card': '公开了个人银行卡号',
    },
    settings,
    needs: (s) => [
      { kind: 'articles', columns: 'judged', max: s.perColumn, newest: true, attachments: 'text' },
      { kind: 'articles', columns: 'judged', titles: s.titleKeywords, max: s.perColumnMatching, newest: true, attachments: 'text' },
    ],
    observed: {
      title: '页面标题',
      attachment: '附件',
      linkedFrom: '附件所在页面',
      count: '号码个数',
      examples: '号码（已遮盖）',
      pagesChecked: '本单位已检查页面数',
      attachmentsChecked: '本单位已检查附件数',
    },
  },
  run,
});

const CLAUSE_END = /[。；;！!？?\n]/u;
const UNIT_SUFFIX = /(局|委|办|所|站|院|校|镇|乡|村|场|司|行|会|部|处|科|队|室|厅|中心|小组|政府|社区|街道)$/u;
/** A name, then maybe the number's label (张三，卡号 6222…). Contexts are at most 24 characters. */
const CJK_RUN_BEFORE = /([\u4e00-\u9fa5]{2,4})[\s:：,，、()（）|]*(?:银行卡号|卡号|账号|帐号|账户)?[\s:：,，、()（）|]*$/u;
const CJK_RUN_AFTER = /^[\s:：,，、()（）|]*([\u4e00-\u9fa5]{2,4})/u;

/** A person's name: a run of 2–3 characters (4 with a compound surname) starting with a surname, not a body's name. */
export function isPersonName(run: string, s: Pick<Settings, 'surnames' | 'compoundSurnames' | 'notNames'>): boolean {
  if (UNIT_SUFFIX.test(run) || s.notNames.some((w) => run.startsWith(w))) return false;
  if (s.compoundSurnames.some((c) => run.startsWith(c))) return run.length >= 3 && run.length <= 4;
  return run.length <= 3 && s.surnames.includes(run[0]!);
}

/**
 * A mobile or card number that is personal: a name right before or after it
 * (`张三 139****5678`, `6222…0128（李四）`), and no contact cue around it.
 */
export function isPersonal(hit: PersonalDataHit, s: Settings): boolean {
  // Only the number's own clause counts: the next sentence's 联系电话 says nothing about it.
  const ownBefore = hit.before.split(CLAUSE_END).at(-1)!;
  const ownAfter = hit.after.split(CLAUSE_END)[0]!;
  if (s.contactCues.some((c) => ownBefore.includes(c) || ownAfter.includes(c))) return false;
  const before = CJK_RUN_BEFORE.exec(ownBefore)?.[1];
  const after = CJK_RUN_AFTER.exec(ownAfter)?.[1];
  // The run before a number may carry the preceding word (审核张三): its last 2–3 characters are the name.
  const tails = before ? [before, before.slice(-3), before.slice(-2)] : [];
  return tails.some((t) => isPersonName(t, s)) || (after !== undefined && [after, after.slice(0, 3), after.slice(0, 2)].some((t) => isPersonName(t, s)));
}

function reportable(hits: readonly PersonalDataHit[], s: Settings): Map<Code, PersonalDataHit[]> {
  const by = new Map<Code, PersonalDataHit[]>();
  for (const h of hits) {
    const counts = h.kind === 'id-number' ? h.valid : h.valid && isPersonal(h, s);
    if (counts) by.set(h.kind, [...(by.get(h.kind) ?? []), h]);
  }
  return by;
}

function unreadReason(a: AttachmentSnapshot): string | null {
  if (a.failure) return a.failure.reason;
  if (a.unreadable) return a.unreadable;
  if (a.incomplete) return '文件较大，只读取了前一部分';
  return null;
}

function run({ snapshot, columns }: RuleInput, ctx: RuleContext<Settings>) {
  const s = ctx.settings;
  const findings: RawFinding[] = [];
  const inconclusive: Inconclusive[] = [];

  // The unit's own pages: its columns' items and column pages (not pages of others an interpretation linked to).
  const own = new Map<string, { column: string; list: string; title: string }>();
  for (const f of columns) {
    own.set(f.column.url, { column: f.column.key, list: f.column.url, title: f.column.name });
    for (const it of f.column.items) own.set(it.url, { column: f.column.key, list: f.column.url, title: it.title });
  }
  const articles = Object.values(snapshot.articles).filter((a) => own.has(a.url));
  const scanned = articles.filter((a) => a.fetched && a.personalData !== undefined);
  // Files a page links to, and list items that are files themselves.
  const attachments = articles.filter((a) => a.fetched).flatMap((a) => a.attachments ?? []);
  const coverage = { pagesChecked: scanned.length, attachmentsChecked: attachments.filter((x) => x.personalData !== undefined).length };

  // An attachment several pages link to is one attachment.
  const reported = new Set<string>();
  /** One finding per code with reportable hits; the screenshot outlines the first number (masked on the page too) or the attachment's link. */
  const report = (url: string, column: string, hits: readonly PersonalDataHit[], where: { title: string; attachment?: string; linkedFrom?: string }) => {
    if (reported.has(url)) return;
    reported.add(url);
    for (const [code, list] of reportable(hits, s)) {
      const examples = [...new Set(list.map((h) => h.masked))].slice(0, 5);
      const place = where.attachment ? `附件《${clip(where.attachment, 40)}》` : `页面“${clip(where.title, 40)}”`;
      findings.push({
        rule: 'privacy-leak',
        code,
        url,
        column,
        message: `${place}中有 ${list.length} 个未遮盖的${LABELS[code]}（如 ${examples[0]}，此处已遮盖）`,
        observed: { ...where, count: list.length, examples, ...coverage },
        highlight: where.attachment ?? list[0]!.masked,
      });
    }
  };

  let unscanned = 0;
  for (const a of articles) {
    const { column, list, title: listed } = own.get(a.url)!;
    if (!a.fetched) {
      inconclusive.push({ rule: 'privacy-leak', url: a.url, column, reason: '页面未能读取，未检查其中是否有个人信息' });
      continue;
    }
    if (a.personalData === undefined && !a.isFile) {
      unscanned++;
      continue;
    }
    const title = a.title || listed;
    if (!a.isFile) report(a.url, column, a.personalData!, { title });
    const unread: string[] = [];
    for (const x of a.attachments ?? []) {
      const why = unreadReason(x);
      // A list item that is itself a file is shown on the list that links to it.
      const where = a.isFile ? { title, attachment: listed, linkedFrom: list } : { title, attachment: x.name || x.url, linkedFrom: a.url };
      if (x.personalData) report(x.url, column, x.personalData, where);
      if (why && !(x.personalData && reportable(x.personalData, s).size > 0)) unread.push(`《${clip(where.attachment, 30)}》（${why}）`);
    }
    if (unread.length) {
      const names = unread.slice(0, 3).join('；') + (unread.length > 3 ? ` 等 ${unread.length} 个` : '');
      const what = a.isFile ? '该信息是文件，未能读取' : `页面“${clip(title, 30)}”的附件未能读取`;
      inconclusive.push({ rule: 'privacy-leak', url: a.url, column, reason: `${what}，未检查其中是否有个人信息：${names}` });
    }
  }
  if (unscanned > 0) {
    // A snapshot stored before pages were scanned: re-judging it cannot tell, one line for the unit.
    inconclusive.push({ rule: 'privacy-leak', url: snapshot.unit.url, reason: `${unscanned} 篇页面取自旧快照（当时尚未检查个人信息），需重新抓取后判断` });
  }
  for (const f of columns) {
    if (f.judged && f.column.status === 'failed') {
      inconclusive.push({ rule: 'privacy-leak', url: f.column.url, column: f.column.key, reason: '栏目列表未能读取，其中的信息未检查是否有个人信息' });
    }
  }
  return { findings, inconclusive, assessed: true };
}
