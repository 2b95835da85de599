import { describe, expect, it } from 'vitest';
import { judgeUnit } from '../../src/judge/run-rules.ts';
import type { JudgedUnit, RawFinding, RuleResult } from '../../src/model/judged.ts';
import type { Override } from '../../src/config/overrides.ts';
import { scoreUnits } from '../../src/scoring/score.ts';
import type { UnitResult } from '../../src/model/result.ts';
import type { UnitType } from '../../src/model/snapshot.ts';
import { column, item, PORTAL, scheme, snapshot, unit } from '../helpers/snapshot-factory.ts';

const RULES = ['column-update', 'annual-report', 'interpretation-link', 'leader-disclosure', 'agency-info', 'normative-docs', 'guide-channels', 'proposal-column', 'privacy-leak'] as const;
type RuleId = (typeof RULES)[number];

function finding(rule: RuleId, code: string, n: number | string = 1): RawFinding {
  return { rule, code, message: `${rule}/${code}`, url: `${PORTAL}/${rule}/${code}/${n}`, observed: { n }, highlight: `高亮${n}` };
}

/** Clean results for every rule, with the given findings and per-rule changes. */
function results(findings: RawFinding[] = [], over: Partial<Record<RuleId, Partial<RuleResult>>> = {}): Record<string, RuleResult> {
  return Object.fromEntries(
    RULES.map((id) => [id, { findings: findings.filter((f) => f.rule === id), inconclusive: [], assessed: true, ...over[id] }]),
  );
}

function input(id: string, type: UnitType, findings: RawFinding[] = [], over: Parameters<typeof results>[1] = {}, status: UnitResult['status'] = 'ok'): JudgedUnit {
  return { unit: unit({ id, type, name: id }), status, results: results(findings, over), columns: [] };
}

const many = (rule: RuleId, code: string, n: number) => Array.from({ length: n }, (_, i) => finding(rule, code, String.fromCharCode(97 + i)));
const one = (inputs: JudgedUnit[], overrides: Override[] = []) => scoreUnits(inputs, scheme(), overrides)[0]!;
const deducted = (u: UnitResult, key: string) => u.indicators.find((i) => i.key === key)!.deducted;

describe('scoring: base, weight and the two tables', () => {
  it('a clean department scores 100, weighted 30, on the department table', () => {
    const u = one([input('jtj', 'department')]);
    expect(u).toMatchObject({ id: 'jtj', status: 'ok', score: 100, weighted: 30, findings: [], table: '部门', rank: 1 });
    expect(u.indicators.map((i) => [i.key, i.points, i.deducted, i.state])).toEqual([
      ['column-update', 10, 0, 'assessed'],
      ['annual-report-publish', 2, 0, 'assessed'],
      ['annual-report-content', 2, 0, 'assessed'],
      ['annual-report-not-copied', 2, 0, 'assessed'],
      ['interpretation-link', 2, 0, 'assessed'],
      ['leader-disclosure', 1, 0, 'assessed'],
      ['agency-info', 2, 0, 'assessed'],
      ['normative-docs', 2, 0, 'assessed'],
      ['guide-channels', 1, 0, 'assessed'],
      ['proposal-column', 2, 0, 'assessed'],
      ['proposal-reply', 3, 0, 'assessed'],
      ['privacy-leak', 1, 0, 'assessed'],
    ]);
  });

  it('机构职能, 规范性文件 and 申请渠道 as the scheme reads the seed', () => {
    // One agency finding (whatever it lists) costs the row's 2 points.
    expect(deducted(one([input('d', 'department', [finding('agency-info', 'missing-fields')])]), 'agency-info')).toBe(2);
    // Each document's finding costs 1, at most 2 for the indicator.
    const docs = one([input('d', 'department', [finding('normative-docs', 'missing-fields', 1), finding('normative-docs', 'no-download', 1), finding('normative-docs', 'no-download', 2)])]);
    expect(deducted(docs, 'normative-docs')).toBe(2);
    expect(docs.findings.filter((f) => f.rule === 'normative-docs').map((f) => f.deduction)).toEqual([1, 1, 0]);
    // A guide missing a channel costs the row: 1 on the department table, 2 on the township table.
    expect(deducted(one([input('d', 'department', [finding('guide-channels', 'missing-channel')])]), 'guide-channels')).toBe(1);
    expect(deducted(one([input('t', 'town', [finding('guide-channels', 'missing-guide')])]), 'guide-channels')).toBe(2);
  });

  it('towns and farms use the township table (not copied 4, leader 2)', () => {
    for (const type of ['town', 'farm'] as const) {
      const u = one([input('x', type, [finding('leader-disclosure', 'not-named'), finding('annual-report', 'copied')])]);
      expect(u.table).toBe('乡镇和林（垦殖）场');
      expect(deducted(u, 'leader-disclosure')).toBe(2);
      expect(deducted(u, 'annual-report-not-copied')).toBe(4);
      expect(u.score).toBe(94);
    }
    const d = one([input('d', 'department', [finding('leader-disclosure', 'not-named'), finding('annual-report', 'copied')])]);
    expect(d.score).toBe(97);
  });

  it('weighted = score × 0.30, rounded to 2 decimals', () => {
    const u = one([input('d', 'department', [...many('column-update', 'stale', 3), finding('annual-report', 'late'), finding('leader-disclosure', 'not-named'), finding('interpretation-link', 'no-link')])]);
    expect(u.score).toBe(94);
    expect(u.weighted).toBe(28.2);
  });

  it('evidence keeps what was observed and the text to highlight; the message and url pass through', () => {
    const u = one([input('d', 'department', [finding('annual-report', 'late')])]);
    expect(u.findings).toEqual([
      {
        rule: 'annual-report',
        code: 'late',
        indicator: '年度报告发布',
        deduction: 1,
        message: 'annual-report/late',
        url: `${PORTAL}/annual-report/late/1`,
        evidence: { n: 1, highlight: '高亮1' },
      },
    ]);
  });
});

