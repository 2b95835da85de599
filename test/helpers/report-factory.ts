import { DEFAULT_SCHEME, loadScheme } from '../../src/config/scheme.ts';
import { ruleCatalog } from '../../src/judge/catalog.ts';
import type { AuditReport, Finding, IndicatorScore, UnitResult } from '../../src/model/result.ts';

/**
 * A scored AuditReport shaped like the sample portal's (fixtures/README.md lists the planted findings),
 * for report tests. Numbers are self-consistent test data, not a scoring run.
 */

const PORTAL = 'http://127.0.0.1:8080';

const DEPT_POINTS: [string, string, number][] = [
  ['column-update', '平台栏目更新', 10],
  ['annual-report-timing', '年度报告发布', 2],
  ['annual-report-quality', '年度报告编制质量', 4],
  ['interpretation-link', '解读材料提供原政策文件网址链接', 2],
  ['leader', '分管领导', 1],
];
const TOWN_POINTS: [string, string, number][] = [
  ['column-update', '平台栏目更新', 10],
  ['annual-report-timing', '年度报告发布', 2],
  ['annual-report-quality', '年度报告编制质量', 6],
  ['interpretation-link', '解读材料提供原政策文件网址链接', 2],
  ['leader', '分管领导', 2],
];

function indicators(type: UnitResult['type'], deducted: Record<string, number>, notAssessed: string[] = []): IndicatorScore[] {
  return (type === 'department' ? DEPT_POINTS : TOWN_POINTS).map(([key, name, points]) => ({
    key,
    name,
    points,
    deducted: deducted[key] ?? 0,
    assessed: !notAssessed.includes(key),
  }));
}

export function finding(partial: Partial<Finding> & Pick<Finding, 'rule' | 'code' | 'deduction' | 'url'>): Finding {
  return { indicator: '平台栏目更新', message: '栏目未及时更新', evidence: {}, ...partial };
}

function stale(unit: string, column: string, newest: string, newestTitle: string, deduction: number, shot?: string): Finding {
  return finding({
    rule: 'column-update',
    code: 'stale',
    deduction,
    column,
    url: `${PORTAL}/xxgk/${unit}/${encodeURIComponent(column)}/index.html`,
    message: `栏目“${column}”最新信息发布于 ${newest}，距测评基准日超过 180 天未更新`,
    evidence: { newestTitle, newestDate: newest, highlight: newestTitle, ...(shot ? { screenshot: shot } : {}) },
  });
}

function empty(unit: string, column: string, deduction: number): Finding {
  return finding({
    rule: 'column-update',
    code: 'empty',
    deduction,
    column,
    url: `${PORTAL}/xxgk/${unit}/${encodeURIComponent(column)}/index.html`,
    message: `栏目“${column}”为空白栏目，没有任何信息`,
    evidence: { items: 0, screenshotError: '页面加载超时（15 秒）' },
  });
}

