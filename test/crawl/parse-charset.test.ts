import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBody, normalizeCharset } from '../../src/crawl/parse/charset.ts';

const REAL = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'realpages');
const hasReal = existsSync(REAL);
if (!hasReal) console.warn(`[parse-charset] ${REAL} is absent: real-page checks are skipped`);

// 镕 is in GBK but not in GB2312: decoding it proves GBK/GB2312 labels are read as GB18030.
const BODY = '<p>棠浦镇人民政府信息公开 2020年12月1日 关于印发《棠浦镇2020年工作要点》的通知 朱镕基</p>';

describe('decodeBody', () => {
  it('reads GBK declared only in <meta http-equiv> (labelled gb2312)', () => {
    const html = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>棠浦镇</title></head><body>${BODY}</body></html>`;
    const page = decodeBody(iconv.encode(html, 'gbk'), 'text/html');
    expect(page.charsetSource).toBe('meta');
    expect(page.charset).toBe('gb18030');
    expect(page.text).toContain('关于印发《棠浦镇2020年工作要点》的通知');
    expect(page.text).toContain('朱镕基');
  });

  it('reads <meta charset=gbk>', () => {
    const page = decodeBody(iconv.encode(`<meta charset="GBK">${BODY}`, 'gbk'));
    expect([page.charset, page.charsetSource]).toEqual(['gb18030', 'meta']);
    expect(page.text).toContain('朱镕基');
  });

  it('prefers the Content-Type header over <meta>', () => {
    const html = `<meta charset="utf-8">${BODY}`;
    const page = decodeBody(iconv.encode(html, 'gbk'), 'text/html; charset=GBK');
    expect(page.charsetSource).toBe('header');
    expect(page.text).toContain('棠浦镇人民政府信息公开');
  });

  it('lets a byte-order mark win over a wrong header and strips it', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`<html>${BODY}</html>`, 'utf8')]);
    const page = decodeBody(bytes, 'text/html; charset=gbk');
    expect([page.charset, page.charsetSource]).toEqual(['utf-8', 'bom']);
    expect(page.text.startsWith('<html>')).toBe(true);
    expect(page.text).toContain('朱镕基');
  });

  it('sees through a <meta> that says gb2312 over UTF-8 bytes (a copied template)', () => {
    const html = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>${BODY}</body></html>`;
    const page = decodeBody(Buffer.from(html, 'utf8'), 'text/html');
    expect([page.charset, page.charsetSource]).toEqual(['utf-8', 'detected']);
    expect(page.text).toContain('朱镕基');
  });

  it('sees through a header that says UTF-8 over GBK bytes', () => {
    const page = decodeBody(iconv.encode(`<html><body>${BODY.repeat(3)}</body></html>`, 'gbk'), 'text/html; charset=utf-8');
    expect([page.charset, page.charsetSource]).toEqual(['gb18030', 'detected']);
    expect(page.text).toContain('关于印发《棠浦镇2020年工作要点》的通知');
  });

  it('keeps the declared UTF-8 when the body was cut inside a character (the size cap)', () => {
    const bytes = Buffer.from(`<meta charset="utf-8">${BODY}`, 'utf8');
    // Drop `</p>` and the last two of 基's three bytes.
    const inside = bytes.subarray(0, bytes.length - 6);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(inside)).toThrow();
    const page = decodeBody(inside);
    expect([page.charset, page.charsetSource]).toEqual(['utf-8', 'meta']);
    expect(page.text).toContain('朱镕');
  });

  it('a BOM is believed even when the rest looks otherwise', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<meta charset="gbk">'), iconv.encode(BODY, 'gbk')]);
    expect(decodeBody(bytes).charsetSource).toBe('bom');
  });

  it('detects GBK without any declaration', () => {
    const page = decodeBody(iconv.encode(`<html><body>${BODY.repeat(3)}</body></html>`, 'gbk'));
    expect(page.charsetSource).toBe('detected');
    expect(page.charset).toBe('gb18030');
    expect(page.text).toContain('关于印发《棠浦镇2020年工作要点》的通知');
  });

  it('detects UTF-8 without any declaration', () => {
    const page = decodeBody(Buffer.from(`<html><body>${BODY}</body></html>`, 'utf8'));
    expect([page.charset, page.charsetSource]).toEqual(['utf-8', 'detected']);
    expect(page.text).toContain('朱镕基');
  });

  it('calls plain ASCII UTF-8 by default', () => {
    expect(decodeBody(Buffer.from('<html><body>hello</body></html>'))).toMatchObject({ charset: 'utf-8', charsetSource: 'default' });
  });

  it('ignores a <meta charset> inside an HTML comment', () => {
    const html = `<html><head><!-- <meta charset="utf-8"> --></head><body>${BODY.repeat(3)}</body></html>`;
    const page = decodeBody(iconv.encode(html, 'gbk'));
    expect(page.charsetSource).toBe('detected');
    expect(page.text).toContain('朱镕基');
  });

  it('ignores a declaration beyond the first 2 KB', () => {
    const html = `<html><head>${'<!-- padding -->'.repeat(200)}<meta charset="utf-8"></head><body>${BODY.repeat(3)}</body></html>`;
    const page = decodeBody(iconv.encode(html, 'gbk'));
    expect(page.charsetSource).toBe('detected');
    expect(page.charset).toBe('gb18030');
  });

  it('normalises charset labels', () => {
    expect(normalizeCharset('GB2312')).toBe('gb18030');
    expect(normalizeCharset('x-gbk')).toBe('gb18030');
    expect(normalizeCharset('UTF8')).toBe('utf-8');
    expect(normalizeCharset('big5')).toBe('big5');
    expect(normalizeCharset('no-such-charset')).toBeNull();
  });

  it.skipIf(!hasReal)('reads a real UTF-8 page whose <meta> sits after an injected script', () => {
    const bytes = readFileSync(join(REAL, 'index', 'handan-xxgk-guide-dept-tree.html'));
    const page = decodeBody(bytes);
    expect([page.charset, page.charsetSource]).toEqual(['utf-8', 'meta']);
    expect(page.text).toContain('法定主动');
  });
});
