import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineRule } from '../../rules/api.ts';
import { judgeUnit } from '../../src/judge/run-rules.ts';
import { scoreUnits } from '../../src/scoring/score.ts';
import type { ArticleSnapshot, ColumnSnapshot, UnitSnapshot } from '../../src/model/snapshot.ts';
import { article, column, ctx, item, link, PORTAL, PROSE_2018, PROSE_2019, reportBody, scheme, snapshot, unit } from '../helpers/snapshot-factory.ts';

/**
 * Rules and scoring together on hand-made snapshots shaped like the sample
 * portal's units (fixtures/README.md), so that the scheme's reading of the
 * table gives the scores the planted violations imply.
 */

/** A unit with the usual columns; `tweak` plants violations. */
function unitSnapshot(id: string, name: string, type: 'department' | 'town' | 'farm', tweak: (cols: ColumnSnapshot[], arts: ArticleSnapshot[]) => void): UnitSnapshot {
  const r2019 = item(`${name}2019年政府信息公开工作年度报告`, '2020-01-15');
  const r2018 = item(`${name}2018年政府信息公开工作年度报告`, '2019-01-20');
  const leader = item('领导分工', '2020-02-01');
  const cols = [
    column('政策文件', [item('关于印发2020年工作要点的通知', '2020-11-20')]),
    column('通知公告', [item('关于春节值班的通知', '2021-01-05')]),
    column('行政执法', [item('双随机抽查结果', '2020-10-01')]),
    column('工作动态', [item('召开会议', '2019-05-01')]),
    column('年度报告', [r2019, r2018]),
    column('领导信息', [leader]),
    column('政策解读', []),
  ];
  const arts = [
    article(r2019, '年度报告', { text: reportBody(2019, PROSE_2019) }),
    article(r2018, '年度报告', { text: reportBody(2018, PROSE_2018) }),
    article(leader, '领导信息', { text: '局长 王五 主持全面工作。分管政务公开工作：副局长 张三' }),
  ];
  tweak(cols, arts);
  return snapshot({ unit: unit({ id, name, type }), columns: cols, articles: arts });
}

const col = (cols: ColumnSnapshot[], key: string) => cols.find((c) => c.key === key)!;
const judge = (snaps: UnitSnapshot[]) => scoreUnits(snaps.map((s) => judgeUnit(s, ctx())), scheme());
const codes = (u: { findings: { rule: string; code: string }[] }) => u.findings.map((f) => `${f.rule}/${f.code}`);

function interpretation(cols: ColumnSnapshot[], arts: ArticleSnapshot[], title: string, links: ReturnType<typeof link>[], source = '县卫生健康委员会') {
  const it = item(title, '2020-08-01');
  col(cols, '政策解读').items.push(it);
  arts.push(article(it, '政策解读', { text: '一、背景 二、主要内容', links, source }));
}

