/**
 * The console page: per department the cue stack (live, standby, next), GO/BACK/HOLD, the mode and
 * the model's prediction with a countdown; PANIC; audio meters, tempo and beat; the DMX output; the
 * decision log; the link and its round-trip time. Everything works from the keyboard.
 */
import {
  DEPT_MODES, decodeDmx, COMMAND_ROLE, roleAllows,
  type ConsoleCommand, type DeptState, type EngineSnapshot, type DeptMode, type Decision,
} from '../../engine/core/protocol/index.js';
import { ConsoleConnection, type LinkState, type CommandOutcome } from './connection.js';
import { VideoPanel } from './video.js';

// ---------- tiny DOM helpers (no innerHTML: text is always text) ----------

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className !== undefined) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`console page: #${id} missing from index.html`);
  return e as T;
}

const fmtSeconds = (ms: number): string => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);
const pct = (x: number): string => `${Math.round(x * 100)}%`;

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

// ---------- state the page keeps besides the snapshot ----------

let selected = 0;
const cursor = new Map<string, number>(); // dept → cursor index in its stack
let lastEscAt = -Infinity;
let lastBeatCount = -1;
let beatFlashUntil = 0;
let connection: ConsoleConnection | null = null;
let linkState: LinkState = { kind: 'connecting', attempt: 0 };

const dirty = { depts: true, header: true, universes: true, log: true, video: true };

// ---------- rendering ----------

const deptsBox = byId<HTMLElement>('depts');
const logBody = byId<HTMLTableSectionElement>('log-body');
const universesBox = byId<HTMLElement>('universes');
const statusLine = byId<HTMLElement>('status');
const videoPanel = new VideoPanel(universesBox.closest('aside') ?? document.body);

function snapshot(): EngineSnapshot | null {
  return connection?.snapshot ?? null;
}

function selectedDept(): DeptState | undefined {
  const s = snapshot();
  return s?.depts[Math.min(selected, Math.max(0, (s?.depts.length ?? 1) - 1))];
}

function canRun(type: ConsoleCommand['type']): boolean {
  const role = connection?.role;
  return role !== null && role !== undefined && roleAllows(role, COMMAND_ROLE[type]);
}