describe('scoring: per-finding deductions, caps and the jump', () => {
  it('interpretations: 1 per offending article, capped at 2; the capped one shows 0 with a note', () => {
    const fs = [finding('interpretation-link', 'reposted', 'a'), finding('interpretation-link', 'no-link', 'z'), finding('interpretation-link', 'broken-link', 'b')];
    const u = one([input('d', 'department', fs)]);
    expect(deducted(u, 'interpretation-link')).toBe(2);
    // order: code order in the scheme (no-link, broken-link, reposted), then address
    expect(u.findings.map((f) => [f.code, f.deduction])).toEqual([
      ['reposted', 0],
      ['no-link', 1],
      ['broken-link', 1],
    ]);
    expect(u.findings[0]!.deductionNote).toContain('最多扣2分');
    expect(u.findings[1]!.deductionNote).toBeUndefined();
  });

  it('3 stale or empty columns cost 3', () => {
    const u = one([input('d', 'department', [...many('column-update', 'stale', 2), finding('column-update', 'empty')])]);
    expect(deducted(u, 'column-update')).toBe(3);
    expect(u.findings.map((f) => f.deduction)).toEqual([1, 1, 1]);
    expect(u.findings.every((f) => f.deductionNote === undefined)).toBe(true);
  });

  it('4 stale or empty columns jump to −10: one deduction of the indicator, every column counted in it', () => {
    const u = one([input('d', 'department', [...many('column-update', 'stale', 3), finding('column-update', 'empty')])]);
    expect(deducted(u, 'column-update')).toBe(10);
    expect(u.score).toBe(90);
    const ind = u.indicators.find((i) => i.key === 'column-update')!;
    expect(ind.note).toBe('名下超过3个栏目未更新，直接扣10分');
    expect(u.findings.map((f) => [f.code, f.deduction, f.inJump])).toEqual([
      ['stale', 0, true],
      ['stale', 0, true],
      ['stale', 0, true],
      ['empty', 0, true],
    ]);
    expect(u.findings[0]!.deductionNote).toBe('计入“平台栏目更新”：名下超过3个栏目未更新，直接扣10分');
  });

  it('3 stale columns are per finding (no jump), and the jump never exceeds the indicator', () => {
    const three = one([input('d', 'department', many('column-update', 'stale', 3))]);
    expect(three.findings.map((f) => [f.deduction, f.inJump])).toEqual([[1, undefined], [1, undefined], [1, undefined]]);
    expect(three.indicators.find((i) => i.key === 'column-update')!.note).toBeUndefined();
    const twelve = one([input('d', 'department', many('column-update', 'stale', 12))]);
    expect(deducted(twelve, 'column-update')).toBe(10);
    expect(twelve.findings.every((f) => f.inJump && f.deduction === 0)).toBe(true);
  });

  it('a missing report costs 发布, 内容 and 雷同 at once, with the parts recorded', () => {
    const d = one([input('d', 'department', [finding('annual-report', 'missing')])]);
    expect(d.score).toBe(94);
    expect(d.findings[0]).toMatchObject({ indicator: '年度报告发布', deduction: 6 });
    expect(d.findings[0]!.charges!.map((c) => [c.key, c.deduction])).toEqual([
      ['annual-report-publish', 2],
      ['annual-report-content', 2],
      ['annual-report-not-copied', 2],
    ]);
    expect(one([input('t', 'town', [finding('annual-report', 'missing')])]).score).toBe(92);
  });

  it('late costs 1 of the 2; late + incomplete + copied cost 1 + 2 + 2', () => {
    expect(one([input('d', 'department', [finding('annual-report', 'late')])]).score).toBe(99);
    const u = one([input('d', 'department', ['late', 'incomplete', 'copied'].map((c) => finding('annual-report', c)))]);
    expect(u.score).toBe(95);
    expect(u.findings.map((f) => [f.code, f.indicator, f.deduction])).toEqual([
      ['late', '年度报告发布', 1],
      ['incomplete', '年度报告编制质量（内容全面）', 2],
      ['copied', '年度报告编制质量（不与往年雷同）', 2],
    ]);
    expect(u.findings.every((f) => f.charges === undefined)).toBe(true);
  });

  it('the score never goes below 0', () => {
    const s = scheme();
    const tiny = { ...s, base: 5 };
    const [u] = scoreUnits([input('d', 'department', [...many('column-update', 'empty', 5), finding('leader-disclosure', 'not-named')])], tiny);
    expect(u!.indicators.reduce((a, i) => a + i.deducted, 0)).toBe(11);
    expect(u!.score).toBe(0);
    expect(u!.weighted).toBe(0);
  });

  it('a finding whose code no indicator of the unit’s table scores is not part of its review', () => {
    const u = one([input('d', 'department', [finding('leader-disclosure', 'odd'), finding('leader-disclosure', 'not-named')])]);
    expect(u.findings.map((f) => f.code)).toEqual(['not-named']);
    expect(u.score).toBe(99);
  });

  it('an indicator with no points in any table is advisory: reported with deduction 0, never counted', () => {
    const s = scheme();
    const advisory = { ...s, indicators: s.indicators.map((i) => (i.key === 'leader-disclosure' ? { ...i, points: { department: 0, town: 0, farm: 0 } } : i)) };
    const [u] = scoreUnits([input('d', 'town', [finding('leader-disclosure', 'not-named')])], advisory);
    expect(u!.findings[0]).toMatchObject({ code: 'not-named', deduction: 0, advisory: true });
    expect(u!.score).toBe(100);
    expect(u!.indicators.some((i) => i.key === 'leader-disclosure')).toBe(false);
  });

  it('an indicator with no points in the unit’s table does not apply to it (not advisory)', () => {
    const s = scheme();
    const deptOnly = { ...s, indicators: s.indicators.map((i) => (i.key === 'leader-disclosure' ? { ...i, points: { department: 1, town: 0, farm: 0 } } : i)) };
    const [town] = scoreUnits([input('t', 'town', [finding('leader-disclosure', 'not-named')])], deptOnly);
    expect(town!.findings).toEqual([]);
    expect(town!.score).toBe(100);
  });
});

