/**
 * The cameras-and-devices panel: a tally tile per camera (PGM red, PVW green, unknown grey while the
 * switcher is not connected), a held-move alarm with its time held and, when the model has timed the
 * next shot, a countdown to the cut that releases it; then every external device with its health,
 * the reason it is not connected and when the engine retries, and the names the show uses that the
 * device does not have. Imports only the protocol (types).
 */
import type { CameraState, DeviceState, EngineSnapshot } from '../../engine/core/protocol/index.js';
import { el } from './dom.js';

const fmt = (ms: number): string => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);

/** Device kinds as crews write them; an unknown kind shows in capitals. */
const KIND_TEXT: Readonly<Record<string, string>> = { obs: 'OBS', atem: 'ATEM', casparcg: 'CasparCG', x32: 'X32', m32: 'M32' };

const HEALTH_TEXT: Readonly<Record<DeviceState['health'], string>> = {
  connecting: 'CONNECTING',
  connected: 'CONNECTED',
  degraded: 'DEGRADED',
  retrying: 'DOWN',
  off: 'OFF',
};

function cameraTile(c: CameraState, s: EngineSnapshot): HTMLElement {
  const tally = !c.tallyKnown ? 'unknown' : c.program ? 'program' : c.preview ? 'preview' : 'off';
  const tile = el('div', `cam tally-${tally}${c.held !== null ? ' has-held' : ''}`);
  tile.dataset['camera'] = c.id;
  const head = el('div', 'cam-head');
  head.append(el('span', 'cam-id', c.label !== '' ? c.label : c.id), el('span', 'cam-tally', tally === 'program' ? 'PGM' : tally === 'preview' ? 'PVW' : tally === 'unknown' ? 'TALLY ?' : ''));
  tile.append(head);
  tile.append(el('div', 'cam-input', `${c.switcher} · ${c.input}`));
  if (c.moving) tile.append(el('span', 'badge cam-moving', 'MOVING'));
  if (c.held !== null) {
    const alarm = el('div', 'cam-held');
    alarm.append(el('span', 'cam-held-what', `HELD ${c.held.what} (${c.held.dept} ${c.held.cue}): on air`));
    const timer = el('span', 'cam-held-timer');
    timer.dataset['since'] = String(c.held.sinceMs);
    // The standby shot cuts away from this camera: count down to the model's time for it, when timed.
    const dept = s.depts.find((d) => d.id === c.held?.dept);
    const at = c.held.standbyCutsAway && dept?.prediction !== null && dept?.prediction !== undefined && dept.prediction.cue === dept.standby ? dept.prediction.fireAtMs : null;
    timer.dataset['release'] = at === null ? '' : String(at);
    alarm.append(timer);
    tile.append(alarm);
  }
  return tile;
}

function deviceRow(d: DeviceState): HTMLElement {
  const row = el('div', `device health-${d.health}`);
  row.dataset['device'] = d.id;
  const head = el('div', 'device-head');
  head.append(el('span', 'device-dot'), el('span', 'device-id', `${KIND_TEXT[d.kind] ?? d.kind.toUpperCase()} ${d.label !== '' ? d.label : d.id}`), el('span', 'device-health', HEALTH_TEXT[d.health]));
  row.append(head);
  const facts = Object.entries(d.facts).filter(([, v]) => v !== null && v !== '');
  row.append(el('div', 'device-facts', [d.address, ...facts.map(([k, v]) => `${k} ${String(v)}`)].join(' · ')));
  if (d.detail !== null) row.append(el('div', 'device-detail', d.detail));
  if (d.health === 'retrying' && d.retryAtMs !== null) {
    const retry = el('div', 'device-retry');
    retry.dataset['retryAt'] = String(d.retryAtMs);
    retry.dataset['attempts'] = String(d.attempts);
    row.append(retry);
  }
  for (const p of d.problems.slice(0, 6)) row.append(el('div', 'device-problem', p));
  if (d.problems.length > 6) row.append(el('div', 'device-problem', `… and ${d.problems.length - 6} more`));
  return row;
}

/** The panel: `render` after a `device`/`camera` delta or an `init`, `tick` every animation frame. */
export class VideoPanel {
  private readonly section: HTMLElement;
  private readonly cameras: HTMLElement;
  private readonly devices: HTMLElement;

  constructor(parent: HTMLElement) {
    this.section = el('section', 'panel video-panel');
    this.section.id = 'video-panel';
    this.section.hidden = true;
    this.section.append(el('h3', undefined, 'Cameras & devices'));
    this.cameras = el('div', 'cams');
    this.devices = el('div', 'devices');
    this.section.append(this.cameras, this.devices);
    parent.prepend(this.section);
  }

  render(s: EngineSnapshot): void {
    const cams = s.cameras ?? [];
    const devs = s.devices ?? [];
    this.section.hidden = cams.length === 0 && devs.length === 0;
    this.cameras.replaceChildren(...cams.map((c) => cameraTile(c, s)));
    this.devices.replaceChildren(...devs.map(deviceRow));
  }

  /** Moves the held-move timers and retry countdowns to engine time `nowMs`. */
  tick(nowMs: number): void {
    for (const t of this.cameras.querySelectorAll<HTMLElement>('.cam-held-timer')) {
      const since = Number(t.dataset['since']);
      const release = t.dataset['release'];
      const held = `held ${fmt(Math.max(0, nowMs - since))}`;
      t.textContent = release === undefined || release === '' ? held : `${held} · cut away in ${fmt(Math.max(0, Number(release) - nowMs))}`;
    }
    for (const r of this.devices.querySelectorAll<HTMLElement>('.device-retry')) {
      const left = Number(r.dataset['retryAt']) - nowMs;
      r.textContent = `retry ${left > 0 ? `in ${fmt(left)}` : 'now'} (attempt ${Number(r.dataset['attempts']) + 1})`;
    }
  }
}