function renderDept(d: DeptState, index: number, s: EngineSnapshot): HTMLElement {
  const box = el('section', `dept${index === selected ? ' selected' : ''}${d.held ? ' held' : ''}`);
  box.dataset['dept'] = d.id;
  const head = el('header', 'dept-head');
  head.append(el('span', 'dept-key', String(index + 1)), el('h2', 'dept-id', d.id), el('span', 'dept-label', d.label));
  const modes = el('div', 'modes');
  for (const m of DEPT_MODES) {
    const b = el('button', `mode mode-${m}${d.mode === m ? ' active' : ''}`, m.toUpperCase());
    b.tabIndex = -1;
    b.title = `${m} (key ${m === 'manual' ? 'M' : m === 'assist' ? 'A' : 'U'})`;
    b.addEventListener('click', () => command({ type: 'set-mode', dept: d.id, mode: m }));
    modes.append(b);
  }
  head.append(modes);
  box.append(head);

  // Prediction
  const pred = el('div', 'prediction');
  const p = d.prediction;
  if (p === null) {
    pred.append(el('span', 'pred-none', d.mode === 'manual' ? 'model: watching' : 'model: no prediction'));
  } else {
    pred.classList.add(p.armed ? 'armed' : 'shown');
    pred.append(el('span', 'pred-label', p.armed ? (d.mode === 'auto' ? 'AUTO FIRE' : 'ARMED') : 'PREDICTS'));
    pred.append(el('span', 'pred-cue', `Q ${p.cue}`));
    const conf = el('span', 'pred-conf');
    const bar = el('span', 'conf-bar');
    const fill = el('span', `conf-fill${p.confidence >= d.confidenceThreshold ? ' over' : ''}`);
    fill.style.width = pct(p.confidence);
    const mark = el('span', 'conf-mark');
    mark.style.left = pct(d.confidenceThreshold);
    bar.append(fill, mark);
    conf.append(bar, el('span', 'conf-text', pct(p.confidence)));
    pred.append(conf);
    const cd = el('span', 'pred-countdown', '');
    cd.dataset['fireAt'] = p.fireAtMs === null ? '' : String(p.fireAtMs);
    pred.append(cd);
    if (p.armed && d.mode === 'assist') pred.append(el('span', 'pred-hint', 'ENTER confirm · X reject'));
  }
  box.append(pred);

  const status = el('div', 'dept-status');
  if (d.held) status.append(el('span', 'badge hold', 'HOLD'));
  if (d.fadeProgress !== null) status.append(el('span', 'badge fade', `fade ${pct(d.fadeProgress)}`));
  if (d.lockoutUntilMs !== null) {
    const lo = el('span', 'badge lockout', 'model locked out');
    lo.dataset['until'] = String(d.lockoutUntilMs);
    status.append(lo);
  }
  box.append(status);

  // Cue stack
  const list = el('ol', 'stack');
  const cur = cursor.get(d.id);
  d.cues.forEach((c, i) => {
    const row = el('li', 'cue');
    let tag = '';
    if (c.number === d.current) { row.classList.add('current'); tag = 'LIVE'; }
    else if (c.number === d.standby) { row.classList.add('standby'); tag = 'STBY'; }
    else if (c.number === d.next) { row.classList.add('next'); tag = 'NEXT'; }
    if (p !== null && c.number === p.cue) row.classList.add('predicted');
    if (cur === i) row.classList.add('cursor');
    row.append(el('span', 'cue-num', c.number), el('span', 'cue-name', c.name ?? ''), el('span', 'cue-tag', tag));
    list.append(row);
  });
  if (d.cues.length === 0) list.append(el('li', 'cue empty', 'no cues'));
  box.append(list);

  const buttons = el('div', 'dept-buttons');
  const mk = (label: string, cls: string, cmd: ConsoleCommand, key: string): void => {
    const b = el('button', `btn ${cls}${canRun(cmd.type) ? '' : ' not-allowed'}`);
    b.tabIndex = -1;
    b.append(el('span', 'btn-label', label), el('span', 'btn-key', key));
    b.addEventListener('mousedown', (e) => e.preventDefault());
    b.addEventListener('click', () => command(cmd));
    buttons.append(b);
  };
  mk('GO', 'go', { type: 'go', dept: d.id }, 'SPACE');
  mk('BACK', 'back', { type: 'back', dept: d.id }, 'B');
  mk(d.held ? 'RESUME' : 'HOLD', 'hold', d.held ? { type: 'resume', dept: d.id } : { type: 'hold', dept: d.id }, 'H');
  box.append(buttons);
  void s;
  return box;
}

function renderDepts(s: EngineSnapshot): void {
  deptsBox.replaceChildren(...s.depts.map((d, i) => renderDept(d, i, s)));
  for (const list of deptsBox.querySelectorAll<HTMLElement>('.stack')) {
    const focus = list.querySelector<HTMLElement>('.cursor') ?? list.querySelector<HTMLElement>('.standby') ?? list.querySelector<HTMLElement>('.current');
    if (focus !== null) list.scrollTop = Math.max(0, focus.offsetTop - list.offsetTop - list.clientHeight / 3);
  }
}

