import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { categorize } from '../../src/judge/column-facts.ts';
import { planGather } from '../../src/judge/gather-plan.ts';
import { loadScheme, parseScheme } from '../../src/config/scheme.ts';
import { SCHEME_FILE, scheme } from '../helpers/snapshot-factory.ts';

const dir = mkdtempSync(join(tmpdir(), 'zwgk-scheme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real scheme as a plain object, changed by `edit`, then validated. */
function broken(edit: (raw: any) => void): () => unknown {
  const raw = parseYaml(readFileSync(SCHEME_FILE, 'utf8'));
  edit(raw);
  return () => parseScheme(raw, 'test.yaml');
}

describe('the yifeng-2020 scheme', () => {
  it('loads, with both tables, weight 0.30, the indicators of the seed and the advisories', () => {
    const s = scheme();
    expect(s).toMatchObject({ id: 'yifeng-2020', base: 100, weight: 0.3 });
    expect(s.tables).toEqual({ department: '部门', town: '乡镇和林（垦殖）场', farm: '乡镇和林（垦殖）场' });
    const points = (type: 'department' | 'town' | 'farm') => Object.fromEntries(s.indicators.map((i) => [i.key, i.points[type]]));
    expect(points('department')).toEqual({
      'column-update': 10,
      'annual-report-publish': 2,
      'annual-report-content': 2,
      'annual-report-not-copied': 2,
      'interpretation-link': 2,
      'leader-disclosure': 1,
      'agency-info': 2,
      'normative-docs': 2,
      'guide-channels': 1,
      'proposal-column': 2,
      'proposal-reply': 3,
      timeliness: 0,
      wording: 0,
      'privacy-leak': 1,
      'privacy-leak-contact': 0,
      // 国办 checking indicator, not in the county's table: 提示 (advisory) only.
      'dead-link': 0,
    });
    // The township table lacks the 建议提案 rows: 0 there means "does not apply".
    expect(points('town')).toEqual({ ...points('department'), 'annual-report-not-copied': 4, 'leader-disclosure': 2, 'guide-channels': 2, 'proposal-column': 0, 'proposal-reply': 0, 'privacy-leak': 0 });
    expect(points('farm')).toEqual(points('town'));
    expect(s.indicators.find((i) => i.key === 'column-update')!.jump).toEqual({ moreThan: 3, deduct: 10 });
  });

  it('every finding code of every rule is scored by some indicator', async () => {
    const { allRules } = await import('../../rules/index.ts');
    const s = scheme();
    for (const rule of allRules) {
      for (const code of Object.keys(rule.meta.codes)) {
        expect(s.indicators.some((i) => i.rule === rule.meta.id && i.codes.includes(code)), `${rule.meta.id}/${code}`).toBe(true);
      }
    }
  });

  it('records the 雷同 calibration next to the threshold', () => {
    const c = scheme().settings['annual-report'].copied;
    expect(c).toMatchObject({ method: 'containment', shingle: 4, threshold: 0.7 });
    expect(c.calibration!.join('\n')).toContain('0.491');
  });
});

describe('scheme validation: clear Chinese messages naming the field', () => {
  it('a misspelt key is named with its full path', () => {
    expect(broken((r) => (r.settings['annual-report'].deadlin = r.settings['annual-report'].deadline))).toThrow(
      '考评方案文件 test.yaml 字段 settings.annual-report.deadlin 有误：未知字段（是否拼写错误？）',
    );
    expect(broken((r) => (r.indicators[0].point = 1))).toThrow('字段 indicators.0.point 有误');
  });

  it('wrong types, bad dates and bad regular expressions are named', () => {
    expect(broken((r) => (r.weight = '30%'))).toThrow(/字段 weight 有误：无效输入：期望 数字/);
    expect(broken((r) => (r.settings['annual-report'].deadline.town = '1月31日'))).toThrow(/字段 settings.annual-report.deadline.town 有误：应为 MM-DD/);
    expect(broken((r) => (r.settings['interpretation-link'].higherSources = ['省('])) ).toThrow(
      /字段 settings.interpretation-link.higherSources.0 有误：不是有效的正则表达式/,
    );
    expect(broken((r) => (r.settings['leader-disclosure'] = { titles: [] }))).toThrow(/字段 settings.leader-disclosure.titles 有误/);
  });

  it('cross-field mistakes are named', () => {
    expect(broken((r) => (r.defaultCategory = 'ordinary'))).toThrow('字段 defaultCategory 有误：未定义的栏目类别 ordinary');
    expect(broken((r) => delete r.categories.regular.staleAfterDays)).toThrow('字段 categories.regular.staleAfterDays 有误：judge 为 age 时必须给出 staleAfterDays');
    expect(broken((r) => (r.indicators[1].perFinding = { missing: 'all' }))).toThrow('字段 indicators.1.perFinding 有误：缺少扣分代码 late 的每项扣分');
    expect(broken((r) => (r.indicators[1].key = 'column-update'))).toThrow('字段 indicators.1.key 有误：指标 key 重复：column-update');
  });

  it('an unreadable or malformed file says so', () => {
    expect(() => loadScheme(join(dir, 'none.yaml'))).toThrow(/考评方案文件 .*none\.yaml 无法读取/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'id: [unclosed\n');
    expect(() => loadScheme(bad)).toThrow(/考评方案文件 .*bad\.yaml 无法读取/);
  });
});

describe('the scheme selects the rules and checks them against the registry', () => {
  const yaml = readFileSync(SCHEME_FILE, 'utf8');
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('an unknown rule id is one line naming file, line and field', () => {
    const file = write('typo-rule.yaml', yaml.replace('rule: leader-disclosure', 'rule: leader-disclosur'));
    const line = yaml.split('\n').findIndex((l) => l.includes('rule: leader-disclosure')) + 1;
    expect(() => loadScheme(file)).toThrow(new RegExp(`^考评方案文件 .*typo-rule\\.yaml 第${line}行 字段 indicators\\.\\d+\\.rule 有误：未知规则“leader-disclosur”（可用：[a-z、-]*leader-disclosure[a-z、-]*）$`));
  });

  it('an unknown code of a known rule is named with its line', () => {
    const file = write('typo-code.yaml', yaml.replace('codes: [not-named]', 'codes: [not-name]'));
    const line = yaml.split('\n').findIndex((l) => l.includes('codes: [not-named]')) + 1;
    expect(() => loadScheme(file)).toThrow(`第${line}行 字段 indicators.5.codes.0 有误：规则 leader-disclosure 没有扣分代码“not-name”（可用：not-named）`);
  });

  it('a setting is checked against its rule’s own schema, with its line', () => {
    const file = write('bad-setting.yaml', yaml.replace('      threshold: 0.7', '      threshold: 7'));
    const line = yaml.split('\n').findIndex((l) => l.includes('      threshold: 0.7')) + 1;
    expect(() => loadScheme(file)).toThrow(new RegExp(`第${line}行 字段 settings\\.annual-report\\.copied\\.threshold 有误`));
  });

  it('settings for a rule no indicator selects are refused', () => {
    expect(broken((r) => (r.settings['no-such-rule'] = {}))).toThrow('字段 settings.no-such-rule 有误：未知规则“no-such-rule”');
  });

  it('only the rules the indicators name run; omitted settings take the rule’s defaults', () => {
    const raw = parseYaml(yaml);
    raw.indicators = raw.indicators.filter((i: { rule: string }) => i.rule === 'column-update');
    delete raw.settings;
    const s = parseScheme(raw, 'only-columns.yaml');
    expect(s.rules.map((r) => r.meta.id)).toEqual(['column-update']);
    const full = scheme();
    expect(full.rules.map((r) => r.meta.id)).toEqual([
      'column-update',
      'annual-report',
      'interpretation-link',
      'leader-disclosure',
      'agency-info',
      'normative-docs',
      'guide-channels',
      'proposal-column',
      'timeliness',
      'wording',
      'privacy-leak',
      'dead-link',
    ]);
    expect(full.settings['annual-report'].titleKinds).toEqual(['年度报告', '工作报告', '年报']);
    expect(full.settings['annual-report'].copied.boilerplate.length).toBeGreaterThan(100);
  });
});

describe('column categories and the gather plan from the scheme', () => {
  it('categorize: last path segment first, then parents; overrides win', () => {
    const s = scheme();
    expect(categorize(['政务公开', '通知公告'], s)).toBe('regular');
    expect(categorize(['财政预决算', '2020年'], s)).toBe('annual');
    expect(categorize(['机构职能'], s)).toBe('static');
    expect(categorize(['工作动态'], s)).toBe('news');
    expect(categorize(['其他'], s)).toBe('regular');
    expect(categorize(['法规文件', '规范性文件'], s, { '法规文件/规范性文件': 'static' })).toBe('static');
  });

  it('the plan reads what each selected rule needs of a column, and fills dates where freshness is judged', () => {
    const plan = planGather(scheme());
    const reads = (path: string[]) => plan.forColumn(path).reads;
    // Each rule's own need shows in the columns it names (other rules may add their own reads beside it).
    expect(reads(['政府信息公开年报'])).toContainEqual({ titles: ['年度报告', '年报'], fallbackToAll: true });
    expect(reads(['法规文件', '政策解读'])).toContainEqual({ links: 'read' });
    expect(reads(['领导信息'])).toContainEqual({ columnPage: true });
    // agency-info and guide-channels also read pages titled like theirs wherever they are filed.
    for (const path of [['通知公告'], ['法规文件', '规范性文件']]) {
      expect(reads(path)).toContainEqual({ titles: ['机构职能', '机构设置', '内设机构', '主要职责', '职能职责', '联系方式'] });
      expect(reads(path)).toContainEqual({ titles: ['信息公开指南', '公开指南'] });
    }
    expect(plan.forColumn(['通知公告'])).toMatchObject({ category: 'regular', fillDates: true });
    // A news column is not government information: nothing is read of it, no date is filled.
    expect(plan.forColumn(['工作动态'])).toEqual({ category: 'news', fillDates: false, reads: [] });
    // dead-link: the first 5 articles of every judged column, their links checked (not read), on the portal only.
    expect(reads(['通知公告'])).toContainEqual({ max: 5, links: 'check', maxLinkChecks: 300, linkScope: 'portal' });
    // Reading only to check links needs no item dates.
    expect(planGather({ ...scheme(), rules: scheme().rules.filter((r) => r.meta.id === 'dead-link') }).forColumn(['信息公开指南']).fillDates).toBe(false);
  });

  it('a scheme without a rule costs the crawl nothing for it', () => {
    const raw = parseYaml(readFileSync(SCHEME_FILE, 'utf8'));
    raw.indicators = raw.indicators.filter((i: { rule: string }) => i.rule === 'column-update');
    delete raw.settings;
    const plan = planGather(parseScheme(raw, 'only-columns.yaml'));
    expect(plan.forColumn(['政策解读']).reads).toEqual([]);
    expect(plan.forColumn(['机构职能'])).toEqual({ category: 'static', fillDates: false, reads: [] });
  });
});
