/**
 * The console page: per department the cue stack (live, standby, next), GO/BACK/HOLD, the mode, the
 * model's prediction with a countdown and its PANIC state; PANIC and RELEASE; blackout and the grand
 * master; audio meters, tempo and beat; the DMX output; the decision log; the link and its round-trip
 * time. Everything works from the keyboard and from a touch screen.
 *
 * What is shown is decided in `view.ts` from the engine's snapshot and the page's own state; this
 * file only builds the DOM from that and sends the commands it names.
 */
import { decodeDmx, type ConsoleCommand, type EngineSnapshot } from '../../engine/core/protocol/index.js';
import { ConsoleConnection, type LinkState, type CommandOutcome } from './connection.js';
import { VideoPanel } from './video.js';
import { ContinuityStrip } from './continuity.js';
import { isProgrammingCommand, ProgrammingPanel } from './programming.js';
import { TimelinePanel } from './timeline.js';
import { shadowLine } from './shadow.js';
import { followerLostBadge } from './followerBadge.js';
import {
  countdownText, deptView, headerView, keyEffect, lockoutText, logView, pct,
  type ButtonView, type DeptView, type PageState,
} from './view.js';
import { byId, el } from './dom.js';

// ---------- token ----------

function takeToken(): string | null {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const query = new URLSearchParams(location.search);
  const fromUrl = hash.get('token') ?? query.get('token');
  if (fromUrl !== null && fromUrl !== '') {
    sessionStorage.setItem('precue-token', fromUrl);
    // Keep the token out of the address bar (screenshots, shoulder surfing); the tab remembers it.
    history.replaceState(null, '', location.pathname);
    return fromUrl;
  }
  return sessionStorage.getItem('precue-token');
}

// ---------- the page's own state ----------

let page: PageState = { role: null, selected: 0, cursor: new Map(), overlay: null, lastEscAt: -Infinity };
let lastBeatCount = -1;
let beatFlashUntil = 0;
let connection: ConsoleConnection | null = null;
let linkState: LinkState = { kind: 'connecting', attempt: 0 };

const dirty = { depts: true, header: true, universes: true, log: true, video: true, programming: true, timeline: true };

function setPage(change: Partial<PageState>): void {
  page = { ...page, ...change };
  dirty.depts = true;
  dirty.header = true;
  byId('help').hidden = page.overlay !== 'help';
}

// ---------- rendering ----------

const deptsBox = byId<HTMLElement>('depts');
const logBody = byId<HTMLTableSectionElement>('log-body');
const universesBox = byId<HTMLElement>('universes');
const statusLine = byId<HTMLElement>('status');
const videoPanel = new VideoPanel(universesBox.closest('aside') ?? document.body);
const continuityStrip = new ContinuityStrip(document.querySelector('header.top') ?? document.body, (cmd) => command(cmd));
const programmingPanel = new ProgrammingPanel(universesBox.closest('aside') ?? document.body, (c) => command(c));
const timelinePanel = new TimelinePanel(document.querySelector('main') ?? document.body);

function snapshot(): EngineSnapshot | null {
  return connection?.snapshot ?? null;
}

function button(b: ButtonView, extraClass = 'btn'): HTMLButtonElement {
  const e = el('button', `${extraClass} ${b.cls}${b.allowed ? '' : ' not-allowed'}`);
  e.tabIndex = -1;
  e.dataset['command'] = b.command.type;
  e.append(el('span', 'btn-label', b.label), el('span', 'btn-key', b.key));
  e.addEventListener('mousedown', (ev) => ev.preventDefault());
  e.addEventListener('click', () => command(b.command));
  return e;
}