function renderHeader(s: EngineSnapshot): void {
  byId('show-name').textContent = s.show?.name ?? 'no show loaded';
  byId('role').textContent = connection?.role?.toUpperCase() ?? '';
  document.body.classList.toggle('viewer', connection?.role === 'viewer');
  document.body.classList.toggle('in-panic', s.panic);
  byId('gm').textContent = `GM ${pct(s.grandMaster)}`;
  const a = s.audio;
  byId('tempo').textContent = a.tempoBpm === null ? '— BPM' : `${a.tempoBpm.toFixed(1)} BPM`;
  byId('bar').textContent = `bar ${a.bar}`;
  const beats = byId('beats');
  if (beats.childElementCount !== a.beatsPerBar) beats.replaceChildren(...Array.from({ length: a.beatsPerBar }, () => el('span', 'beat')));
  [...beats.children].forEach((b, i) => b.classList.toggle('on', i + 1 === a.beatInBar && a.beatCount > 0));
  if (a.beatCount !== lastBeatCount) {
    if (lastBeatCount >= 0) beatFlashUntil = performance.now() + 120;
    lastBeatCount = a.beatCount;
  }
  const meter = (id: string, db: number): void => {
    const fill = byId(id);
    fill.style.width = pct(Math.max(0, Math.min(1, (db + 60) / 60)));
  };
  meter('meter-rms', a.running ? a.rmsDb : -120);
  meter('meter-peak', a.running ? a.peakDb : -120);
  byId('meter-text').textContent = a.running ? `${a.rmsDb.toFixed(0)} dB` : 'no audio';
}

const logActionText: Record<Decision['action'], string> = {
  go: 'GO', back: 'BACK', goto: 'GOTO', standby: 'STANDBY', stop: 'STOP', hold: 'HOLD', resume: 'RESUME', panic: 'PANIC', confirm: 'CONFIRM',
  reject: 'REJECT', mode: 'MODE', load: 'LOAD', lockout: 'LOCKOUT', setting: 'SET',
};

/** An engine clock reading: wall-clock time of day when the engine runs on epoch ms, else mm:ss.t since start. */
function formatEngineTime(atMs: number): string {
  if (atMs > 1e11) {
    const d = new Date(atMs);
    return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
  }
  const t = atMs / 1000;
  const mm = Math.floor(t / 60);
  return `${String(mm).padStart(2, '0')}:${(t - mm * 60).toFixed(1).padStart(4, '0')}`;
}

function renderLog(s: EngineSnapshot): void {
  const rows = s.log.slice(-60).reverse().map((d) => {
    const tr = el('tr', `src-${d.source}`);
    tr.append(
      el('td', 'log-time', formatEngineTime(d.atMs)),
      el('td', 'log-dept', d.dept ?? 'ALL'),
      el('td', 'log-action', d.action === 'mode' && d.note !== undefined ? `MODE ${d.note.toUpperCase()}` : logActionText[d.action]),
      el('td', 'log-cue', d.cue ?? ''),
      el('td', 'log-source', d.source),
      el('td', 'log-who', d.who ?? ''),
      el('td', 'log-conf', d.confidence === null ? '' : pct(d.confidence)),
    );
    if (d.note !== undefined) tr.title = d.note;
    return tr;
  });
  logBody.replaceChildren(...rows);
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
  if (!form.hidden) byId<HTMLInputElement>('token-input').focus();
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
    const now = connection?.engineNow() ?? 0;
    videoPanel.tick(now);
    for (const cd of deptsBox.querySelectorAll<HTMLElement>('.pred-countdown')) {
      const at = cd.dataset['fireAt'];
      if (at === undefined || at === '') { cd.textContent = 'untimed'; continue; }
      const left = Number(at) - now;
      cd.textContent = left > 0 ? `in ${fmtSeconds(left)}` : 'due';
      cd.classList.toggle('soon', left > 0 && left < 2000);
    }
    for (const lo of deptsBox.querySelectorAll<HTMLElement>('.lockout')) {
      const left = Number(lo.dataset['until']) - now;
      lo.textContent = left > 0 ? `model locked out ${fmtSeconds(left)}` : 'model free';
    }
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
  const what = `${c.type.toUpperCase()}${'dept' in c && c.dept !== undefined ? ` ${c.dept}` : ''}`;
  showStatus(o.ok ? `${what}: ${o.message} (${o.rttMs.toFixed(0)} ms)` : `${what}: ${o.message}`, o.ok ? 'ok' : 'error');
}

function moveCursor(delta: number): void {
  const d = selectedDept();
  if (d === undefined || d.cues.length === 0) return;
  const at = cursor.get(d.id);
  // The first press puts the cursor on the standby cue; later presses move it.
  const next = at === undefined ? Math.max(0, d.cues.findIndex((c) => c.number === (d.standby ?? d.current))) : at + delta;
  cursor.set(d.id, Math.max(0, Math.min(d.cues.length - 1, next)));
  dirty.depts = true;
}