describe('scoring: not assessed → the average of the same table', () => {
  it('a department without interpretations gets the average of assessed departments; towns are not mixed in', () => {
    const none = { 'interpretation-link': { assessed: false } };
    const [a, b, c, , t2] = scoreUnits(
      [
        input('a', 'department', many('interpretation-link', 'no-link', 2)),
        input('b', 'department', [finding('interpretation-link', 'no-link')]),
        input('c', 'department', [], none),
        input('t1', 'town', []),
        input('t2', 'farm', [], none),
      ],
      scheme(),
    );
    expect([a, b].map((u) => deducted(u!, 'interpretation-link'))).toEqual([2, 1]);
    expect(c!.indicators.find((i) => i.key === 'interpretation-link')).toMatchObject({ deducted: 1.5, assessed: false, state: 'not-assessed' });
    expect(c!.score).toBe(98.5);
    expect(deducted(t2!, 'interpretation-link')).toBe(0);
  });

  it('averages are rounded to 2 decimals and the score follows them', () => {
    const none = { 'interpretation-link': { assessed: false } };
    const units = scoreUnits(
      [
        input('a', 'department', many('interpretation-link', 'no-link', 2)),
        input('b', 'department', [finding('interpretation-link', 'no-link')]),
        input('c', 'department', [finding('interpretation-link', 'no-link')]),
        input('d', 'department', [], none),
      ],
      scheme(),
    );
    expect(deducted(units[3]!, 'interpretation-link')).toBe(1.33);
    expect(units[3]!.score).toBe(98.67);
    expect(units[3]!.weighted).toBe(29.6);
  });

  it('no unit assessed in the table: not-assessed units lose nothing', () => {
    const u = one([input('c', 'department', [], { 'interpretation-link': { assessed: false } })]);
    expect(deducted(u, 'interpretation-link')).toBe(0);
  });

  it('no earlier report to compare: only the 雷同 indicator takes the average', () => {
    const [a, b] = scoreUnits(
      [input('a', 'department', [finding('annual-report', 'copied')]), input('b', 'department', [finding('annual-report', 'late')], { 'annual-report': { unassessed: ['copied'] } })],
      scheme(),
    );
    expect(b!.indicators.filter((i) => i.state === 'not-assessed').map((i) => i.key)).toEqual(['annual-report-not-copied']);
    expect(deducted(b!, 'annual-report-not-copied')).toBe(2);
    expect(deducted(b!, 'annual-report-publish')).toBe(1);
    expect(a!.score).toBe(98);
  });

  it('units whose check was inconclusive are left out of the average', () => {
    const inc = { 'interpretation-link': { inconclusive: [{ rule: 'interpretation-link', url: 'u', reason: '链接未检查', codes: ['broken-link'] }] } };
    const [a, b, c] = scoreUnits(
      [input('a', 'department', many('interpretation-link', 'no-link', 2)), input('b', 'department', [], inc), input('c', 'department', [], { 'interpretation-link': { assessed: false } })],
      scheme(),
    );
    expect(b!.indicators.find((i) => i.key === 'interpretation-link')).toMatchObject({ deducted: 0, state: 'inconclusive', assessed: true });
    expect(deducted(c!, 'interpretation-link')).toBe(2);
    expect(a!.score).toBe(98);
  });
});