function renderDept(v: DeptView): HTMLElement {
  const box = el('section', `dept${v.selected ? ' selected' : ''}${v.held ? ' held' : ''}${v.panicked ? ' panicked' : ''}`);
  box.dataset['dept'] = v.id;
  const head = el('header', 'dept-head');
  head.append(el('span', 'dept-key', v.key), el('h2', 'dept-id', v.id), el('span', 'dept-label', v.label));
  const modes = el('div', 'modes');
  for (const m of v.modes) {
    const b = el('button', `mode mode-${m.mode}${m.active ? ' active' : ''}`, m.mode.toUpperCase());
    b.tabIndex = -1;
    b.title = `${m.mode} (key ${m.key})`;
    b.addEventListener('click', () => command(m.command));
    modes.append(b);
  }
  head.append(modes);
  box.append(head);

  const pred = el('div', 'prediction');
  const p = v.prediction;
  if (p === null) {
    pred.append(el('span', 'pred-none', v.idleText));
  } else {
    pred.classList.add(p.armed ? 'armed' : 'shown');
    const label = el('span', 'pred-label', p.label);
    if (p.waitingFor !== null) label.title = p.waitingFor;
    pred.append(label, el('span', 'pred-cue', `Q ${p.cue}`));
    const conf = el('span', 'pred-conf');
    const bar = el('span', 'conf-bar');
    const fill = el('span', `conf-fill${p.overThreshold ? ' over' : ''}`);
    fill.style.width = pct(p.confidence);
    const mark = el('span', 'conf-mark');
    mark.style.left = pct(p.threshold);
    bar.append(fill, mark);
    conf.append(bar, el('span', 'conf-text', p.confidenceText));
    pred.append(conf);
    const cd = el('span', 'pred-countdown', '');
    cd.dataset['fireAt'] = p.fireAtMs === null ? '' : String(p.fireAtMs);
    pred.append(cd);
    if (p.hint !== null) pred.append(el('span', 'pred-hint', p.hint));
  }
  box.append(pred);

  const status = el('div', 'dept-status');
  for (const b of v.badges) {
    const badge = el('span', `badge ${b.kind}`, b.text);
    if (b.untilMs !== undefined) badge.dataset['until'] = String(b.untilMs);
    status.append(badge);
  }
  if (v.release !== null) status.append(button(v.release, 'badge-btn'));
  box.append(status);

  const list = el('ol', 'stack');
  for (const r of v.rows) {
    const row = el('li', ['cue', ...r.classes].join(' '));
    row.append(el('span', 'cue-num', r.number), el('span', 'cue-name', r.name), el('span', 'cue-tag', r.tag));
    list.append(row);
  }
  if (v.rows.length === 0) list.append(el('li', 'cue empty', 'no cues'));
  box.append(list);

  const buttons = el('div', 'dept-buttons');
  for (const b of v.buttons) buttons.append(button(b));
  box.append(buttons);
  return box;
}

function renderDepts(s: EngineSnapshot): void {
  deptsBox.replaceChildren(...s.depts.map((d, i) => {
    const box = renderDept(deptView(d, i, page));
    const shadow = shadowLine(s, d.id, d.mode);
    if (shadow !== null) box.querySelector('.prediction')?.after(shadow);
    const lost = followerLostBadge(d);
    if (lost !== null) box.querySelector('.prediction')?.after(lost);
    return box;
  }));
  for (const list of deptsBox.querySelectorAll<HTMLElement>('.stack')) {
    const focus = list.querySelector<HTMLElement>('.cursor') ?? list.querySelector<HTMLElement>('.standby') ?? list.querySelector<HTMLElement>('.current');
    if (focus !== null) list.scrollTop = Math.max(0, focus.offsetTop - list.offsetTop - list.clientHeight / 3);
  }
}

