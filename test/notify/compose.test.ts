import { describe, expect, it } from 'vitest';
import { confirmedNotice, officeDigest, unitDigest, unitLink, warningNotice } from '../../src/notify/compose.ts';

const unit = { id: 'jtj', name: '县教育体育局' };
const warning = { column: '通知公告', name: '通知公告', url: 'http://p/tzgg/', category: 'regular', newest: '2020-08-01', typicalGapDays: null, staleOn: '2021-01-29', daysLeft: 9, message: '' };

describe('notice texts', () => {
  it('a confirmed-findings message names the unit, lists the findings and links to the unit page', () => {
    const link = unitLink('https://zwgk.yf.gov.cn/', 'jtj');
    expect(link).toBe('https://zwgk.yf.gov.cn/units/jtj');
    const n = confirmedNotice(unit, [{ indicator: '平台栏目更新', message: '栏目“通知公告”超过 180 天未更新', url: 'http://p/tzgg/' }], link);
    expect(n.subject).toBe('【政务公开】县教育体育局有 1 项问题经复核确认，请整改');
    expect(n.markdown).toBe('- 平台栏目更新：栏目“通知公告”超过 180 天未更新\n\n[查看单位页面及佐证截图](https://zwgk.yf.gov.cn/units/jtj)');
  });

  it('crawled text cannot add links or formatting to a robot message', () => {
    const n = confirmedNotice(unit, [{ indicator: '分管领导', message: '[点我](http://evil.example) ![x](http://evil.example/a.png) **粗** #标题', url: 'x' }], null);
    expect(n.markdown).not.toMatch(/\]\(|!\[|\*\*|#/);
    expect(n.markdown).not.toContain('查看单位页面');
  });

  it('预警 and the digests; a unit with nothing open gets no digest', () => {
    expect(warningNotice(unit, [warning], null).markdown).toBe('- 栏目“通知公告”9 天后（2021-01-29）将超期，最新信息日期 2020-08-01');
    const d = { unit, toFix: Array.from({ length: 12 }, (_, i) => ({ indicator: '平台栏目更新', message: `问题${i}`, url: 'x' })), awaitingCheck: 2, warnings: [warning], score: 88 };
    const digest = unitDigest('2021-01-20', d, null)!;
    expect(digest.subject).toBe('【政务公开日报】县教育体育局 2021-01-20');
    expect(digest.markdown).toContain('**待整改问题 12 项**');
    expect(digest.markdown).toContain('- ……共 12 项');
    expect(digest.markdown).toContain('已报整改、待复查 2 项');
    expect(unitDigest('2021-01-20', { unit, toFix: [], awaitingCheck: 0, warnings: [] }, null)).toBeNull();
    expect(officeDigest('2021-01-20', [d, { unit: { id: 'x', name: '新庄镇' }, toFix: [], awaitingCheck: 0, warnings: [] }], 'https://zwgk.yf.gov.cn/')!.markdown).toBe(
      '- 县教育体育局：待整改 12，待复查 2，预警 1，得分 88\n\n[打开仪表盘](https://zwgk.yf.gov.cn/)',
    );
  });
});
