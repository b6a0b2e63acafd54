// The shard timeline: one lane per worker, sub-rows where a worker's calls overlap, one bar per activity call.
// Drawn on a canvas so that a job of 10,000 shards stays fast; hovering finds its bar by binary search in the
// row's bars, which are sorted by start and never overlap.
import { h } from './dom.js';
import { duration, shardList } from './format.js';

export const outcomes = {
  succeeded: { colour: '#2e9d5b', label: 'succeeded' },
  retry: { colour: '#e39a22', label: 'retry (attempt > 1)' },
  backup: { colour: '#8a5cd6', label: 'speculative backup' },
  failed: { colour: '#d6453d', label: 'failed' },
};

const labelWidth = 150;
const axisHeight = 22;
const laneGap = 6;
const targetRowsHeight = 420;

/** A call's colour class: a failure shows first, then a backup, then a retry. */
export function outcomeOf(call) {
  if (call.failed > 0) return 'failed';
  if (call.backup) return 'backup';
  if (call.attempt > 1) return 'retry';
  return 'succeeded';
}

/**
 * Lanes by worker (sorted by name), each a list of rows of bars: a bar goes to the first row of its worker that is
 * free at its start, so bars in a row never overlap and stay sorted by start.
 */
export function layout(calls) {
  const bars = calls.map(call => {
    const start = Date.parse(call.startedAt);
    return { call, start, end: Math.max(start, Date.parse(call.endedAt)), outcome: outcomeOf(call) };
  }).sort((a, b) => a.start - b.start || a.end - b.end);
  const lanes = new Map();
  for (const bar of bars) {
    const worker = bar.call.worker || 'unknown';
    let lane = lanes.get(worker);
    if (!lane) lanes.set(worker, lane = { worker, rows: [], rowEnds: [] });
    let row = lane.rowEnds.findIndex(end => end <= bar.start);
    if (row < 0) {
      row = lane.rows.length;
      lane.rows.push([]);
      lane.rowEnds.push(0);
    }
    lane.rows[row].push(bar);
    lane.rowEnds[row] = bar.end;
  }
  const t0 = bars.length ? bars[0].start : 0;
  const t1 = bars.reduce((max, bar) => Math.max(max, bar.end), t0);
  return {
    bars: bars.length,
    t0,
    t1: Math.max(t1, t0 + 1),
    lanes: [...lanes.values()].sort((a, b) => a.worker.localeCompare(b.worker)).map(({ worker, rows }) => ({ worker, rows })),
  };
}

/** The last bar of a row (sorted by start) that starts at or before t, if it is still running at t (within slack). */
export function barAt(row, t, slack) {
  let low = 0;
  let high = row.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (row[middle].start <= t + slack) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found >= 0 && row[found].end >= t - slack ? row[found] : null;
}

export class Timeline {
  constructor() {
    this.canvas = h('canvas', { id: 'timeline', dataset: { bars: '0', lanes: '0' } });
    this.tooltip = h('div', { class: 'tooltip', hidden: true });
    this.element = h('div', {},
      h('div', { class: 'legend' }, Object.values(outcomes).map(o => h('span', {}, h('i', { style: `background:${o.colour}` }), o.label))),
      h('div', { class: 'timeline-wrap' }, this.canvas, this.tooltip));
    this.model = layout([]);
    this.canvas.addEventListener('mousemove', event => this.hover(event));
    this.canvas.addEventListener('mouseleave', () => { this.tooltip.hidden = true; });
    this.resize = new ResizeObserver(() => this.draw());
    this.resize.observe(this.canvas);
  }

  update(calls) {
    this.model = layout(calls);
    this.canvas.dataset.bars = String(this.model.bars);
    this.canvas.dataset.lanes = String(this.model.lanes.length);
    this.draw();
  }

  dispose() {
    this.resize.disconnect();
  }

  // Row height shrinks with the number of rows so that a busy job still fits in about targetRowsHeight pixels.
  geometry() {
    const rows = this.model.lanes.reduce((sum, lane) => sum + lane.rows.length, 0);
    const rowHeight = Math.max(1, Math.min(14, Math.floor(targetRowsHeight / Math.max(rows, 1))));
    let y = 4;
    const lanes = this.model.lanes.map(lane => {
      const top = y;
      y += lane.rows.length * rowHeight + laneGap;
      return { lane, top, bottom: top + lane.rows.length * rowHeight };
    });
    return { rowHeight, lanes, height: Math.max(y, 40) + axisHeight };
  }