function renderHeader(s: EngineSnapshot): void {
  const h = headerView(s, page);
  byId('show-name').textContent = h.showName;
  byId('role').textContent = h.role;
  document.body.classList.toggle('viewer', h.viewer);
  document.body.classList.toggle('in-panic', h.panic);
  document.body.classList.toggle('in-blackout', h.blackout);
  const gm = byId('gm');
  gm.textContent = h.gmText;
  gm.classList.toggle('down', h.gmDown);
  byId('blackout').hidden = !h.blackout;
  const release = byId<HTMLButtonElement>('release');
  release.hidden = !h.releaseAll.shown;
  release.classList.toggle('not-allowed', !h.releaseAll.allowed);
  release.title = h.panickedDepts.length > 0 ? `Release PANIC (still in PANIC: ${h.panickedDepts.join(', ')})` : 'Release PANIC: outputs back to the live look';
  byId('tempo').textContent = h.tempo;
  byId('bar').textContent = h.bar;
  const beats = byId('beats');
  if (beats.childElementCount !== h.beatsPerBar) beats.replaceChildren(...Array.from({ length: h.beatsPerBar }, () => el('span', 'beat')));
  [...beats.children].forEach((b, i) => b.classList.toggle('on', i + 1 === h.beatOn));
  if (s.audio.beatCount !== lastBeatCount) {
    if (lastBeatCount >= 0) beatFlashUntil = performance.now() + 120;
    lastBeatCount = s.audio.beatCount;
  }
  byId('meter-rms').style.width = pct(h.rmsFill);
  byId('meter-peak').style.width = pct(h.peakFill);
  byId('meter-text').textContent = h.meterText;
  continuityStrip.render(s);
}

function renderLog(s: EngineSnapshot): void {
  logBody.replaceChildren(...logView(s).map((r) => {
    const tr = el('tr', `src-${r.source}`);
    tr.append(
      el('td', 'log-time', r.time), el('td', 'log-dept', r.dept), el('td', 'log-action', r.action), el('td', 'log-cue', r.cue),
      el('td', 'log-source', r.source), el('td', 'log-who', r.who), el('td', 'log-conf', r.confidence),
    );
    if (r.note !== null) tr.title = r.note;
    return tr;
  }));
}

const canvases = new Map<number, HTMLCanvasElement>();

function renderUniverses(s: EngineSnapshot): void {
  const ids = new Set(s.universes.map((u) => u.id));
  for (const [id, c] of canvases) if (!ids.has(id)) { c.parentElement?.remove(); canvases.delete(id); }
  for (const u of s.universes) {
    let canvas = canvases.get(u.id);
    if (canvas === undefined) {
      const box = el('figure', 'universe');
      box.append(el('figcaption'));
      canvas = el('canvas');
      canvas.width = 32 * 12;
      canvas.height = 16 * 12;
      box.append(canvas);
      universesBox.append(box);
      canvases.set(u.id, canvas);
    }
    const ctx = canvas.getContext('2d');
    if (ctx === null) continue;
    const values = decodeDmx(u.dmx);
    let up = 0;
    let max = 0;
    for (const v of values) { if (v > 0) up++; if (v > max) max = v; }
    const caption = canvas.parentElement?.querySelector('figcaption');
    if (caption !== null && caption !== undefined) {
      caption.textContent = `U${u.id}${u.label !== '' ? ` · ${u.label}` : ''} · ${up} ch up${up > 0 ? ` · max ${max}` : ''}`;
    }
    ctx.fillStyle = '#0b0d10';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (let i = 0; i < 512; i++) {
      const v = values[i] ?? 0;
      const x = (i % 32) * 12;
      const y = Math.floor(i / 32) * 12;
      ctx.fillStyle = v === 0 ? '#1a1e24' : `rgb(${Math.round(40 + v * 0.84)}, ${Math.round(30 + v * 0.75)}, ${Math.round(10 + v * 0.3)})`;
      ctx.fillRect(x + 1, y + 1, 10, 10);
    }
  }
}