describe('judgeUnit + scoreUnits on planted-style units', () => {
  const jtj = unitSnapshot('jtj', '县教育体育局', 'department', (cols, arts) => {
    interpretation(cols, arts, '关于《县学生资助办法》的政策解读', [link(`${PORTAL}/art/zz.html`, '原文链接')]);
  });
  const wjw = unitSnapshot('wjw', '县卫生健康委员会', 'department', (cols, arts) => {
    col(cols, '通知公告').items = [item('五月通知', '2020-05-10')];
    col(cols, '行政执法').items = [];
    col(cols, '年度报告').items[0]!.date = '2020-03-05';
    arts[0]!.published = '2020-03-05';
    interpretation(cols, arts, '关于《县家庭医生签约办法》的政策解读', []);
    interpretation(cols, arts, '关于《县疫苗接种管理办法》的政策解读', [link(`${PORTAL}/art/ym.html`, '原文链接')]);
  });
  const sfj = unitSnapshot('sfj', '县司法局', 'department', (cols, arts) => {
    for (const key of ['政策文件', '通知公告']) col(cols, key).items = [item('旧', '2019-12-01')];
    cols.push(column('重点工作', [item('旧', '2020-01-01')]), column('人事信息'), column('规划计划'));
    arts[0]!.text = reportBody(2018, PROSE_2018).replaceAll('2018', '2019');
    arts[2]!.text = '局长 王五 主持全面工作。';
    interpretation(cols, arts, '关于《县法律援助办法》的政策解读', [link(`${PORTAL}/art/fl.html`, '原文链接')], '县司法局');
  });
  const ssz = unitSnapshot('ssz', '石市镇', 'town', (cols) => {
    cols.splice(cols.indexOf(col(cols, '政策解读')), 1);
  });

  const [rJtj, rWjw, rSfj, rSsz] = judge([jtj, wjw, sfj, ssz]);

  it('jtj: clean (the stale news column is not judged) → 100', () => {
    expect(codes(rJtj!)).toEqual([]);
    expect(rJtj!.inconclusive).toEqual([]);
    expect(rJtj!.score).toBe(100);
  });

  it('wjw: stale + empty, late report, one interpretation without link → 96', () => {
    expect(codes(rWjw!)).toEqual([
      'column-update/stale',
      'column-update/empty',
      'annual-report/late',
      'interpretation-link/no-link',
    ]);
    expect(rWjw!.score).toBe(96);
    expect(rWjw!.weighted).toBe(28.8);
  });

  it('sfj: 3 stale + 2 empty jump to −10, copied report −2, leader not named −1 → 87', () => {
    expect(codes(rSfj!).sort()).toEqual([
      'annual-report/copied',
      'column-update/empty',
      'column-update/empty',
      'column-update/stale',
      'column-update/stale',
      'column-update/stale',
      'leader-disclosure/not-named',
    ]);
    expect(rSfj!.indicators.find((i) => i.key === 'column-update')!.deducted).toBe(10);
    expect(rSfj!.score).toBe(87);
  });

  it('ssz: no 2020 interpretation → not assessed; no other town assessed, so it loses nothing', () => {
    expect(rSsz!.indicators.find((i) => i.key === 'interpretation-link')).toMatchObject({ state: 'not-assessed', deducted: 0 });
    expect(rSsz!.findings).toEqual([]);
    expect(rSsz!.score).toBe(100);
  });

  it('ranks by score', () => {
    expect([rJtj, rSsz, rWjw, rSfj].map((u) => u!.rank)).toEqual([1, 1, 3, 4]);
  });
});

describe('judgeUnit: one bad rule never stops the audit', () => {
  it('a rule that throws becomes an inconclusive check with the reason; the others still run', () => {
    const bad = defineRule({
      meta: { id: 'bad-rule', indicator: '测试', title: '会出错的规则', description: '', codes: { x: '测试' }, settings: z.object({}), needs: () => [], observed: {} },
      run: () => {
        throw new Error('意外的数据');
      },
    });
    const s = scheme();
    const withBad = {
      ...s,
      rules: [bad, ...s.rules],
      settings: { ...s.settings, 'bad-rule': {} },
      indicators: [...s.indicators, { key: 'bad', name: '测试', rule: 'bad-rule', codes: ['x'], points: { department: 1, town: 1, farm: 1 }, perFinding: 1 }],
    };
    const snap = snapshot({ columns: [column('行政执法')] });
    const { results } = judgeUnit(snap, ctx({ scheme: withBad }));
    expect(results['bad-rule']).toEqual({
      findings: [],
      inconclusive: [{ rule: 'bad-rule', url: snap.unit.url, reason: '规则运行出错，未作判断：意外的数据' }],
      assessed: true,
    });
    expect(results['column-update']!.findings.map((f) => f.code)).toEqual(['empty']);
  });

  it('an unreachable unit is not judged: every rule is inconclusive', () => {
    const snap = snapshot({ status: 'unreachable' });
    const judged = judgeUnit(snap, ctx());
    expect(Object.keys(judged.results)).toEqual(['column-update', 'annual-report', 'interpretation-link', 'leader-disclosure', 'dead-link']);
    for (const r of Object.values(judged.results)) {
      expect(r.findings).toEqual([]);
      expect(r.inconclusive).toHaveLength(1);
    }
    const [u] = scoreUnits([judged], scheme());
    expect(u).toMatchObject({ status: 'unreachable', score: 100 });
    expect(u!.inconclusive).toHaveLength(5);
  });
});
