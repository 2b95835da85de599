import { html, type Markup } from '../report/markup.ts';

/** Inline SVG charts for the dashboard (no chart library, no network). */

export interface ChartPoint {
  /** Shown under the axis and in the tooltip, e.g. `01-19`. */
  label: string;
  value: number;
  /** Tooltip text. */
  title: string;
}

const f = (n: number) => String(Math.round(n * 10) / 10);

/** The y range: 100 at the top, the lowest value (rounded down to 10, at most 80) at the bottom. */
function floorOf(values: readonly number[]): number {
  return Math.min(80, Math.floor(Math.min(...values) / 10) * 10);
}

export function sparkline(values: readonly number[], width = 112, height = 28): Markup {
  if (values.length === 0) return html`<span class="muted">—</span>`;
  const lo = floorOf(values);
  const pad = 3;
  const x = (i: number) => (values.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (values.length - 1));
  const y = (v: number) => pad + ((100 - v) * (height - 2 * pad)) / (100 - lo);
  const points = values.map((v, i) => `${f(x(i))},${f(y(v))}`).join(' ');
  const last = values.length - 1;
  const trend = values.length > 1 ? values[last]! - values[last - 1]! : 0;
  const color = trend < 0 ? '#c0392b' : trend > 0 ? '#1e8449' : '#2f5d8a';
  return html`<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="近 ${values.length} 次得分：${values.join('、')}"><title>近 ${values.length} 次得分：${values.join('、')}</title><polyline fill="none" stroke="#9fb3c8" stroke-width="1.5" points="${points}"/><circle cx="${f(x(last))}" cy="${f(y(values[last]!))}" r="2.8" fill="${color}"/></svg>`;
}

export function scoreChart(points: readonly ChartPoint[], width = 1120, height = 200): Markup {
  if (points.length === 0) return html`<p class="muted">暂无历史得分。</p>`;
  const left = 40;
  const right = 16;
  const top = 14;
  const bottom = 30;
  const lo = floorOf(points.map((p) => p.value));
  const w = width - left - right;
  const h = height - top - bottom;
  const x = (i: number) => (points.length === 1 ? left + w / 2 : left + (i * w) / (points.length - 1));
  const y = (v: number) => top + ((100 - v) * h) / (100 - lo);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => Math.round(lo + t * (100 - lo)));
  // At most ~8 date labels, always the first and the last.
  const every = Math.max(1, Math.ceil(points.length / 8));
  const labelled = points.map((_, i) => i % every === 0 || i === points.length - 1);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(x(i))},${f(y(p.value))}`).join(' ');
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="得分变化">
<g class="grid">${ticks.map((t) => html`<line x1="${left}" x2="${width - right}" y1="${f(y(t))}" y2="${f(y(t))}"/><text x="${left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${t}</text>`)}</g>
<path d="${path}" fill="none" stroke="#2f5d8a" stroke-width="2"/>
${points.map(
  (p, i) =>
    html`<g class="pt"><circle cx="${f(x(i))}" cy="${f(y(p.value))}" r="3.5"><title>${p.title}</title></circle>${labelled[i] ? html`<text x="${f(x(i))}" y="${height - 10}" text-anchor="middle">${p.label}</text>` : ''}</g>`,
)}
</svg>`;
}