function renderLink(): void {
  const dot = byId('link');
  const text = byId('link-text');
  dot.className = `link ${linkState.kind}`;
  switch (linkState.kind) {
    case 'open': text.textContent = 'CONNECTED'; break;
    case 'connecting': text.textContent = linkState.attempt === 0 ? 'CONNECTING…' : `RECONNECTING (${linkState.attempt})…`; break;
    case 'lost': text.textContent = `LOST · retry ${linkState.attempt}`; break;
    case 'refused': text.textContent = 'REFUSED'; break;
    default: { const never: never = linkState; void never; }
  }
  document.body.classList.toggle('offline', linkState.kind !== 'open');
  const banner = byId('banner');
  const form = byId<HTMLFormElement>('token-form');
  form.hidden = linkState.kind !== 'refused';
  // The token form has the keyboard while it is shown: no shortcut fires through it.
  if (!form.hidden) { byId<HTMLInputElement>('token-input').focus(); if (page.overlay !== 'token') setPage({ overlay: 'token' }); }
  else if (page.overlay === 'token') setPage({ overlay: null });
  if (linkState.kind === 'open') banner.hidden = true;
  else {
    banner.hidden = false;
    banner.textContent = linkState.kind === 'refused'
      ? `Not connected: ${linkState.reason}.`
      : linkState.kind === 'lost'
        ? `Connection to the engine lost (${linkState.reason}); reconnecting — the last known state is shown greyed.`
        : 'Connecting to the engine…';
  }
}

function showStatus(text: string, kind: 'ok' | 'error' | 'info'): void {
  statusLine.textContent = text;
  statusLine.className = `status ${kind}`;
}

/** Per-frame work: countdowns, lockout timers, the beat flash; full renders only for what changed. */
function frame(): void {
  const s = snapshot();
  if (s !== null) {
    if (dirty.depts) { renderDepts(s); dirty.depts = false; }
    if (dirty.header) { renderHeader(s); dirty.header = false; }
    if (dirty.universes) { renderUniverses(s); dirty.universes = false; }
    if (dirty.log) { renderLog(s); dirty.log = false; }
    if (dirty.video) { videoPanel.render(s); dirty.video = false; }
    if (dirty.programming) { programmingPanel.render(s, connection?.role ?? null); dirty.programming = false; }
    if (dirty.timeline) { timelinePanel.render(s); dirty.timeline = false; }
    const now = connection?.engineNow() ?? 0;
    videoPanel.tick(now);
    timelinePanel.tick(now);
    for (const cd of deptsBox.querySelectorAll<HTMLElement>('.pred-countdown')) {
      const at = cd.dataset['fireAt'];
      const c = countdownText(at === undefined || at === '' ? null : Number(at), now);
      cd.textContent = c.text;
      cd.classList.toggle('soon', c.soon);
    }
    for (const lo of deptsBox.querySelectorAll<HTMLElement>('.badge.lockout')) lo.textContent = lockoutText(Number(lo.dataset['until']), now);
    byId('beat-flash').classList.toggle('on', performance.now() < beatFlashUntil);
  }
  requestAnimationFrame(frame);
}

// ---------- commands and keys ----------

function command(cmd: ConsoleCommand): void {
  if (connection === null) return;
  showStatus(`${cmd.type.toUpperCase()}${'dept' in cmd && cmd.dept !== undefined ? ` ${cmd.dept}` : ''} sent…`, 'info');
  connection.send(cmd);
}

function onOutcome(o: CommandOutcome): void {
  const c = o.command;
  if (c === null) { showStatus(o.message, 'error'); return; }
  if (isProgrammingCommand(c)) programmingPanel.outcome(c, o.ok, o.message);
  const what = `${c.type.toUpperCase()}${'dept' in c && c.dept !== undefined ? ` ${c.dept}` : ''}`;
  showStatus(o.ok ? `${what}: ${o.message} (${o.rttMs.toFixed(0)} ms)` : `${what}: ${o.message}`, o.ok ? 'ok' : 'error');
}

