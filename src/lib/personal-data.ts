/**
 * Personal numbers in crawled text: 18-digit resident ID numbers (GB 11643),
 * mobile numbers and bank card numbers. Pure and linear (fixed-width
 * patterns with lookarounds; every match is at most 23 characters).
 *
 * Why here, at crawl time: "personal data is never re-published" — the
 * snapshot, the store, reports and logs must never hold a number in full, so
 * the only moment the whole number exists is while the page's text is being
 * read. That is when it is validated (region code, birth date, check digit;
 * Luhn for cards) and masked; what is kept is a `PersonalDataHit`: the masked
 * form, where it stood, whether it validated, and a few characters around it
 * (masked too), from which a rule can later judge (is a name next to it, is it
 * the office's published contact number) without ever seeing the digits.
 *
 * What is masked in the text: every ID-number candidate with a plausible region
 * and birth date (even when its check digit fails — it may be a mistyped real
 * one), every Luhn-valid card number, and every mobile number that is not
 * labelled as a contact number right before it (电话/手机/联系方式…: the
 * office's published numbers stay readable for the rules that look for them).
 * Masking keeps the first 4 and last 4 digits (mobiles: 3 and 4) and the
 * length, so offsets are the same in the masked and the original text.
 */
import type { PersonalDataHit } from '../model/snapshot.ts';

/** Hits kept per text; masking applies to all of them. */
export const MAX_HITS = 50;
/** Characters of context kept on each side. */
const CONTEXT = 24;

/** GB 11643 weights of the first 17 digits, and the check character for each remainder. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';
/** 省级行政区划代码 (GB/T 2260): the first two digits of a real ID number. */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
]);

/** The digits form an ID number's shape: plausible region code and a real calendar birth date (1900–2099). */
export function idNumberShape(id: string): boolean {
  if (!/^[0-9]{17}[0-9Xx]$/.test(id)) return false;
  if (!PROVINCES.has(Number(id.slice(0, 2))) || id.slice(2, 6) === '0000') return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** The GB 11643 check character holds. */
export function idCheckDigitValid(id: string): boolean {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11] === id[17]!.toUpperCase();
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let n = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  }
  return sum % 10 === 0;
}

/**
 * A number with all but its first `head` and last `tail` digits replaced by `*`
 * (separators kept, so the length does not change).
 */
export function maskDigits(raw: string, head = 4, tail = 4): string {
  const total = raw.replace(/[^0-9Xx]/g, '').length;
  let seen = 0;
  let out = '';
  for (const c of raw) {
    if (/[0-9Xx]/.test(c)) {
      out += seen < head || seen >= total - tail ? c : '*';
      seen++;
    } else out += c;
  }
  return out;
}

/**
 * Contact labels: a mobile after one of these in the same clause (联系电话：0795-2752318、139…)
 * is a published contact number, kept readable. Tested on the `CONTACT_WINDOW` characters before it.
 */
const CONTACT_LABEL_RE = /(电话|手机|联系方式|联系号码|热线|咨询|传真|值班|举报|投诉|tel|TEL|Tel)[^\n。；;]{0,18}$/;
const CONTACT_WINDOW = 24;

/**
 * Number-shaped tokens: 18-character ID numbers (optionally written 6-8-4),
 * 11-digit mobiles, 16–19-digit cards (contiguous or in groups of four).
 * Digits must not touch other letters or digits, so parts of longer codes
 * (索引号, 统一社会信用代码, order numbers) are not taken.
 */
const TOKEN_RE =
  /(?<![0-9A-Za-z])(?:[0-9]{6}[ -][0-9]{8}[ -][0-9]{3}[0-9Xx]|[0-9]{17}[0-9Xx]|[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -]?[0-9]{1,3})?|[0-9]{11,19})(?![0-9A-Za-z])/g;