export function makeReport(): AuditReport {
  const units: UnitResult[] = [
    {
      id: 'jtj',
      name: '县教育体育局',
      type: 'department',
      status: 'ok',
      score: 100,
      weighted: 30,
      rank: 1,
      url: `${PORTAL}/xxgk/jtj/index.html`,
      crawledAt: '2021-01-20T01:10:00.000Z',
      findings: [],
      inconclusive: [],
      indicators: indicators('department', {}),
      columns: [
        { key: '政策文件', url: `${PORTAL}/xxgk/jtj/zcwj/index.html`, category: 'regular', categoryLabel: '常规类', newest: '2020-12-28', items: 46, status: 'ok' },
        { key: '工作动态', url: `${PORTAL}/xxgk/jtj/gzdt/index.html`, category: 'news', categoryLabel: '新闻动态', newest: '2020-03-02', items: 120, status: 'skipped' },
        { key: '年度报告', url: `${PORTAL}/xxgk/jtj/ndbg/index.html`, category: 'annual', categoryLabel: '年度类', newest: '2020-01-15', items: 3, status: 'ok' },
      ],
    },
    {
      id: 'ssz',
      name: '石市镇',
      type: 'town',
      status: 'ok',
      score: 99.33,
      weighted: 29.8,
      rank: 2,
      url: `${PORTAL}/xxgk/ssz/index.html`,
      findings: [],
      inconclusive: [],
      indicators: indicators('town', { 'interpretation-link': 0.6667 }, ['interpretation-link']),
    },
    {
      id: 'hgs',
      name: '黄岗山垦殖场',
      type: 'farm',
      status: 'partial',
      score: 97,
      weighted: 29.1,
      rank: 3,
      url: `${PORTAL}/xxgk/hgs/index.html`,
      findings: [
        empty('hgs', '行政执法', 1),
        finding({
          rule: 'annual-report',
          code: 'late',
          indicator: '年度报告发布',
          deduction: 2,
          url: `${PORTAL}/xxgk/hgs/ndbg/t20200220_1.html`,
          message: '2019 年度报告于 2020-02-20 发布，晚于 2020-01-31 的期限',
          evidence: { published: '2020-02-20', deadline: '2020-01-31' },
        }),
      ],
      inconclusive: [
        { rule: 'column-update', column: '规划计划', url: `${PORTAL}/xxgk/hgs/ghjh/index.html`, reason: '栏目列表页连续 3 次请求超时，无法判定是否更新' },
      ],
      indicators: indicators('farm', { 'column-update': 1, 'annual-report-timing': 2 }),
    },
    {
      id: 'rsj',
      name: '县人力资源和社会保障局',
      type: 'department',
      status: 'ok',
      score: 96,
      weighted: 28.8,
      rank: 4,
      url: `${PORTAL}/xxgk/rsj/index.html`,
      findings: [
        finding({
          rule: 'annual-report',
          code: 'incomplete',
          indicator: '年度报告编制质量',
          deduction: 2,
          url: `${PORTAL}/xxgk/rsj/ndbg/2020/0120/1.html`,
          message: '2019 年度报告缺少条例第五十条要求的内容',
          evidence: { missingParts: ['行政复议、行政诉讼情况', '存在的主要问题及改进情况'] },
        }),
        finding({
          rule: 'interpretation-link',
          code: 'broken-link',
          indicator: '解读材料提供原政策文件网址链接',
          deduction: 1,
          url: `${PORTAL}/xxgk/rsj/zcjd/2020/0601/1.html`,
          message: '解读材料中的原政策文件链接无法打开（HTTP 404）',
          evidence: { linkUrl: `${PORTAL}/xxgk/rsj/zcwj/missing.html`, linkStatus: 404, highlight: '原文链接' },
        }),
        finding({
          rule: 'interpretation-link',
          code: 'reposted',
          indicator: '解读材料提供原政策文件网址链接',
          deduction: 1,
          url: `${PORTAL}/xxgk/rsj/zcjd/2020/0701/2.html`,
          message: '解读的是上级政策，非本县政策文件',
          evidence: { linkHost: '127.0.0.2' },
        }),
        finding({
          rule: 'interpretation-link',
          code: 'reposted',
          indicator: '解读材料提供原政策文件网址链接',
          deduction: 0,
          url: `${PORTAL}/xxgk/rsj/zcjd/2020/0801/3.html`,
          message: '解读材料信息来源为江西省人力资源和社会保障厅，系转载',
          evidence: { source: '江西省人力资源和社会保障厅' },
          review: { decision: 'confirmed', reason: '经复核属实' },
        }),
        stale('rsj', '规划计划', '2020-06-01', '县人社局2020年工作要点', 0),
      ],
      inconclusive: [],
      indicators: indicators('department', { 'annual-report-quality': 2, 'interpretation-link': 2 }),
    },
    {
      id: 'wjw',
      name: '县卫生健康委员会',
      type: 'department',
      status: 'ok',
      score: 95,
      weighted: 28.5,
      rank: 5,
      url: `${PORTAL}/xxgk/wjw/index.html`,
      findings: [
        stale('wjw', '通知公告', '2020-05-10', '关于开展爱国卫生月活动的通知', 1, 'evidence/wjw/column-update-stale-1a2b3c4d.png'),
        empty('wjw', '行政执法', 1),
        finding({
          rule: 'annual-report',
          code: 'late',
          indicator: '年度报告发布',
          deduction: 2,
          url: `${PORTAL}/xxgk/wjw/ndbg/t20200305_2.html`,
          message: '2019 年度报告于 2020-03-05 发布，晚于 2020-01-31 的期限',
          evidence: { published: '2020-03-05', deadline: '2020-01-31' },
        }),
        finding({
          rule: 'interpretation-link',
          code: 'no-link',
          indicator: '解读材料提供原政策文件网址链接',
          deduction: 1,
          url: `${PORTAL}/xxgk/wjw/zcjd/t20200915_3.html`,
          message: '政策解读未提供原政策文件网址链接',
          evidence: { title: '《县卫健委2020年基本公共卫生服务实施方案》解读' },
        }),
      ],
      inconclusive: [],
      indicators: indicators('department', { 'column-update': 2, 'annual-report-timing': 2, 'interpretation-link': 1 }),
    },
  ];
  // Marked waived the way a reviewer override would: deduction 0.
  units[3]!.findings[4]!.review = { decision: 'waived', reason: '该栏目已于 2020 年 7 月撤并，经县政府办同意不予扣分' };
  // 提示 (advisory, 0 points in the scheme): reported apart, never counted.
  units[4]!.findings.push(...advisories('wjw'));
  units[0]!.findings.push(advisories('jtj')[0]!);
  return {
    schemaVersion: 1,
    scheme: 'yifeng-2020',
    schemeTitle: '宜丰县2020年政务公开工作考评（过程测评）',
    county: '宜丰县',
    issuer: '宜丰县人民政府办公室',
    year: 2020,
    asOf: '2021-01-20',
    generatedAt: '2021-01-20T02:30:00.000Z',
    weight: 0.3,
    rules: ruleCatalog(loadScheme(DEFAULT_SCHEME)),
    units,
  };
}