function moveCursor(delta: -1 | 1): void {
  const s = snapshot();
  const d = s?.depts[Math.min(page.selected, Math.max(0, s.depts.length - 1))];
  if (d === undefined || d.cues.length === 0) return;
  const at = page.cursor.get(d.id);
  // The first press puts the cursor on the standby cue; later presses move it.
  const next = at === undefined ? Math.max(0, d.cues.findIndex((c) => c.number === (d.standby ?? d.current))) : at + delta;
  setPage({ cursor: new Map([...page.cursor, [d.id, Math.max(0, Math.min(d.cues.length - 1, next))]]) });
}

function onKey(e: KeyboardEvent): void {
  const effect = keyEffect(
    { key: e.key, repeat: e.repeat, modifier: e.ctrlKey || e.metaKey || e.altKey, inTextField: e.target instanceof HTMLInputElement },
    snapshot(),
    page,
    performance.now(),
  );
  switch (effect.kind) {
    case 'none':
      return;
    case 'command': {
      const c = effect.command;
      command(c);
      if (c.type === 'goto' || c.type === 'standby') { const cursor = new Map(page.cursor); cursor.delete(c.dept); setPage({ cursor }); }
      if (c.type === 'panic') setPage({ lastEscAt: -Infinity });
      break;
    }
    case 'page': {
      const { cursorMove, ...change } = effect.change;
      setPage(change);
      if (cursorMove !== undefined) moveCursor(cursorMove);
      break;
    }
    case 'status':
      showStatus(effect.text, 'error');
      if (effect.page !== undefined) setPage(effect.page);
      break;
    default: { const never: never = effect; void never; }
  }
  e.preventDefault();
}

// ---------- start ----------

function connectWith(token: string): void {
  connection?.stop();
  const wsScheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  connection = new ConsoleConnection(
    { wsUrl: `${wsScheme}//${location.host}/ws`, authUrl: `${location.origin}/auth` },
    token,
    {
      onState: (_s, changed) => {
        switch (changed) {
          case 'init': dirty.depts = dirty.header = dirty.universes = dirty.log = dirty.video = dirty.programming = dirty.timeline = true; break;
          case 'dept': dirty.depts = dirty.header = dirty.video = true; break;
          case 'audio': case 'engine': dirty.header = true; break;
          case 'universe': dirty.universes = true; break;
          case 'decision': dirty.log = true; break;
          case 'device': case 'camera': dirty.video = true; break;
          case 'continuity': dirty.header = true; break;
          case 'programming': dirty.programming = true; break;
          case 'timeline': dirty.timeline = true; break;
          case 'shadow': dirty.depts = true; break;
          default: { const never: never = changed; void never; }
        }
      },
      onLink: (state) => {
        linkState = state;
        if (state.kind === 'open') { page = { ...page, role: connection?.role ?? null }; byId('rtt').textContent = ''; dirty.header = dirty.depts = dirty.programming = true; }
        renderLink();
      },
      onOutcome,
      onRtt: (rtt) => { byId('rtt').textContent = `RTT ${rtt < 10 ? rtt.toFixed(1) : rtt.toFixed(0)} ms`; },
    },
  );
  renderLink();
  connection.start();
}

function start(): void {
  for (const [id, cmd] of [['panic', { type: 'panic' }], ['release', { type: 'release-panic' }]] as const) {
    const b = byId(id);
    b.addEventListener('click', () => command(cmd));
    b.addEventListener('mousedown', (e) => e.preventDefault());
  }
  byId('help-close').addEventListener('click', () => setPage({ overlay: null }));
  byId('keys-short').addEventListener('click', () => setPage({ overlay: 'help' }));
  document.addEventListener('keydown', onKey);
  byId<HTMLFormElement>('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>('token-input');
    const token = input.value.trim();
    if (token === '') return;
    sessionStorage.setItem('precue-token', token);
    input.value = '';
    input.blur();
    connectWith(token);
  });
  requestAnimationFrame(frame);
  const token = takeToken();
  if (token === null) {
    linkState = { kind: 'refused', reason: 'no token: open the console URL the engine printed (…/#token=…) or type the token' };
    renderLink();
    return;
  }
  connectWith(token);
}

start();
