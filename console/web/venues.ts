/**
 * One console over several engines (`/venues.html` on any engine): a tile per engine, side by side —
 * its link, show, role among several (primary / standby / in control), health (devices down, PANIC,
 * blackout, a journal not written, a standby that lost its primary), each department's live and
 * standby cue with the model's confidence — and GO per department, PANIC and RELEASE, each within the
 * role that engine's token gives. Engines are added by address and token, or picked from the ones the
 * serving engine heard over mDNS (a token is still needed). Each tile has its own connection: one
 * engine failing or refusing never touches the others.
 *
 * Addresses are kept in this browser (localStorage); tokens only for this tab (sessionStorage). The
 * engines must allow this page's origin (`precue run --allow-origin <this page's origin>`) unless it
 * is their own. Imports only the protocol (types) and the page's connection.
 */
import type { ConsoleCommand, EngineSnapshot, Peer } from '../../engine/core/protocol/index.js';
import { ConsoleConnection, type LinkState } from './connection.js';
import { byId, el } from './dom.js';

const ADDRESSES_KEY = 'precue-venues';
const tokenKey = (address: string): string => `precue-venue-token:${address}`;

/** `host:port` → the engine's WebSocket and auth URLs, in this page's scheme. */
function endpoints(address: string): { wsUrl: string; authUrl: string } {
  const secure = location.protocol === 'https:';
  return { wsUrl: `${secure ? 'wss' : 'ws'}://${address}/ws`, authUrl: `${secure ? 'https' : 'http'}://${address}/auth` };
}

/** Accepts `host:port`, `[v6]:port` or a console URL; returns `host:port`, or null. */
export function normaliseAddress(text: string): string | null {
  const t = text.trim();
  try {
    if (/^(https?|wss?):\/\//i.test(t)) {
      const u = new URL(t);
      return u.port !== '' ? `${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${u.port}` : null;
    }
  } catch {
    return null;
  }
  return /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(t) ? t : null;
}

/** One engine's tile and connection. */
class EngineTile {
  readonly box = el('article', 'venue');
  private connection: ConsoleConnection;
  private link: LinkState = { kind: 'connecting', attempt: 0 };
  private note = '';
  /** What the tile shows, last rendered: a delta that changes none of it (meters, fades) re-renders nothing, so a click is never lost to a rebuilt button. */
  private shown = '';

  constructor(
    readonly address: string,
    token: string,
    private readonly remove: (tile: EngineTile) => void,
    private readonly onPeers: (peers: readonly Peer[]) => void,
  ) {
    this.box.dataset['address'] = address;
    this.connection = new ConsoleConnection(endpoints(address), token, {
      onState: (s) => {
        this.render();
        if (s.continuity !== undefined) this.onPeers(s.continuity.peers);
      },
      onLink: (state) => {
        this.link = state;
        this.render();
      },
      onOutcome: (o) => {
        const what = o.command === null ? 'engine' : `${o.command.type.toUpperCase()}${'dept' in o.command && o.command.dept !== undefined ? ` ${o.command.dept}` : ''}`;
        this.note = o.ok ? `${what} done${o.message !== '' && o.message !== 'done' ? `: ${o.message}` : ''}` : `${what} refused: ${o.message}`;
        this.render();
      },
      onRtt: () => undefined,
    });
    this.connection.start();
    this.render();
  }

  stop(): void {
    this.connection.stop();
  }

  private send(command: ConsoleCommand): void {
    this.note = `${command.type.toUpperCase()}${'dept' in command && command.dept !== undefined ? ` ${command.dept}` : ''} sent…`;
    this.connection.send(command);
    this.render();
  }

  private button(label: string, command: ConsoleCommand, cls: string, allowed: boolean, confirmText?: string): HTMLButtonElement {
    const b = el('button', `btn ${cls}${allowed ? '' : ' not-allowed'}`, label);
    b.tabIndex = -1;
    b.dataset['command'] = command.type;
    if ('dept' in command && command.dept !== undefined) b.dataset['dept'] = command.dept;
    b.disabled = !allowed;
    b.addEventListener('click', () => {
      if (confirmText === undefined || window.confirm(confirmText)) this.send(command);
    });
    return b;
  }

