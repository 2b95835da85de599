/**
 * Reading inline scripts without running them: strip JS comments, find calls
 * and assignments, and parse object/array literals (JSON or loose JS: unquoted
 * keys, single quotes, trailing commas). Everything returns undefined rather
 * than throwing on odd input.
 */

/** Remove `//` and `/* *\/` comments outside string literals (commented-out calls must not count). */
export function stripJsComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === '"' || c === "'" || c === '`') {
      const end = skipString(src, i);
      out += src.slice(i, end);
      i = end;
    } else if (c === '/' && n === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && n === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function skipString(src: string, start: number): number {
  const q = src[start];
  let i = start + 1;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') i += 2;
    else if (c === q) return i + 1;
    else if (c === '\n' && q !== '`') return i;
    else i++;
  }
  return src.length;
}

/** Index just past the bracket that closes the one at `open` (`{`, `[` or `(`), or -1. */
export function matchBracket(src: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const stack: string[] = [];
  let i = open;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(src, i);
      continue;
    }
    if (pairs[c]) stack.push(pairs[c]!);
    else if (c === '}' || c === ']' || c === ')') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

/** Split an argument list at top-level commas. */
function splitArgs(src: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === '`') {
      const end = skipString(src, i);
      cur += src.slice(i, end);
      i = end;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
    i++;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Argument sources of every call `name(...)` (not definitions `function name(`). */
export function findCalls(src: string, name: string): string[][] {
  const out: string[][] = [];
  const re = new RegExp(`(?<![\\w$.])${name.replace(/[$.]/g, '\\$&')}\\s*\\(`, 'g');
  for (const m of src.matchAll(re)) {
    const before = src.slice(Math.max(0, m.index - 12), m.index);
    if (/function\s+$/.test(before)) continue;
    const open = m.index + m[0].length - 1;
    const close = matchBracket(src, open);
    if (close < 0) continue;
    out.push(splitArgs(src.slice(open + 1, close - 1)));
  }
  return out;
}

/** Source of the literal assigned to `name` (`var name = {...}`, `name: [...]`, `name = '...'`). */
export function findAssignment(src: string, name: string): string | undefined {
  const re = new RegExp(`(?<![\\w$.])${name.replace(/[$.]/g, '\\$&')}\\s*[=:]\\s*(?!=)`, 'g');
  for (const m of src.matchAll(re)) {
    const at = m.index + m[0].length;
    const c = src[at];
    if (c === '{' || c === '[' || c === '(') {
      const end = matchBracket(src, at);
      if (end > 0) return src.slice(at, end);
    } else if (c === '"' || c === "'") {
      return src.slice(at, skipString(src, at));
    } else {
      const num = /^-?\d+(\.\d+)?/.exec(src.slice(at));
      if (num) return num[0];
    }
  }
  return undefined;
}

/** Parse a JS literal loosely. Identifiers and expressions come back as undefined. */
export function parseJsLiteral(src: string): unknown {
  const p = new LiteralParser(src.trim());
  try {
    const v = p.value();
    return v;
  } catch {
    return undefined;
  }
}

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '(') {
      this.i++;
      const v = this.value();
      this.ws();
      if (this.s[this.i] === ')') this.i++;
      return v;
    }
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"' || c === "'" || c === '`') return this.string();
    const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(this.s.slice(this.i));
    if (num) {
      this.i += num[0].length;
      return Number(num[0]);
    }
    const word = /^[A-Za-z_$][\w$.]*/.exec(this.s.slice(this.i));
    if (word) {
      this.i += word[0].length;
      if (word[0] === 'true') return true;
      if (word[0] === 'false') return false;
      if (word[0] === 'null') return null;
      // An identifier or call: skip it (and any call parentheses) and yield undefined.
      this.ws();
      if (this.s[this.i] === '(') {
        const end = matchBracket(this.s, this.i);
        this.i = end < 0 ? this.s.length : end;
      }
      return undefined;
    }
    throw new Error(`unexpected ${c}`);
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++;
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      let key: string;
      const c = this.s[this.i];
      if (c === '"' || c === "'") key = this.string();
      else {
        const m = /^[\w$]+/.exec(this.s.slice(this.i));
        if (!m) throw new Error('bad key');
        key = m[0];
        this.i += key.length;
      }
      this.ws();
      if (this.s[this.i] !== ':') throw new Error('expected :');
      this.i++;
      out[key] = this.value();
      this.skipToSeparator();
      if (this.s[this.i] === ',') this.i++;
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.i++;
    for (;;) {
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.skipToSeparator();
      if (this.s[this.i] === ',') this.i++;
    }
  }

  /** After a value, tolerate trailing expression bits (`+ x`, `.foo`) up to the next `,` `}` `]`. */
  private skipToSeparator(): void {
    this.ws();
    while (this.i < this.s.length && !',}]'.includes(this.s[this.i]!)) {
      const c = this.s[this.i]!;
      if (c === '(' || c === '[' || c === '{') {
        const end = matchBracket(this.s, this.i);
        this.i = end < 0 ? this.s.length : end;
      } else if (c === '"' || c === "'" || c === '`') this.i = skipString(this.s, this.i);
      else this.i++;
    }
    if (this.i >= this.s.length) throw new Error('unterminated');
  }

  private string(): string {
    const q = this.s[this.i]!;
    let out = '';
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '\\') {
        const n = this.s[this.i + 1] ?? '';
        const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };
        if (n === 'u') {
          out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
          continue;
        }
        if (n === 'x') {
          out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 4), 16));
          this.i += 4;
          continue;
        }
        out += esc[n] ?? n;
        this.i += 2;
        continue;
      }
      if (c === q) {
        this.i++;
        return out;
      }
      out += c;
      this.i++;
    }
    throw new Error('unterminated string');
  }
}

/** Collapse `"a" + "b"` into `"ab"` so URL patterns written in pieces can be matched. */
export function joinStringConcats(src: string): string {
  return src.replace(/(["'])\s*\+\s*(["'])/g, (m, a: string, b: string) => (a === b ? '' : m));
}
