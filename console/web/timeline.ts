/**
 * The timeline: the show against the music on one time axis, a lane per department — the bars the
 * beat tracker counted, where the rehearsal put each cue, where the show places cues by bar and beat
 * (`musicPosition`), what the model predicted (from its first
 * proposal to where it placed the fire, shaded by confidence, outlined when armed), and what fired and
 * who fired it. It scrolls live with the engine clock; the slider scrubs back through the run, and
 * LIVE comes back to now. Imports only the protocol (types).
 */
import type { EngineSnapshot, TimelineState } from '../../engine/core/protocol/index.js';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className !== undefined) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

const SPANS_S = [15, 30, 60, 120] as const;
const AXIS_PX = 22;
const LANE_PX = 58;
const LABEL_PX = 46;
const COLORS = {
  bar: '#2a323d', planned: '#e8edf2', barText: '#8793a1', rehearsal: '#9aa5b1', model: '#b58cff', operator: '#2ecc71', follow: '#5aa9ff', other: '#f5b82e', now: '#ff4040', lane: '#161b23',
} as const;

const sourceColor = (s: string): string => (s === 'model' ? COLORS.model : s === 'operator' || s === 'keyboard' ? COLORS.operator : s === 'follow' ? COLORS.follow : COLORS.other);
const sourceText = (s: string): string => (s === 'operator' || s === 'keyboard' ? 'op' : s);

/** The timeline panel: `render` after `init` or a `timeline` delta, `tick` every animation frame. */
export class TimelinePanel {
  private readonly section: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly scrub: HTMLInputElement;
  private readonly liveButton: HTMLButtonElement;
  private readonly spanButtons: HTMLButtonElement[] = [];
  private spanS: number = SPANS_S[1];
  /** Engine ms at the right edge when scrubbing; null: live (the right edge is now). */
  private pinnedEndMs: number | null = null;
  private snapshot: EngineSnapshot | null = null;
  private lastDrawMs = -Infinity;
  /** The engine clock as of the last tick. */
  private nowMs = 0;

  constructor(after: HTMLElement) {
    this.section = el('section', 'panel timeline-panel');
    this.section.id = 'timeline';
    this.section.hidden = true;
    const head = el('div', 'tl-head');
    head.append(el('h3', undefined, 'Timeline'));
    const legend = el('span', 'tl-legend');
    for (const [cls, text] of [['rehearsal', '◆ rehearsal'], ['planned', '□ bar.beat set in the show'], ['model', '▮ predicted (confidence)'], ['operator', '| fired by operator'], ['modelfire', '| fired by model'], ['follow', '| follow']] as const) legend.append(el('span', `tl-key tl-${cls}`, text));
    head.append(legend);
    for (const s of SPANS_S) {
      const b = el('button', 'tl-span', `${s} s`);
      b.type = 'button';
      b.tabIndex = -1;
      b.addEventListener('click', () => { this.spanS = s; this.draw(true); });
      this.spanButtons.push(b);
      head.append(b);
    }
    this.scrub = el('input', 'tl-scrub');
    this.scrub.type = 'range';
    this.scrub.id = 'tl-scrub';
    this.scrub.min = '0';
    this.scrub.max = '1000';
    this.scrub.value = '1000';
    this.scrub.title = 'scrub back through the run';
    this.scrub.addEventListener('input', () => this.onScrub());
    this.liveButton = el('button', 'tl-live', 'LIVE');
    this.liveButton.type = 'button';
    this.liveButton.id = 'tl-live';
    this.liveButton.tabIndex = -1;
    this.liveButton.addEventListener('click', () => { this.pinnedEndMs = null; this.scrub.value = '1000'; this.draw(true); });
    head.append(this.scrub, this.liveButton);
    this.canvas = el('canvas', 'tl-canvas');
    this.section.append(head, this.canvas);
    after.after(this.section);
  }

  render(s: EngineSnapshot): void {
    this.snapshot = s;
    this.section.hidden = s.timeline === undefined;
  }

  /** Redraws (at most ten times a second while live). */
  tick(nowMs: number): void {
    this.nowMs = nowMs;
    if (this.pinnedEndMs === null && performance.now() - this.lastDrawMs > 100) this.draw(false);
  }

  private runStartMs(t: TimelineState): number {
    const firsts = [t.audioStartMs ?? Infinity, t.bars[0]?.[0] ?? Infinity, t.fires[0]?.atMs ?? Infinity, t.predictions[0]?.firstMs ?? Infinity];
    const m = Math.min(...firsts);
    return Number.isFinite(m) ? m : this.nowMs;
  }