  render(): void {
    const s: EngineSnapshot | null = this.connection.snapshot;
    const role = this.connection.role;
    const operator = role === 'operator' || role === 'admin';
    const open = this.link.kind === 'open';
    const key = JSON.stringify([
      this.link, role, this.note,
      s === null ? null : [s.show?.name, s.panic, s.blackout, s.grandMaster, s.continuity ?? null, (s.devices ?? []).map((d) => [d.id, d.health]),
        s.depts.map((d) => [d.id, d.mode, d.current, d.standby, d.panicked, d.prediction === null ? null : [d.prediction.cue, Math.round(d.prediction.confidence * 100), d.prediction.armed]])],
    ]);
    if (key === this.shown) return;
    this.shown = key;
    const head = el('header', 'venue-head');
    head.append(el('span', 'venue-show', s?.show?.name ?? this.address), el('span', 'venue-address', this.address));
    const linkText = this.link.kind === 'open' ? `connected (${role ?? '?'})` : this.link.kind === 'connecting' ? 'connecting…' : this.link.kind === 'lost' ? `LOST: ${this.link.reason}` : `REFUSED: ${this.link.reason}`;
    head.append(el('span', `venue-link link-${this.link.kind}`, linkText));
    const close = el('button', 'btn venue-remove', '✕');
    close.title = 'remove this engine from the board';
    close.addEventListener('click', () => this.remove(this));
    head.append(close);
    const parts: HTMLElement[] = [head];
    if (s !== null) {
      const alarms: string[] = [];
      if (s.panic) alarms.push('PANIC');
      if (s.blackout) alarms.push('BLACKOUT');
      if (s.grandMaster < 1) alarms.push(`GM ${Math.round(s.grandMaster * 100)}%`);
      for (const d of s.depts) if (d.panicked && !s.panic) alarms.push(`${d.id} PANIC`);
      const down = (s.devices ?? []).filter((d) => d.health === 'retrying' || d.health === 'degraded');
      if (down.length > 0) alarms.push(`${down.length} device(s) down: ${down.map((d) => d.id).join(', ')}`);
      const c = s.continuity;
      if (c !== undefined) {
        if (c.role !== 'primary') alarms.push(c.role === 'standby' ? `STANDBY of ${c.primary?.address ?? '?'} (${c.primary?.link ?? '?'})` : 'IN CONTROL (standby took over)');
        if (c.journal !== null && !c.journal.ok) alarms.push('JOURNAL OFF');
        if (c.resumed !== null) alarms.push('RESUMED from journal');
      }
      const alarmBox = el('div', `venue-alarms${alarms.length === 0 ? ' ok' : ''}`, alarms.length === 0 ? 'healthy' : alarms.join(' · '));
      parts.push(alarmBox);
      const depts = el('div', 'venue-depts');
      for (const d of s.depts) {
        const row = el('div', `venue-dept${d.panicked ? ' panicked' : ''}`);
        row.dataset['dept'] = d.id;
        const live = d.current === null ? '—' : d.current;
        const liveName = d.cues.find((q) => q.number === d.current)?.name ?? '';
        const conf = d.prediction !== null ? `${d.prediction.cue} ${Math.round(d.prediction.confidence * 100)}%${d.prediction.armed ? ' armed' : ''}` : '';
        row.append(
          el('span', 'vd-id', d.id),
          el('span', 'vd-mode', d.mode),
          el('span', 'vd-live', `cue ${live}`),
          el('span', 'vd-name', liveName),
          el('span', 'vd-next', d.standby !== null ? `next ${d.standby}` : 'end'),
          el('span', 'vd-conf', conf),
          this.button('GO', { type: 'go', dept: d.id }, 'venue-go', open && operator && d.standby !== null),
        );
        depts.append(row);
      }
      parts.push(depts);
      const actions = el('div', 'venue-actions');
      actions.append(this.button('PANIC', { type: 'panic' }, 'venue-panic', open && operator));
      if (s.panic || s.depts.some((d) => d.panicked)) actions.append(this.button('RELEASE', { type: 'release-panic' }, 'venue-release', open && operator));
      // A hot standby is taken over, or handed back, from here too (the engine checks that both stand at the same cues).
      if (s.continuity?.role === 'standby') actions.append(this.button('TAKE CONTROL', { type: 'take-control' }, 'venue-take', open && operator, `Take the outputs of ${s.show?.name ?? this.address} from its primary now?`));
      if (s.continuity?.role === 'in-control' && s.continuity.primary?.link === 'following') actions.append(this.button('HAND BACK', { type: 'hand-back' }, 'venue-handback', open && operator, `Give the outputs of ${s.show?.name ?? this.address} back to its primary?`));
      parts.push(actions);
    }
    parts.push(el('div', 'venue-note', this.note));
    this.box.replaceChildren(...parts);
    this.box.classList.toggle('in-panic', s?.panic === true);
    this.box.classList.toggle('stale', !open);
  }
}

