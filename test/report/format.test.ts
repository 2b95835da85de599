import { describe, expect, it } from 'vitest';
import { fmtInstant, fmtNum, observedFacts, safeEvidencePath, safeHref } from '../../src/report/format.ts';
import { finding, makeReport } from '../helpers/report-factory.ts';

describe('report display helpers', () => {
  it('links only http(s) addresses and evidence paths', () => {
    expect(safeHref('http://127.0.0.1:8080/xxgk/a.html')).toBe('http://127.0.0.1:8080/xxgk/a.html');
    expect(safeHref('https://example.gov.cn/通知.html')).toBe('https://example.gov.cn/%E9%80%9A%E7%9F%A5.html');
    expect(safeHref('evidence/wjw/column-update-stale-1a2b3c.png')).toBe('evidence/wjw/column-update-stale-1a2b3c.png');
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', '//evil.example/x', 'evidence/../../etc/passwd', 'evidence/../x.png', 'evidence/a b.png', '/etc/passwd', 'vbscript:x']) {
      expect(safeHref(bad), bad).toBeNull();
    }
    expect(safeEvidencePath('evidence/..')).toBeNull();
    expect(safeEvidencePath('evidence/a/./b.png')).toBeNull();
  });

  it('turns observed facts into Chinese display values labelled by the rule’s own meta', () => {
    const facts = observedFacts(
      finding({
        rule: 'annual-report',
        code: 'copied',
        deduction: 2,
        url: 'http://x/',
        evidence: {
          screenshot: 'evidence/a/b.png',
          highlight: '年报',
          method: 'containment',
          similarity: 0.912,
          missingParts: ['行政复议', '存在的主要问题'],
          newestUrl: null,
          customFlag: true,
        },
      }),
      makeReport().rules,
    );
    expect(facts).toEqual([
      { label: '相似度', value: '91.2%' },
      { label: '缺少内容', value: '行政复议；存在的主要问题' },
      { label: 'customFlag', value: '是' },
    ]);
  });

  it('formats numbers and instants for people', () => {
    expect(fmtNum(0.66666)).toBe('0.67');
    expect(fmtNum(29.1)).toBe('29.1');
    expect(fmtNum(Number.NaN)).toBe('—');
    expect(fmtInstant('2021-01-19T18:30:00.000Z')).toBe('2021-01-20 02:30');
    expect(fmtInstant('不是时间')).toBe('不是时间');
  });
});
