/**
 * Escaping HTML template for the dashboard: every interpolation is escaped
 * (crawled titles and messages are untrusted) unless it is Markup produced by
 * this same tag or deliberately by `raw` for markup the code itself generates.
 */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(v: unknown): string {
  if (v instanceof Markup) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Markup(out);
}

/** Markup built by code from numbers and constants (SVG paths), never from crawled text. */
export function raw(text: string): Markup {
  return new Markup(text);
}