function onKey(e: KeyboardEvent): void {
  if (e.target instanceof HTMLInputElement) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const s = snapshot();
  const d = selectedDept();
  const key = e.key;
  let handled = true;
  if (key === 'Escape') {
    const t = performance.now();
    if (t - lastEscAt < 1500) { command({ type: 'panic' }); lastEscAt = -Infinity; }
    else { lastEscAt = t; showStatus('Press ESC again to PANIC all departments', 'error'); }
  } else if (key === ' ' || key === 'Spacebar') {
    if (!e.repeat && d !== undefined) command({ type: 'go', dept: d.id });
  } else if (key === 'ArrowLeft' || key === 'ArrowRight') {
    const n = s?.depts.length ?? 0;
    if (n > 0) { selected = (selected + (key === 'ArrowLeft' ? n - 1 : 1)) % n; dirty.depts = true; }
  } else if (/^[1-9]$/.test(key)) {
    const i = Number(key) - 1;
    if (s !== null && i < s.depts.length) { selected = i; dirty.depts = true; }
  } else if (key === 'ArrowUp' || key === 'ArrowDown') {
    moveCursor(key === 'ArrowUp' ? -1 : 1);
  } else if (d === undefined) {
    handled = key === '?';
    if (key === '?') byId('help').hidden = !byId('help').hidden;
  } else {
    switch (key.toLowerCase()) {
      case 'b': if (!e.repeat) command({ type: 'back', dept: d.id }); break;
      case 'h': command(d.held ? { type: 'resume', dept: d.id } : { type: 'hold', dept: d.id }); break;
      case 'enter': if (d.prediction !== null) command({ type: 'confirm-prediction', dept: d.id, cue: d.prediction.cue }); else showStatus(`${d.id}: no prediction to confirm`, 'error'); break;
      case 'x': command({ type: 'reject-prediction', dept: d.id }); break;
      case 'm': case 'a': case 'u': {
        const mode: DeptMode = key.toLowerCase() === 'm' ? 'manual' : key.toLowerCase() === 'a' ? 'assist' : 'auto';
        command({ type: 'set-mode', dept: d.id, mode });
        break;
      }
      case 'l': command({ type: 'clear-lockout', dept: d.id }); break;
      case 'g': case 's': {
        const i = cursor.get(d.id);
        const cue = i === undefined ? undefined : d.cues[i];
        if (cue === undefined) showStatus('Move the cursor with ↑/↓ first', 'error');
        else {
          command(key.toLowerCase() === 'g' ? { type: 'goto', dept: d.id, cue: cue.number } : { type: 'standby', dept: d.id, cue: cue.number });
          cursor.delete(d.id);
          dirty.depts = true;
        }
        break;
      }
      case '?': byId('help').hidden = !byId('help').hidden; break;
      default: handled = false;
    }
  }
  if (handled) e.preventDefault();
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
          case 'init': dirty.depts = dirty.header = dirty.universes = dirty.log = dirty.video = true; break;
          case 'dept': dirty.depts = dirty.video = true; break;
          case 'audio': case 'engine': dirty.header = true; break;
          case 'universe': dirty.universes = true; break;
          case 'decision': dirty.log = true; break;
          case 'device': case 'camera': dirty.video = true; break;
          default: { const never: never = changed; void never; }
        }
      },
      onLink: (state) => {
        linkState = state;
        renderLink();
        if (state.kind === 'open') { byId('rtt').textContent = ''; dirty.header = dirty.depts = true; }
      },
      onOutcome,
      onRtt: (rtt) => { byId('rtt').textContent = `RTT ${rtt < 10 ? rtt.toFixed(1) : rtt.toFixed(0)} ms`; },
    },
  );
  renderLink();
  connection.start();
}

function start(): void {
  byId('panic').addEventListener('click', () => command({ type: 'panic' }));
  byId('panic').addEventListener('mousedown', (e) => e.preventDefault());
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