class VenuesBoard {
  private readonly tiles: EngineTile[] = [];
  private peers: readonly Peer[] = [];
  private readonly box = byId<HTMLElement>('venues');
  private readonly peersBox = byId<HTMLElement>('peers');
  private readonly status = byId<HTMLElement>('add-status');

  start(): void {
    // The engine that serves this page joins the board with the token in the URL, if any.
    const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
    const token = hash.get('token');
    if (token !== null && token !== '') {
      sessionStorage.setItem(tokenKey(location.host), token);
      history.replaceState(null, '', location.pathname);
      if (!this.saved().includes(location.host)) this.save([location.host, ...this.saved()]);
    }
    for (const address of this.saved()) {
      const t = sessionStorage.getItem(tokenKey(address));
      if (t !== null) this.addTile(address, t);
    }
    byId<HTMLFormElement>('add-engine').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const address = normaliseAddress(byId<HTMLInputElement>('add-address').value);
      const t = byId<HTMLInputElement>('add-token').value.trim();
      if (address === null) return this.say('give the engine as host:port, e.g. 10.0.0.5:8080', 'error');
      if (t === '') return this.say('a token for that engine is needed', 'error');
      if (this.tiles.some((x) => x.address === address)) return this.say(`${address} is on the board already`, 'error');
      sessionStorage.setItem(tokenKey(address), t);
      this.save([...this.saved(), address]);
      this.addTile(address, t);
      byId<HTMLInputElement>('add-token').value = '';
      this.say(`added ${address}`, 'ok');
    });
    this.renderPeers();
  }

  private say(text: string, kind: 'ok' | 'error' | 'info'): void {
    this.status.textContent = text;
    this.status.className = `status ${kind}`;
  }

  private saved(): string[] {
    try {
      const list = JSON.parse(localStorage.getItem(ADDRESSES_KEY) ?? '[]') as unknown;
      return Array.isArray(list) ? list.filter((a): a is string => typeof a === 'string' && normaliseAddress(a) !== null) : [];
    } catch {
      return [];
    }
  }

  private save(list: readonly string[]): void {
    localStorage.setItem(ADDRESSES_KEY, JSON.stringify([...new Set(list)]));
  }

  private addTile(address: string, token: string): void {
    const tile = new EngineTile(address, token, (t) => this.removeTile(t), (peers) => {
      this.peers = peers;
      this.renderPeers();
    });
    this.tiles.push(tile);
    this.box.append(tile.box);
    this.renderPeers();
  }

  private removeTile(tile: EngineTile): void {
    tile.stop();
    tile.box.remove();
    this.tiles.splice(this.tiles.indexOf(tile), 1);
    this.save(this.saved().filter((a) => a !== tile.address));
    sessionStorage.removeItem(tokenKey(tile.address));
    this.renderPeers();
  }

  /** Engines heard on the network and not on the board: a click fills the form (a token is still needed). */
  private renderPeers(): void {
    const shown = this.peers.filter((p) => !this.tiles.some((t) => t.address === `${p.host}:${p.port}`));
    this.peersBox.hidden = shown.length === 0;
    this.peersBox.replaceChildren(
      el('span', 'peers-title', 'Heard on the network:'),
      ...shown.map((p) => {
        const b = el('button', 'btn peer', `${p.show !== '' ? p.show : p.name} — ${p.host}:${p.port}${p.role !== undefined && p.role !== 'primary' ? ` (${p.role})` : ''}`);
        b.addEventListener('click', () => {
          byId<HTMLInputElement>('add-address').value = `${p.host}:${p.port}`;
          byId<HTMLInputElement>('add-token').focus();
        });
        return b;
      }),
    );
  }
}

new VenuesBoard().start();
