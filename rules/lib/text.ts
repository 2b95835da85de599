/**
 * Text helpers shared by the rules. Portal text mixes full-width and
 * half-width forms, Chinese-numeral years and stray spaces from &nbsp; cells;
 * rules compare on a compacted form.
 */

const CJK_DIGITS: Record<string, string> = {
  '〇': '0', '○': '0', '零': '0', '一': '1', '二': '2', '三': '3', '四': '4', '五': '5', '六': '6', '七': '7', '八': '8', '九': '9',
};

/** NFKC (full-width digits and brackets → ASCII) and Chinese-numeral years (二〇一九) → digits. */
export function normalizeText(s: string): string {
  return s.normalize('NFKC').replace(/[〇○零一二三四五六七八九]{4}(?=年)/g, (y) => [...y].map((c) => CJK_DIGITS[c]).join(''));
}

/** normalizeText without any whitespace (including NBSP, U+3000, zero-width). */
export function compact(s: string): string {
  return normalizeText(s).replace(/[\s\u200b-\u200d\u2060\ufeff]+/g, '');
}

/** The part of a URL that names the site (host with port), or null for a non-URL. */
export function hostOf(url: string): { host: string; hostname: string } | null {
  try {
    const u = new URL(url);
    return { host: u.host, hostname: u.hostname };
  } catch {
    return null;
  }
}

/** Whether a URL is on one of the portal's hosts (`host:port`, or a bare host name for the default port). */
export function onPortal(url: string, hosts: readonly string[]): boolean {
  const h = hostOf(url);
  return h !== null && (hosts.includes(h.host) || hosts.includes(h.hostname));
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One regex that matches any of the given literal words. */
export function anyOf(words: readonly string[]): RegExp {
  return new RegExp(words.map(escapeRegex).join('|'), 'u');
}

/** Truncate for messages. */
export function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
