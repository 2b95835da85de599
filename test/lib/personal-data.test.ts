import { describe, expect, it } from 'vitest';
import { idCheckDigitValid, idNumberShape, luhnValid, maskDigits, maskPersonalData, MAX_HITS } from '../../src/lib/personal-data.ts';

// Numbers invented for the tests: check digits computed by GB 11643, cards by Luhn.
const ID = '360922198503151237';
const ID_X = '11010519491231002X';
const ID_BAD_CHECK = '360922198503151238';
const CARD = '6222021234567890128';

describe('ID number validation (GB 11643)', () => {
  it('accepts a plausible region, a real birth date and the right check digit', () => {
    expect(idNumberShape(ID) && idCheckDigitValid(ID)).toBe(true);
    expect(idNumberShape(ID_X) && idCheckDigitValid(ID_X)).toBe(true);
    expect(idCheckDigitValid(ID_X.toLowerCase())).toBe(true);
  });

  it('tells a failing check digit from a wrong shape', () => {
    expect(idNumberShape(ID_BAD_CHECK)).toBe(true);
    expect(idCheckDigitValid(ID_BAD_CHECK)).toBe(false);
    expect(idNumberShape('360922200102290017')).toBe(false); // 2001-02-29 does not exist
    expect(idNumberShape('990922198503151237')).toBe(false); // no province 99
    expect(idNumberShape('360922198513151237')).toBe(false); // month 13
    expect(idNumberShape('360000198503151237')).toBe(false); // no county
  });

  it('checks cards with Luhn', () => {
    expect(luhnValid(CARD)).toBe(true);
    expect(luhnValid('6222021234567890127')).toBe(false);
  });

  it('masks all but the first and last four digits, keeping length and separators', () => {
    expect(maskDigits(ID)).toBe('3609**********1237');
    expect(maskDigits('6222 0212 3456 7890 128')).toBe('6222 **** **** ***0 128');
    expect(maskDigits('13812345678', 3, 4)).toBe('138****5678');
  });
});

describe('maskPersonalData', () => {
  it('masks a valid ID number in the text and records the masked form and position only', () => {
    const text = `经审核，张三（身份证号：${ID}）符合条件。`;
    const r = maskPersonalData(text);
    expect(r.text).not.toContain(ID);
    expect(r.text).toBe('经审核，张三（身份证号：3609**********1237）符合条件。');
    expect(r.hits).toEqual([
      { kind: 'id-number', masked: '3609**********1237', field: 'text', at: text.indexOf(ID), valid: true, before: '经审核，张三（身份证号：', after: '）符合条件。' },
    ]);
    expect(JSON.stringify(r)).not.toContain(ID);
  });

  it('records a valid-looking number whose check digit fails as not valid (and still masks it)', () => {
    const r = maskPersonalData(`编号 ${ID_BAD_CHECK}`);
    expect(r.hits.map((h) => [h.kind, h.valid])).toEqual([['id-number', false]]);
    expect(r.text).toBe('编号 3609**********1238');
  });

  it('leaves masked numbers, codes with letters and longer digit runs alone', () => {
    const text = `李四 3624**********1234；统一社会信用代码 11360924MB1234567X；流水号 ${ID}0；索引号 A${ID}`;
    const r = maskPersonalData(text);
    expect(r.hits).toEqual([]);
    expect(r.text).toBe(text);
  });

  it('reads full-width digits and the 6-8-4 spelling', () => {
    const wide = ID.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    const r = maskPersonalData(`身份证：${wide}；另：360922 19850315 1237`);
    expect(r.hits.map((h) => h.masked)).toEqual(['3609**********1237', '3609** ******** 1237']);
    expect(r.text).not.toMatch(/19850315|１９８５０３１５/);
  });

  it('keeps contact-labelled mobiles readable, masks the others, and finds Luhn-valid cards', () => {
    const text = `联系电话：13812345678。王五 13912345678，账号 ${CARD}，另号 6222021234567890127`;
    const r = maskPersonalData(text);
    expect(r.text).toContain('联系电话：13812345678');
    expect(r.text).toContain('王五 139****5678');
    expect(r.text).toContain('6222***********0128');
    expect(r.text).toContain('6222021234567890127'); // fails Luhn: not a card
    expect(r.hits.map((h) => [h.kind, h.masked])).toEqual([
      ['mobile', '139****5678'],
      ['bank-card', '6222***********0128'],
    ]);
  });

  it('masks every number but keeps at most MAX_HITS of them', () => {
    const text = Array.from({ length: MAX_HITS + 5 }, () => ID).join('，');
    const r = maskPersonalData(text);
    expect(r.hits).toHaveLength(MAX_HITS);
    expect(r.text).not.toContain(ID);
    expect(r.text.length).toBe(text.length);
  });
});