describe('scoring: inconclusive and unreachable never deduct', () => {
  it('inconclusive checks cost nothing and are listed', () => {
    const inc = { 'annual-report': { inconclusive: [{ rule: 'annual-report', url: 'x', reason: '年报页面无法读取', codes: ['incomplete', 'copied'] }] } };
    const u = one([input('d', 'department', [], inc)]);
    expect(u.score).toBe(100);
    expect(u.inconclusive).toEqual([{ rule: 'annual-report', url: 'x', reason: '年报页面无法读取', codes: ['incomplete', 'copied'] }]);
    expect(u.indicators.filter((i) => i.state === 'inconclusive').map((i) => i.key)).toEqual(['annual-report-content', 'annual-report-not-copied']);
  });

  it('a rule that produced no result makes its indicators inconclusive', () => {
    const r = results();
    delete r['leader-disclosure'];
    const [u] = scoreUnits([{ unit: unit(), status: 'ok', results: r, columns: [] }], scheme());
    expect(u!.indicators.find((i) => i.key === 'leader-disclosure')!.state).toBe('inconclusive');
  });

  it('an unreachable unit loses nothing, is marked, and ranks after every reachable unit', () => {
    const units = scoreUnits(
      [
        input('down', 'department', [finding('leader-disclosure', 'not-named')], {}, 'unreachable'),
        input('a', 'department', [finding('leader-disclosure', 'not-named')]),
        input('b', 'town', many('column-update', 'stale', 4)),
      ],
      scheme(),
    );
    const down = units[0]!;
    expect(down).toMatchObject({ status: 'unreachable', score: 100, findings: [], rank: 3 });
    expect(down.indicators.every((i) => i.state === 'unreachable' && i.deducted === 0 && !i.assessed)).toBe(true);
    expect(down.inconclusive).toHaveLength(1);
    expect(units.map((u) => [u.id, u.rank])).toEqual([
      ['down', 3],
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('ties share a rank', () => {
    const units = scoreUnits([input('a', 'department'), input('b', 'town', [finding('annual-report', 'late')]), input('c', 'department')], scheme());
    expect(units.map((u) => u.rank)).toEqual([1, 3, 1]);
  });
});

describe('scoring: reviewer overrides', () => {
  const ov = (o: Partial<Override> & Pick<Override, 'url'>): Override => ({ unit: 'd', rule: 'column-update', decision: 'waived', reason: '栏目已撤并', line: 2, ...o });

  it('a waived finding stays in the list with 0, and no longer counts toward the jump', () => {
    const fs = many('column-update', 'stale', 4);
    const u = one([input('d', 'department', fs)], [ov({ url: fs[1]!.url })]);
    expect(deducted(u, 'column-update')).toBe(3);
    expect(u.findings).toHaveLength(4);
    expect(u.findings[1]).toMatchObject({ deduction: 0, review: { decision: 'waived', reason: '栏目已撤并' } });
    expect(u.findings.filter((f) => f.deduction === 1)).toHaveLength(3);
  });

  it('a confirmed finding keeps its deduction and is marked', () => {
    const f = finding('leader-disclosure', 'not-named');
    const u = one([input('d', 'department', [f])], [ov({ rule: 'leader-disclosure', url: f.url, decision: 'confirmed', reason: '已电话核实' })]);
    expect(u.findings[0]).toMatchObject({ deduction: 1, review: { decision: 'confirmed', reason: '已电话核实' } });
  });

  it('an override applies only to its unit, its rule (and code when given) and its address', () => {
    const late = finding('annual-report', 'late', 'r');
    const incomplete = { ...finding('annual-report', 'incomplete'), url: late.url };
    const overrides = [
      ov({ unit: 'other', rule: 'annual-report', url: late.url }),
      ov({ rule: 'annual-report', code: 'late', url: late.url, reason: '网站故障延误' }),
    ];
    const u = one([input('d', 'department', [late, incomplete])], overrides);
    expect(u.findings.map((f) => [f.code, f.deduction, f.review?.decision])).toEqual([
      ['late', 0, 'waived'],
      ['incomplete', 2, undefined],
    ]);
  });
});

describe('scoring: a decision about one of several findings at one address', () => {
  const ov = (o: Partial<Override> & Pick<Override, 'url'>): Override => ({ unit: 'd', rule: 'column-update', decision: 'waived', reason: '误报：栏目已撤并', line: 0, ...o });

  it('a decision naming its column waives only that column’s finding (a review state’s 误报)', () => {
    const [a, b] = many('column-update', 'stale', 2).map((f, i) => ({ ...f, url: 'http://portal.test/xxgk/d/index.html', column: ['通知公告', '规划计划'][i] }));
    const u = one([input('d', 'department', [a!, b!])], [ov({ url: a!.url, column: '规划计划' })]);
    expect(u.findings.map((f) => [f.column, f.deduction, f.review?.decision])).toEqual([
      ['通知公告', 1, undefined],
      ['规划计划', 0, 'waived'],
    ]);
  });
});

describe('scoring: the pipeline form (judged units)', () => {
  it('takes unit, status, crawl time and the column overview the judge stage computed', () => {
    const snap = snapshot({
      unit: unit({ id: 'wjw', name: '县卫生健康委员会' }),
      status: 'partial',
      columns: [column('通知公告', [item('a', '2020-05-10'), item('b', null)]), column('工作动态', [item('c', '2020-12-01')])],
    });
    const judged = judgeUnit(snap, { asOf: '2021-01-20', year: 2020, scheme: scheme(), portalHosts: [] });
    const [u] = scoreUnits([{ ...judged, results: results([finding('column-update', 'stale')]) }], scheme());
    expect(u).toMatchObject({ id: 'wjw', status: 'partial', score: 99, crawledAt: snap.finishedAt, url: snap.unit.url });
    expect(u!.columns).toEqual([
      { key: '通知公告', url: snap.columns[0]!.url, category: 'regular', categoryLabel: '常规类', newest: '2020-05-10', items: 2, status: 'ok' },
      { key: '工作动态', url: snap.columns[1]!.url, category: 'news', categoryLabel: '新闻动态（不作为政府信息）', newest: '2020-12-01', items: 1, status: 'skipped' },
    ]);
  });

  it('is deterministic: the same inputs give the same report', () => {
    const build = () => scoreUnits([input('a', 'department', many('column-update', 'stale', 5)), input('b', 'town', [], { 'interpretation-link': { assessed: false } })], scheme());
    expect(JSON.stringify(build())).toBe(JSON.stringify(build()));
  });
});