  draw() {
    const { canvas, model } = this;
    const width = canvas.clientWidth || 800;
    const geometry = this.geometry();
    this.geometryCache = geometry;
    const ratio = window.devicePixelRatio || 1;
    canvas.style.height = `${geometry.height}px`;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(geometry.height * ratio);
    const context = canvas.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, geometry.height);
    const plotWidth = Math.max(10, width - labelWidth - 10);
    const scale = plotWidth / (model.t1 - model.t0);
    this.scale = { plotWidth, perMs: scale };

    context.font = '12px system-ui, sans-serif';
    context.textBaseline = 'middle';
    for (const { lane, top, bottom } of geometry.lanes) {
      context.fillStyle = '#f1f3f6';
      context.fillRect(labelWidth, top, plotWidth, bottom - top);
      context.fillStyle = '#3b4252';
      context.fillText(fit(context, lane.worker, labelWidth - 10), 0, (top + bottom) / 2);
      lane.rows.forEach((row, index) => {
        const y = top + index * geometry.rowHeight;
        const barHeight = Math.max(1, geometry.rowHeight - (geometry.rowHeight > 3 ? 1 : 0));
        for (const bar of row) {
          context.fillStyle = outcomes[bar.outcome].colour;
          const x = labelWidth + (bar.start - model.t0) * scale;
          context.fillRect(x, y, Math.max(1, (bar.end - bar.start) * scale), barHeight);
        }
      });
    }
    if (!model.bars) {
      context.fillStyle = '#667085';
      context.fillText('No activity call has finished yet.', labelWidth, 20);
    }
    this.drawAxis(context, geometry.height - axisHeight, plotWidth);
  }

  drawAxis(context, y, plotWidth) {
    const span = this.model.t1 - this.model.t0;
    // About one tick per 110 px, so that labels never run into each other.
    const step = niceStep(span / Math.max(1, Math.floor(plotWidth / 110)));
    context.strokeStyle = '#c8cdd6';
    context.fillStyle = '#667085';
    context.beginPath();
    context.moveTo(labelWidth, y + 0.5);
    context.lineTo(labelWidth + plotWidth, y + 0.5);
    context.stroke();
    context.textBaseline = 'top';
    for (let t = 0; t <= span; t += step) {
      const x = labelWidth + t * this.scale.perMs;
      const label = duration(t);
      context.fillRect(x, y, 1, 4);
      // The last label may not fit before the edge; its tick alone says enough.
      if (x + 2 + context.measureText(label).width <= labelWidth + plotWidth + 10) context.fillText(label, x + 2, y + 5);
    }
  }

  hover(event) {
    const geometry = this.geometryCache;
    if (!geometry || !this.model.bars) return;
    const box = this.canvas.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    const hit = geometry.lanes.find(l => y >= l.top && y < l.bottom);
    const t = this.model.t0 + (x - labelWidth) / this.scale.perMs;
    const bar = hit && x >= labelWidth
      ? barAt(hit.lane.rows[Math.floor((y - hit.top) / geometry.rowHeight)] ?? [], t, 2 / this.scale.perMs)
      : null;
    if (!bar) {
      this.tooltip.hidden = true;
      return;
    }
    const call = bar.call;
    const lines = [
      `Shards ${shardList(call.shards ?? [])} (${call.count})`,
      `Attempt ${call.attempt}${call.backup ? ' · speculative backup' : ''}${call.redrive ? ` · redrive ${call.redrive}` : ''}`,
      `${duration(call.durationMs)} on ${call.worker}`,
      `${call.succeeded} succeeded, ${call.failed} failed`,
    ];
    if (call.error) lines.push(`Error: ${call.error}`);
    this.tooltip.textContent = lines.join('\n');
    this.tooltip.hidden = false;
    const left = Math.min(x + 14, box.width - 300);
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${y + 14}px`;
  }
}

// A tick step of 1, 2 or 5 times a power of ten milliseconds, near the asked one.
function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const factor = [1, 2, 5, 10].find(f => f * power >= raw) ?? 10;
  return factor * power;
}

function fit(context, text, width) {
  if (context.measureText(text).width <= width) return text;
  let cut = text;
  while (cut.length > 1 && context.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}