/** Advisories as scoring marks them: two 条例第二十六条 documents and one severe wording error. */
export function advisories(unit: string): Finding[] {
  const late = (n: number, written: string, published: string, days: number) =>
    finding({
      rule: 'timeliness',
      code: 'late',
      indicator: '主动公开信息及时公开（条例第二十六条）',
      deduction: 0,
      advisory: true,
      url: `${PORTAL}/xxgk/${unit}/zcwj/t${published.replaceAll('-', '')}_${n}.html`,
      message: `文件“关于第${n}项工作的通知”成文日期 ${written}，发布日期 ${published}，相隔 ${days} 个工作日，超过 20 个工作日`,
      evidence: { written, published, workingDays: days, limit: 20 },
    });
  return [
    late(1, '2020-09-15', '2020-10-27', 25),
    late(2, '2020-03-02', '2020-04-10', 28),
    finding({
      rule: 'wording',
      code: 'severe',
      indicator: '严重表述错误（国办秘函〔2019〕19号）',
      deduction: 0,
      advisory: true,
      url: `${PORTAL}/xxgk/${unit}/tzgg/t20201105_9.html`,
      message: '“关于做好普法工作的通知”中“中华人民共合国”应为“中华人民共和国”',
      evidence: { wrong: '中华人民共合国', correct: '中华人民共和国', sentence: '为贯彻落实《中华人民共合国宪法》……', highlight: '中华人民共合国' },
    }),
  ];
}

/** Crawled text as an attacker would write it, in every field a report shows. */
export const HOSTILE = {
  title: '<img src=x onerror=alert(1)>',
  script: '<script>alert(2)</script>',
  jsUrl: 'javascript:alert(3)',
  formula: '=HYPERLINK("http://evil.example/","点我")',
} as const;

/** A unit whose crawled strings are all hostile (names from units.csv are not crawled, but are escaped too). */
export function hostileUnit(): UnitResult {
  return {
    id: '../../evil unit',
    name: `恶意单位${HOSTILE.script}`,
    type: 'town',
    status: 'ok',
    score: 97,
    weighted: 29.1,
    rank: 6,
    url: HOSTILE.jsUrl,
    findings: [
      finding({
        rule: 'column-update',
        code: 'stale',
        deduction: 1,
        column: HOSTILE.script,
        url: HOSTILE.jsUrl,
        message: HOSTILE.title,
        evidence: { newestTitle: `"><script>alert(4)</script>`, screenshot: '../../../etc/passwd' },
      }),
      finding({
        rule: 'annual-report',
        code: 'missing',
        indicator: '年度报告发布',
        deduction: 2,
        column: '+SUM(1,2)',
        url: `${PORTAL}/x?q="><svg onload=alert(5)>`,
        message: HOSTILE.formula,
        evidence: { title: '@SUM(A1)', highlight: '-1+2' },
      }),
    ],
    inconclusive: [{ rule: 'column-update', url: 'data:text/html,<script>alert(6)</script>', reason: `\t=cmd|' /C calc'!A0` }],
    indicators: indicators('town', { 'column-update': 1, 'annual-report-timing': 2 }),
    columns: [{ key: '-2+3', url: HOSTILE.jsUrl, category: '<b>x</b>', categoryLabel: '<i>y</i>', newest: null, items: 0, status: 'empty' }],
  };
}

/** The unit's column findings as scoring marks the >3 jump: the indicator carries 10 with its note, each finding 0, counted in it. */
export function withJump(report: AuditReport, unitId: string): AuditReport {
  const unit = report.units.find((u) => u.id === unitId)!;
  const note = '名下超过3个栏目未更新，直接扣10分';
  const ind = unit.indicators.find((i) => i.key === 'column-update')!;
  Object.assign(ind, { deducted: 10, note });
  for (const f of unit.findings.filter((x) => x.rule === 'column-update')) Object.assign(f, { deduction: 0, inJump: true, deductionNote: `计入“${ind.name}”：${note}` });
  return report;
}
