/**
 * Escaping HTML template: every interpolation is escaped (crawled titles,
 * messages and addresses are untrusted) unless it is Markup built by this
 * same tag. Arrays are joined; null, undefined and false render as nothing.
 */
export class Markup {
  constructor(readonly text: string) {}
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(v: unknown): string {
  if (v instanceof Markup) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return esc(String(v));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Markup(out);
}