/** Full-width digits and X folded (one UTF-16 unit each, so offsets stay). */
function fold(text: string): string {
  return text.replace(/[\uff10-\uff19\uff38\uff58]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

interface Candidate {
  kind: PersonalDataHit['kind'];
  at: number;
  end: number;
  masked: string;
  valid: boolean;
}

function classify(token: string, at: number, folded: string): Candidate | null {
  const digits = token.replace(/[ -]/g, '');
  const end = at + token.length;
  if (digits.length === 18 && idNumberShape(digits)) {
    return { kind: 'id-number', at, end, masked: maskDigits(token), valid: idCheckDigitValid(digits) };
  }
  if (/[Xx]/.test(digits)) return null;
  if (digits.length === 11 && token === digits && /^1[3-9]/.test(digits)) {
    if (CONTACT_LABEL_RE.test(folded.slice(Math.max(0, at - CONTACT_WINDOW), at))) return null;
    return { kind: 'mobile', at, end, masked: maskDigits(token, 3, 4), valid: true };
  }
  if (digits.length >= 16 && digits.length <= 19 && /^[3-6]/.test(digits) && luhnValid(digits)) {
    return { kind: 'bank-card', at, end, masked: maskDigits(token), valid: true };
  }
  return null;
}

export interface MaskResult {
  /** The text with every personal number masked (same length as the input). */
  text: string;
  hits: PersonalDataHit[];
}

/** Masks the personal numbers of one text and records them (at most MAX_HITS; all are masked). */
export function maskPersonalData(text: string, field: PersonalDataHit['field'] = 'text'): MaskResult {
  const folded = fold(text);
  const found: Candidate[] = [];
  for (const m of folded.matchAll(TOKEN_RE)) {
    const c = classify(m[0], m.index, folded);
    if (c) found.push(c);
  }
  if (found.length === 0) return { text, hits: [] };
  let masked = '';
  let last = 0;
  for (const c of found) {
    masked += text.slice(last, c.at) + c.masked;
    last = c.end;
  }
  masked += text.slice(last);
  const hits = found.slice(0, MAX_HITS).map(
    (c): PersonalDataHit => ({
      kind: c.kind,
      masked: c.masked,
      field,
      at: c.at,
      valid: c.valid,
      before: masked.slice(Math.max(0, c.at - CONTEXT), c.at),
      after: masked.slice(c.end, c.end + CONTEXT),
    }),
  );
  return { text: masked, hits };
}

/** Masks a text whose hits are not recorded (link texts, headings, table cells): the same masking, nothing kept. */
export function maskOnly(text: string): string {
  return maskPersonalData(text).text;
}

/**
 * The same masking for a page shown in the browser (evidence screenshots):
 * run in the page before the picture is taken, it masks every number the
 * crawl would mask — and more, since a picture loses nothing by it: every
 * 16–19-digit or ID-shaped token (first 4 and last 4 digits kept, as in the
 * snapshot, so a finding's masked number is found on the page to outline it)
 * and every mobile not labelled as a contact number. Text nodes of the page
 * and its same-origin frames, and `title`/`value` attributes; a number split
 * over several elements is not seen. A string, so no bundler helper leaks in.
 */
export const MASK_PAGE_SCRIPT = `(() => {
  const token = new RegExp(${JSON.stringify(TOKEN_RE.source)}, 'g');
  const label = new RegExp(${JSON.stringify(CONTACT_LABEL_RE.source)});
  const fold = (s) => s.replace(/[\\uff10-\\uff19\\uff38\\uff58]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  const mask = (raw, head, tail) => {
    const total = raw.replace(/[^0-9Xx]/g, '').length;
    let seen = 0;
    let out = '';
    for (const c of raw) {
      if (/[0-9Xx]/.test(c)) { out += seen < head || seen >= total - tail ? c : '*'; seen++; } else out += c;
    }
    return out;
  };
  const maskText = (text) => {
    const f = fold(text);
    let out = '';
    let last = 0;
    for (const m of f.matchAll(token)) {
      const digits = m[0].replace(/[ -]/g, '');
      let masked = null;
      if (digits.length >= 16) masked = mask(m[0], 4, 4);
      else if (digits.length === 11 && m[0] === digits && /^1[3-9]/.test(digits) && !label.test(f.slice(Math.max(0, m.index - ${CONTACT_WINDOW}), m.index))) masked = mask(m[0], 3, 4);
      if (masked === null) continue;
      out += text.slice(last, m.index) + masked;
      last = m.index + m[0].length;
    }
    return last === 0 ? null : out + text.slice(last);
  };
  let count = 0;
  const walk = (doc) => {
    if (!doc || !doc.body) return;
    const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = maskText(n.nodeValue || '');
      if (t !== null) { n.nodeValue = t; count++; }
    }
    for (const el of Array.from(doc.body.querySelectorAll('[title], input[value]'))) {
      for (const a of ['title', 'value']) {
        const t = el.hasAttribute(a) ? maskText(el.getAttribute(a) || '') : null;
        if (t !== null) { el.setAttribute(a, t); if (a === 'value') el.value = t; count++; }
      }
    }
    for (const frame of Array.from(doc.querySelectorAll('iframe, frame'))) {
      let inner = null;
      try { inner = frame.contentDocument; } catch { inner = null; }
      walk(inner);
    }
  };
  walk(document);
  return count;
})()`;
