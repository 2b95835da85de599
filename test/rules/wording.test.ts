import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import wording, { wrongForms } from '../../rules/wording.ts';
import { parseArticle } from '../../src/crawl/parse/article.ts';
import { parseScheme } from '../../src/config/scheme.ts';
import { judgeUnit } from '../../src/judge/run-rules.ts';
import { scoreUnits } from '../../src/scoring/score.ts';
import {
  archivedText, article, column, ctx, haveRealpages, item, REALPAGES, realpage, ruleRunner, SCHEME_FILE, scheme, snapshot, withSettings,
} from '../helpers/snapshot-factory.ts';

const run = ruleRunner('wording');

const BODY_OK = '根据《中华人民共和国政府信息公开条例》，现将有关事项通知如下。';

/** One 通知公告 column whose first item's article has `text` (title as given). */
function unitWith(text: string, title = '关于做好2020年政务公开工作的通知') {
  const it = item(title, '2020-06-01');
  return { it, snap: snapshot({ columns: [column('通知公告', [it])], articles: [article(it, '通知公告', { text })] }) };
}

describe('wording: the curated list of severe errors, exact matches only', () => {
  it('the 2020 scheme holds a small list, each entry with its source', () => {
    const errors = scheme().settings['wording'].errors;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBeLessThanOrEqual(12);
    for (const e of errors) expect(e.source.length).toBeGreaterThan(4);
  });

  it('reports a misspelt 国名 in a body, quoting the sentence', () => {
    const { it: doc, snap } = unitWith(`${BODY_OK}\n各乡镇、各部门：为贯彻落实《中华人民共合国政府信息公开条例》，切实做好公开工作。`);
    const r = run(snap);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ rule: 'wording', code: 'severe', url: doc.url, column: '通知公告', highlight: '中华人民共合国' });
    expect(r.findings[0]!.observed).toMatchObject({
      wrong: '中华人民共合国',
      correct: '中华人民共和国',
      source: expect.stringContaining('宪法'),
      sentence: '各乡镇、各部门：为贯彻落实《中华人民共合国政府信息公开条例》，切实做好公开工作。',
      count: 1,
    });
    expect(r.findings[0]!.message).toContain('“中华人民共合国”应为“中华人民共和国”');
    expect(r.assessed).toBe(true);
  });

  it('the correct form elsewhere never matches', () => {
    expect(run(unitWith(`${BODY_OK}习近平总书记指出，国务院办公厅印发，中国人民政治协商会议宜丰县委员会，李克强总理主持。`).snap).findings).toEqual([]);
  });

  it('a wrong form that is part of its correct form is looked for only outside the correct form', () => {
    const sch = withSettings('wording', { errors: [{ wrong: '人民政府办公', correct: '人民政府办公室', source: '测试' }] });
    expect(run(unitWith('宜丰县人民政府办公室关于印发通知。').snap, ctx({ scheme: sch })).findings).toEqual([]);
    expect(run(unitWith('宜丰县人民政府办公楼前广场。').snap, ctx({ scheme: sch })).findings).toHaveLength(1);
  });

  it('ignores whitespace inside the wrong form and quotes the sentence as written, clipped around it', () => {
    const long = `${'县'.repeat(50)}贯彻落实习 近平总理重要讲话精神${'乡'.repeat(50)}`;
    const f = run(unitWith(long).snap).findings[0]!;
    expect(f.observed['wrong']).toBe('习近平总理');
    expect(f.observed['sentence']).toBe(`…${'县'.repeat(26)}贯彻落实习 近平总理重要讲话精神${'乡'.repeat(24)}…`);
  });

  it('one finding per page, counting every place and naming the other errors', () => {
    const { snap } = unitWith('中华人民共合国成立以来。中华人民共合国宪法规定。李克强总书记强调。');
    const r = run(snap);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.observed).toMatchObject({ count: 3, others: ['李克强总书记→李克强总理'] });
    expect(r.findings[0]!.message).toContain('本页共 3 处');
  });

  it('checks list titles of items whose page was not read, and column pages kept as content', () => {
    const unread = item('习进平总书记重要讲话精神学习资料', '2020-05-06');
    const leaders = column('领导信息', [], { url: 'http://portal.test/col/ldxx/index.html' });
    const page = article(item('领导信息', null, { url: leaders.url }), '领导信息', { text: '局长 张三：主持全面工作，学习贯彻中化人民共和国宪法。' });
    const r = run(snapshot({ columns: [column('工作动态', [unread]), leaders], articles: [page] }));
    expect(r.findings.map((f) => [f.url, f.observed['wrong']])).toEqual([
      [unread.url, '习进平'],
      [leaders.url, '中化人民共和国'],
    ]);
  });

  it("never reports a page that is not one of the unit's items (a linked page of another body)", () => {
    const it = item('关于做好2020年政务公开工作的通知', '2020-06-01');
    const linked = article(item('省里的文件', '2020-05-01'), '通知公告', { text: '中华人民共合国' });
    expect(run(snapshot({ columns: [column('通知公告', [it])], articles: [article(it, '通知公告', { text: BODY_OK }), linked] })).findings).toEqual([]);
  });

  it('an entry whose wrong form equals its correct form is refused when the scheme loads', () => {
    const raw = parseYaml(readFileSync(SCHEME_FILE, 'utf8'));
    raw.settings.wording.errors.push({ wrong: '国务院 办公厅', correct: '国务院办公厅', source: 'x' });
    expect(() => parseScheme(raw, 'test.yaml')).toThrow(/settings\.wording\.errors\.\d+ 有误：错误写法与正确写法相同/);
  });

  it('without a list nothing is read and nothing is assessed', () => {
    expect(wording.meta.needs(wording.meta.settings.parse({}))).toEqual([]);
    expect(wording.meta.needs(scheme().settings['wording'])).toEqual([{ kind: 'articles', columns: 'judged', max: 3 }]);
    const sch = withSettings('wording', { errors: [] });
    expect(run(unitWith('中华人民共合国').snap, ctx({ scheme: sch }))).toEqual({ findings: [], inconclusive: [], assessed: false });
  });

  it('is advisory under the 2020 scheme: deduction 0, no score change', () => {
    const [bad] = scoreUnits([judgeUnit(unitWith('中华人民共合国成立以来。').snap, ctx())], scheme());
    const [good] = scoreUnits([judgeUnit(unitWith(BODY_OK).snap, ctx())], scheme());
    expect(bad!.findings.find((f) => f.rule === 'wording')).toMatchObject({ advisory: true, deduction: 0 });
    expect(bad!.score).toBe(good!.score);
  });
});

describe.skipIf(!haveRealpages)('wording on real pages (needs ../shared/realpages)', () => {
  it('finds nothing in real reports, guides, interpretations and articles, though they name 中华人民共和国 and 习近平 often', () => {
    let pages = 0;
    let correct = 0;
    for (const dir of ['annual-report', 'guide', 'interpretation', 'leader', 'article']) {
      for (const file of readdirSync(resolve(REALPAGES, dir)).filter((f) => /\.(txt|html)$/.test(f))) {
        const raw = realpage(`${dir}/${file}`)!;
        const text = file.endsWith('.txt') ? archivedText(raw).body : parseArticle(raw, 'http://portal.test/a.html').text;
        correct += (text.match(/中华人民共和国|习近平/gu) ?? []).length;
        expect(wrongForms([text], scheme().settings['wording'].errors), `${dir}/${file}`).toEqual([]);
        pages++;
      }
    }
    expect(pages).toBeGreaterThan(30);
    expect(correct).toBeGreaterThan(50);
  });
});
