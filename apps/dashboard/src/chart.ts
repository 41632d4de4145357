import { h, s } from './dom.js';
import { clock } from './format.js';

export interface Bar {
  start: string;
  /** Null: nothing to draw for this bucket (no attempts, so no rate). */
  value: number | null;
  label: string;
  tone?: 'good' | 'warn' | 'bad';
}

/**
 * A bar chart in SVG: one bar per bucket, scaled to `max` (the largest value when not given),
 * each bar with a tooltip; the whole chart described for screen readers by `summary`.
 */
export function barChart(title: string, summary: string, bars: Bar[], max?: number, unit = ''): HTMLElement {
  const top = max ?? Math.max(1, ...bars.map((b) => b.value ?? 0));
  const width = bars.length * 10;
  const height = 100;
  const svg = s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': summary, class: 'chart' },
    s('line', { x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5, class: 'axis' }),
    bars.map((bar, i) => {
      if (bar.value === null) return null;
      const barHeight = top === 0 ? 0 : Math.max(bar.value > 0 ? 1.5 : 0, (bar.value / top) * (height - 4));
      return s(
        'rect',
        { x: i * 10 + 1, y: height - barHeight, width: 8, height: barHeight, class: `bar ${bar.tone ?? ''}` },
        s('title', null, bar.label),
      );
    }),
  );
  const first = bars[0];
  const last = bars.at(-1);
  return h(
    'figure',
    { class: 'chart-box' },
    h('figcaption', null, title),
    h('div', { class: 'chart-scale', 'aria-hidden': 'true' }, `${top.toLocaleString()}${unit}`),
    svg,
    first && last ? h('div', { class: 'chart-axis' }, h('span', null, clock(first.start)), h('span', null, 'now')) : null,
  );
}