  private onScrub(): void {
    const t = this.snapshot?.timeline;
    if (t === undefined) return;
    const start = this.runStartMs(t) + this.spanS * 1000;
    const f = Number(this.scrub.value) / 1000;
    this.pinnedEndMs = f >= 0.999 ? null : start + (this.nowMs - start) * f;
    this.draw(true);
  }

  private draw(force: boolean): void {
    const s = this.snapshot;
    const t = s?.timeline;
    if (s === null || t === undefined || this.section.hidden) return;
    if (!force && performance.now() - this.lastDrawMs < 100) return;
    this.lastDrawMs = performance.now();
    for (const b of this.spanButtons) b.classList.toggle('active', b.textContent === `${this.spanS} s`);
    this.liveButton.classList.toggle('active', this.pinnedEndMs === null);
    const depts = s.depts.map((d) => d.id);
    const cssWidth = Math.max(200, this.canvas.clientWidth);
    const cssHeight = AXIS_PX + depts.length * LANE_PX;
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(cssWidth * ratio) || this.canvas.height !== Math.round(cssHeight * ratio)) {
      this.canvas.width = Math.round(cssWidth * ratio);
      this.canvas.height = Math.round(cssHeight * ratio);
      this.canvas.style.height = `${cssHeight}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (ctx === null) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = '#0b0d10';
    ctx.fillRect(0, 0, cssWidth, cssHeight);
    const endMs = this.pinnedEndMs ?? this.nowMs + this.spanS * 150; // live: a little of the future shows (armed cues)
    const startMs = endMs - this.spanS * 1000;
    const plotW = cssWidth - LABEL_PX;
    const x = (ms: number): number => LABEL_PX + ((ms - startMs) / (endMs - startMs)) * plotW;
    const inView = (ms: number): boolean => ms >= startMs - 2000 && ms <= endMs + 2000;
    const laneY = (dept: string): number => AXIS_PX + Math.max(0, depts.indexOf(dept)) * LANE_PX;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'top';

    // Lanes.
    depts.forEach((d, i) => {
      const y = AXIS_PX + i * LANE_PX;
      ctx.fillStyle = i % 2 === 0 ? COLORS.lane : '#12161c';
      ctx.fillRect(0, y, cssWidth, LANE_PX);
      ctx.fillStyle = '#e8edf2';
      ctx.font = 'bold 13px system-ui, sans-serif';
      ctx.fillText(d, 6, y + LANE_PX / 2 - 7);
      ctx.font = '11px system-ui, sans-serif';
    });

    // Bars: a line per bar, numbered (thinned when dense).
    const barsInView = t.bars.filter(([ms]) => inView(ms));
    const every = Math.max(1, Math.ceil(barsInView.length / Math.max(1, plotW / 48)));
    for (const [ms, bar] of barsInView) {
      const bx = x(ms);
      ctx.strokeStyle = COLORS.bar;
      ctx.beginPath();
      ctx.moveTo(bx, AXIS_PX - 4);
      ctx.lineTo(bx, cssHeight);
      ctx.stroke();
      if (bar % every === 0 || every === 1) {
        ctx.fillStyle = COLORS.barText;
        ctx.fillText(`bar ${bar}`, bx + 2, 4);
      }
    }
    if (barsInView.length === 0) {
      ctx.fillStyle = COLORS.barText;
      ctx.fillText(t.audioStartMs === null ? 'no audio: no bars' : 'no bars heard in this window', LABEL_PX + 4, 4);
    }

    // Rehearsal: the take's cues at their own times (each pass of a looping take).
    const r = t.rehearsal;
    if (r !== null && t.audioStartMs !== null) {
      const passMs = r.durationS * 1000;
      const first = r.loop && passMs > 0 ? Math.max(0, Math.floor((startMs - t.audioStartMs) / passMs) - 1) : 0;
      const last = r.loop && passMs > 0 ? Math.max(0, Math.floor((endMs - t.audioStartMs) / passMs) + 1) : 0;
      for (let k = first; k <= last; k++) {
        for (const c of r.cues) {
          const ms = t.audioStartMs + k * passMs + c.t * 1000;
          if (!inView(ms) || !depts.includes(c.dept)) continue;
          const y = laneY(c.dept) + LANE_PX - 14;
          const cx = x(ms);
          ctx.fillStyle = COLORS.rehearsal;
          ctx.beginPath();
          ctx.moveTo(cx, y - 5); ctx.lineTo(cx + 5, y); ctx.lineTo(cx, y + 5); ctx.lineTo(cx - 5, y); ctx.closePath();
          ctx.fill();
          ctx.fillText(`R ${c.cue}`, cx + 7, y - 6);
        }
      }
    }

    // Planned: cues given a music position (bar and beat) in the show, placed on the bars heard.
    const barAt = new Map(t.bars.map(([ms, bar]) => [bar, ms]));
    const beatMs = s.audio.tempoBpm !== null && s.audio.tempoBpm > 0 ? 60_000 / s.audio.tempoBpm : null;
    for (const d of s.programming?.depts ?? []) {
      if (!depts.includes(d.dept)) continue;
      for (const c of d.cues) {
        const mp = c.musicPosition;
        const barMs = mp === undefined ? undefined : barAt.get(mp.bar);
        if (mp === undefined || barMs === undefined || (beatMs === null && mp.beat !== 1)) continue;
        const ms = barMs + (mp.beat - 1) * (beatMs ?? 0);
        if (!inView(ms)) continue;
        const px = x(ms);
        const y = laneY(d.dept) + LANE_PX - 26;
        ctx.strokeStyle = COLORS.planned;
        ctx.strokeRect(px - 4, y - 4, 8, 8);
        ctx.fillStyle = COLORS.planned;
        ctx.fillText(`P ${c.number}`, px + 6, y - 6);
      }
    }

    // Predictions: a bar from the model's first proposal of the cue to its last (shade = confidence),
    // then a diamond where it placed the fire (thick when the arbiter armed it), labelled.
    for (const p of t.predictions) {
      if (p.lastMs < startMs - 2000 && p.fireAtMs < startMs - 2000) continue;
      if (p.firstMs > endMs + 2000) continue;
      if (!depts.includes(p.dept)) continue;
      const y = laneY(p.dept) + 4;
      const x0 = x(p.firstMs) + 1;
      const x1 = Math.max(x0 + 2, x(p.open ? Math.max(p.lastMs, this.nowMs) : p.lastMs) - 1);
      ctx.globalAlpha = 0.2 + 0.8 * p.confidence;
      ctx.fillStyle = COLORS.model;
      ctx.fillRect(x0, y, x1 - x0, 9);
      ctx.globalAlpha = 1;
      if (x1 - x0 > 24) {
        ctx.fillStyle = '#0b0d10';
        ctx.font = 'bold 9px system-ui, sans-serif';
        ctx.fillText(`Q${p.cue}`, Math.max(x0, LABEL_PX) + 3, y);
        ctx.font = '11px system-ui, sans-serif';
      }
      const fx = x(p.fireAtMs);
      ctx.strokeStyle = COLORS.model;
      ctx.lineWidth = p.armed ? 2.5 : 1;
      ctx.beginPath();
      ctx.moveTo(fx, y - 2); ctx.lineTo(fx + 6, y + 4); ctx.lineTo(fx, y + 10); ctx.lineTo(fx - 6, y + 4); ctx.closePath();
      ctx.stroke();
      ctx.lineWidth = 1;
      ctx.fillStyle = COLORS.model;
      ctx.fillText(`Q${p.cue} ${Math.round(p.peak * 100)}%${p.armed ? ' armed' : ''}`, Math.min(fx + 8, cssWidth - 80), y + 11);
    }

    // Fires: who fired what.
    for (const f of t.fires) {
      if (!inView(f.atMs) || !depts.includes(f.dept)) continue;
      const y = laneY(f.dept);
      const fx = x(f.atMs);
      ctx.strokeStyle = sourceColor(f.source);
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.moveTo(fx, y + 2);
      ctx.lineTo(fx, y + LANE_PX - 2);
      ctx.stroke();
      ctx.lineWidth = 1;
      ctx.fillStyle = sourceColor(f.source);
      ctx.font = 'bold 12px system-ui, sans-serif';
      ctx.fillText(`${f.cue} ${sourceText(f.source)}${f.confidence !== null ? ` ${Math.round(f.confidence * 100)}%` : ''}`, fx + 4, y + 29);
      ctx.font = '11px system-ui, sans-serif';
    }

    // Now.
    if (this.nowMs >= startMs && this.nowMs <= endMs) {
      ctx.strokeStyle = COLORS.now;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x(this.nowMs), 0);
      ctx.lineTo(x(this.nowMs), cssHeight);
      ctx.stroke();
      ctx.lineWidth = 1;
    }
  }
}
