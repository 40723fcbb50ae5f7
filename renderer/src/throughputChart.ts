/** A small SVG area chart of upload throughput over the last two minutes. */
import type { ThroughputSample } from '../../core/app/contract.ts';
import { h } from './dom.ts';
import { formatRate } from './format.ts';

const windowMs = 120_000;
const width = 360;
const height = 96;
const svgNs = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

/** The chart component. */
export interface ThroughputChart {
  element: HTMLElement;
  /** Replaces all samples (from a snapshot). */
  reset(samples: ThroughputSample[]): void;
  /** Adds one sample (from a `throughput` event). */
  add(sample: ThroughputSample): void;
}

/** Builds the chart. */
export function createThroughputChart(): ThroughputChart {
  let samples: ThroughputSample[] = [];
  const area = svg('path', { class: 'chart-area' });
  const line = svg('path', { class: 'chart-line' });
  const grid = svg('path', { class: 'chart-grid', d: `M0 ${height / 2}H${width}M0 ${height - 0.5}H${width}` });
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', class: 'chart', role: 'img', 'aria-label': 'Upload throughput, last 2 minutes' });
  chart.append(grid, area, line);
  const current = h('strong', { 'data-testid': 'throughput-current' }, '0 B/s');
  const peak = h('span', { class: 'muted' });
  const element = h('section', { class: 'card', 'aria-labelledby': 'throughput-title' },
    h('div', { class: 'card-head' }, h('h2', { id: 'throughput-title' }, 'Throughput'), h('p', { class: 'chart-legend' }, current, ' ', peak)),
    chart, h('p', { class: 'muted chart-axis' }, h('span', {}, '2 min ago'), h('span', {}, 'now')));

  const draw = (): void => {
    const now = samples.at(-1)?.at ?? Date.now();
    samples = samples.filter((sample) => sample.at >= now - windowMs);
    const max = Math.max(1, ...samples.map((sample) => sample.bytesPerSecond));
    const points = samples.map((sample) => [((sample.at - (now - windowMs)) / windowMs) * width, height - 2 - (sample.bytesPerSecond / max) * (height - 8)] as const);
    const path = points.map(([x, y], index) => `${index === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`).join('');
    line.setAttribute('d', path);
    area.setAttribute('d', points.length > 1 ? `${path}L${points.at(-1)![0].toFixed(1)} ${height}L${points[0]![0].toFixed(1)} ${height}Z` : '');
    current.textContent = formatRate(samples.at(-1)?.bytesPerSecond ?? 0);
    peak.textContent = `peak ${formatRate(max === 1 ? 0 : max)}`;
  };

  return {
    element,
    reset(next) {
      samples = [...next];
      draw();
    },
    add(sample) {
      samples.push(sample);
      draw();
    },
  };
}
