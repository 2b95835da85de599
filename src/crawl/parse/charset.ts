/**
 * Bytes → text for Chinese portal pages. Order: a byte-order mark (it cannot
 * lie, so it wins as in browsers), the Content-Type header, `<meta charset>` /
 * `<meta http-equiv>` in the first 2 KB, then detection. A declared GBK page
 * whose bytes are valid UTF-8 (with non-ASCII), or a declared UTF-8 page whose
 * bytes are not, is detected instead: non-ASCII Chinese text in GBK is
 * practically never valid UTF-8. GBK and GB2312 are
 * decoded as GB18030, their superset, because pages labelled GB2312 routinely
 * contain GBK-only characters.
 */
import { isUtf8 } from 'node:buffer';
import chardet from 'chardet';
import iconv from 'iconv-lite';
import type { DecodedPage } from './types.ts';

const SNIFF_BYTES = 2048;

/** Map a charset label to the decoder name we use, or null if we cannot decode it. */
export function normalizeCharset(label: string | null | undefined): string | null {
  if (!label) return null;
  const l = label.trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (!l) return null;
  if (/^(utf-?8|unicode-1-1-utf-8|utf8mb4)$/.test(l)) return 'utf-8';
  if (/^(gb2312|gbk|gb18030|x-gbk|gb_2312(-80)?|csgb2312|chinese|iso-ir-58|cp936|ms936|windows-936|euc-cn|x-euc-cn)$/.test(l)) {
    return 'gb18030';
  }
  if (/^(big5|big5-hkscs|cn-big5|x-x-big5|csbig5)$/.test(l)) return 'big5';
  if (/^utf-?16(le)?$/.test(l)) return 'utf-16le';
  if (/^utf-?16be$/.test(l)) return 'utf-16be';
  return iconv.encodingExists(l) ? l : null;
}

function charsetFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const m = /charset\s*=\s*["']?([\w.:-]+)/i.exec(header);
  return m ? normalizeCharset(m[1]) : null;
}

function charsetFromBom(bytes: Uint8Array): string | null {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

function charsetFromMeta(bytes: Uint8Array): string | null {
  // Latin-1 keeps every byte as one char, so ASCII markup reads fine whatever the real charset.
  let head = Buffer.from(bytes.subarray(0, SNIFF_BYTES)).toString('latin1');
  head = head.replace(/<!--[\s\S]*?(-->|$)/g, '');
  for (const m of head.matchAll(/<meta\b[^>]*>/gi)) {
    const tag = m[0];
    const direct = /\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(tag);
    if (direct) {
      const cs = normalizeCharset(direct[1]);
      if (cs) return cs;
    }
  }
  return null;
}

function hasHighBytes(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return true;
  return false;
}

/** Valid UTF-8; a character cut off at the end (a body stopped at the size cap) does not make it invalid. */
function isValidUtf8(bytes: Uint8Array): boolean {
  // Native check first (no string built); only a body that fails it is looked at for a cut-off last character.
  if (isUtf8(bytes)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function detect(bytes: Uint8Array): string {
  if (isValidUtf8(bytes)) return 'utf-8';
  const guess = normalizeCharset(chardet.detect(bytes));
  // chardet calls short GBK samples Latin-1 or windows-125x; on a Chinese portal those are never right.
  if (guess && guess !== 'utf-8' && !/^(iso-8859|windows-125|ascii|us-ascii)/.test(guess)) return guess;
  return 'gb18030';
}

function decodeWith(bytes: Uint8Array, charset: string): string {
  const text =
    charset === 'utf-8'
      ? new TextDecoder('utf-8').decode(bytes)
      : iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), charset);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function decodeBody(bytes: Uint8Array, contentTypeHeader?: string): DecodedPage {
  let charset: string | null;
  let source: DecodedPage['charsetSource'];
  if ((charset = charsetFromBom(bytes))) source = 'bom';
  else if ((charset = charsetFromHeader(contentTypeHeader))) source = 'header';
  else if ((charset = charsetFromMeta(bytes))) source = 'meta';
  else if (!hasHighBytes(bytes)) {
    charset = 'utf-8';
    source = 'default';
  } else {
    charset = detect(bytes);
    source = 'detected';
  }
  // Templates copied between sites keep their old declaration: the bytes, checked, overrule it (a BOM cannot lie).
  if (source === 'header' || source === 'meta') {
    const lie = charset === 'gb18030' ? hasHighBytes(bytes) && isValidUtf8(bytes) : charset === 'utf-8' && !isValidUtf8(bytes);
    if (lie) {
      charset = detect(bytes);
      source = 'detected';
    }
  }
  return { text: decodeWith(bytes, charset), charset, charsetSource: source };
}
