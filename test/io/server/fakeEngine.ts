/**
 * A small in-test implementation of the ConsoleEngine port: two departments with cue stacks, GO/BACK/
 * GOTO/HOLD/PANIC/modes/predictions, one universe whose levels follow the live LX cue. Its state lives
 * in one snapshot into which every delta is folded (`applyDelta`), as the port's contract says.
 */
import { Subject, type Observable } from 'rxjs';
import {
  applyDelta, encodeDmx, SILENT_AUDIO,
  type CommandIssuer, type CommandResult, type ConsoleCommand, type ConsoleEngine, type DeptState,
  type EngineDelta, type EngineSnapshot, type Decision,
} from '../../../engine/core/protocol/index.js';

/** Options for the fake. */
export interface FakeEngineOptions {
  readonly engineId?: string;
  /** Called with the LX universe's 512 levels whenever they change (an e2e test sends them as Art-Net). */
  readonly onLevels?: (levels: Uint8Array) => void;
  readonly now?: () => number;
  /** Start from this cue in LX (to resume "the right state" after a restart). */
  readonly lxCurrent?: string | null;
}

const lxCues = ['1', '2', '3', '4', '5', '6', '7', '8'];

/** Levels of cue n in LX: channel 1..8 at n × 30 (capped), so every cue is visibly different. */
export function lxLevelsFor(cue: string | null): Uint8Array {
  const out = new Uint8Array(512);
  if (cue === null) return out;
  const n = Number(cue);
  for (let ch = 0; ch < 8; ch++) out[ch] = Math.min(255, n * 30 + ch);
  return out;
}

/** The fake engine plus handles a test uses. */
export class FakeEngine implements ConsoleEngine {
  readonly deltas$: Observable<EngineDelta>;
  readonly executed: Array<{ command: ConsoleCommand; who: CommandIssuer }> = [];
  private current: EngineSnapshot;
  private readonly deltas = new Subject<EngineDelta>();
  /** Make `execute` throw (to test that the server survives an engine failure). */
  throwOnNext = false;
  private readonly clock: () => number;

  constructor(private readonly options: FakeEngineOptions = {}) {
    this.clock = options.now ?? (() => performance.now());
    const dept = (id: string, label: string, cues: string[], current: string | null): DeptState => ({
      id, label, mode: 'manual', confidenceThreshold: 0.8,
      cues: cues.map((n) => ({ number: n, name: `${label} look ${n}` })),
      current, standby: next(cues, current), next: next(cues, next(cues, current)),
      held: false, panicked: false, fadeProgress: null, lockoutUntilMs: null, prediction: null,
    });
    const lxCurrent = options.lxCurrent ?? null;
    const initial: EngineSnapshot = {
      engineId: options.engineId ?? 'fake-1',
      show: { name: 'Fake show', path: null },
      engineTimeMs: this.clock(),
      panic: false,
      blackout: false,
      grandMaster: 1,
      depts: [dept('LX', 'Lighting', lxCues, lxCurrent), dept('VID', 'Video', ['1', '2', '3'], null), dept('CAM', 'Cameras', ['1', '2', '3', '4', '5', '6', '7', '8', '9'], null)],
      audio: { ...SILENT_AUDIO },
      universes: [{ id: 1, label: 'stage', dmx: encodeDmx(lxLevelsFor(lxCurrent)) }, { id: 2, label: 'heads + haze', dmx: encodeDmx(new Uint8Array(512).map((_, i) => (i < 48 ? (i * 5) % 256 : 0))) }],
      log: [],
    };
    this.current = initial;
    this.deltas$ = this.deltas.asObservable();
  }

  private get state(): EngineSnapshot {
    return this.snapshot();
  }

  now(): number {
    return this.clock();
  }

  snapshot(): EngineSnapshot {
    return { ...this.current, engineTimeMs: this.clock() };
  }

  /** Emits a delta and folds it into the snapshot. */
  emit(delta: EngineDelta): void {
    this.current = applyDelta(this.current, delta, this.clock());
    this.deltas.next(delta);
  }

  dept(id: string): DeptState | undefined {
    return this.state.depts.find((d) => d.id === id);
  }

  private log(d: Omit<Decision, 'atMs'>): void {
    this.emit({ type: 'decision', decision: { atMs: this.clock(), ...d } });
  }

  private fire(d: DeptState, cue: string | null, who: CommandIssuer, action: Decision['action'], confidence: number | null = null): void {
    const cues = d.cues.map((c) => c.number);
    this.emit({ type: 'dept', dept: d.id, patch: { current: cue, standby: next(cues, cue), next: next(cues, next(cues, cue)), prediction: null } });
    if (d.id === 'LX') {
      const levels = lxLevelsFor(cue);
      this.emit({ type: 'universe', universe: { id: 1, label: 'stage', dmx: encodeDmx(levels) } });
      this.options.onLevels?.(levels);
    }
    if (this.state.panic) this.emit({ type: 'engine', patch: { panic: false } });
    if (d.panicked) this.emit({ type: 'dept', dept: d.id, patch: { panicked: false } });
    this.log({ dept: d.id, action, cue, source: who.role === 'viewer' ? 'system' : 'operator', who: who.name, confidence });
  }

  execute(command: ConsoleCommand, who: CommandIssuer): CommandResult {
    this.executed.push({ command, who });
    if (this.throwOnNext) {
      this.throwOnNext = false;
      throw new Error('fake engine failure');
    }
    const find = (id: string): DeptState | CommandResult => this.dept(id) ?? { ok: false, code: 'not-found', message: `no department ${id}` };
    switch (command.type) {
      case 'go': {
        const d = find(command.dept);
        if (!('id' in d)) return d;
        if (d.standby === null) return { ok: false, code: 'conflict', message: `${d.id} is at the end of its cue list` };
        const cue = d.standby;
        this.fire(d, cue, who, 'go');
        return { ok: true, detail: `${d.id} cue ${cue}` };
      }
      case 'back': {
        const d = find(command.dept);
        if (!('id' in d)) return d;
        const cues = d.cues.map((c) => c.number);
        const i = d.current === null ? -1 : cues.indexOf(d.current);
        if (i <= 0) return { ok: false, code: 'conflict', message: `${d.id} has no previous cue` };
        this.fire(d, cues[i - 1] ?? null, who, 'back');
        return { ok: true };
      }
      case 'goto': {
        const d = find(command.dept);
        if (!('id' in d)) return d;
        if (!d.cues.some((c) => c.number === command.cue)) return { ok: false, code: 'not-found', message: `${d.id} has no cue ${command.cue}` };
        this.fire(d, command.cue, who, 'goto');
        return { ok: true };
      }
      case 'panic': {
        this.emit({ type: 'engine', patch: { panic: true } });
        for (const d of this.state.depts) if (command.dept === undefined || d.id === command.dept) this.emit({ type: 'dept', dept: d.id, patch: { panicked: true } });
        const levels = new Uint8Array(512);
        this.emit({ type: 'universe', universe: { id: 1, label: 'stage', dmx: encodeDmx(levels) } });
        this.options.onLevels?.(levels);
        this.log({ dept: command.dept ?? null, action: 'panic', cue: null, source: 'operator', who: who.name, confidence: null });
        return { ok: true, detail: 'outputs to black' };
      }
      case 'release-panic': {
        for (const d of this.state.depts) if (command.dept === undefined || d.id === command.dept) this.emit({ type: 'dept', dept: d.id, patch: { panicked: false } });
        if (command.dept === undefined) this.emit({ type: 'engine', patch: { panic: false } });
        this.log({ dept: command.dept ?? null, action: 'release', cue: null, source: 'operator', who: who.name, confidence: null });
        return { ok: true };
      }
      case 'hold':
      case 'resume': {
        const targets = command.dept === undefined ? this.state.depts : [this.dept(command.dept)].filter((d) => d !== undefined);
        if (targets.length === 0) return { ok: false, code: 'not-found', message: `no department ${command.dept ?? ''}` };
        for (const d of targets) this.emit({ type: 'dept', dept: d.id, patch: { held: command.type === 'hold' } });
        this.log({ dept: command.dept ?? null, action: command.type, cue: null, source: 'operator', who: who.name, confidence: null });
        return { ok: true };
      }
      case 'set-mode': {
        const d = find(command.dept);
        if (!('id' in d)) return d;
        this.emit({ type: 'dept', dept: d.id, patch: { mode: command.mode } });
        this.log({ dept: d.id, action: 'mode', cue: null, source: 'operator', who: who.name, confidence: null, note: command.mode });
        return { ok: true };
      }
      case 'confirm-prediction': {
        const d = find(command.dept);
        if (!('id' in d)) return d;
        const p = d.prediction;
        if (p === null || !p.armed) return { ok: false, code: 'conflict', message: `${d.id} has no armed prediction` };
        if (command.cue !== undefined && command.cue !== p.cue) return { ok: false, code: 'conflict', message: `the prediction changed to cue ${p.cue}` };
        this.fire(d, p.cue, who, 'confirm', p.confidence);
        return { ok: true };
      }
      case 'reject-prediction': {
        const d = find(command.dept);
        if (!('id' in d)) return d;
        this.emit({ type: 'dept', dept: d.id, patch: { prediction: null } });
        return { ok: true };
      }
      case 'standby': {
        const d = find(command.dept);
        if (!('id' in d)) return d;
        this.emit({ type: 'dept', dept: d.id, patch: { standby: command.cue } });
        return { ok: true };
      }
      case 'clear-lockout': {
        const d = find(command.dept);
        if (!('id' in d)) return d;
        this.emit({ type: 'dept', dept: d.id, patch: { lockoutUntilMs: null } });
        return { ok: true };
      }
      case 'set-grand-master':
        this.emit({ type: 'engine', patch: { grandMaster: command.level } });
        return { ok: true };
      case 'set-threshold': {
        const d = find(command.dept);
        if (!('id' in d)) return d;
        this.emit({ type: 'dept', dept: d.id, patch: { confidenceThreshold: command.confidenceThreshold } });
        return { ok: true };
      }
      case 'set-lockout':
        return { ok: true, detail: `lockout ${command.lockoutMs} ms` };
      case 'take-control':
      case 'hand-back':
        return { ok: false, code: 'conflict', message: 'this engine is not a hot standby' };
      case 'load':
        this.emit({ type: 'reset' });
        return { ok: true, detail: `loaded ${command.show}` };
      case 'record-cue':
      case 'insert-cue':
      case 'edit-cue':
      case 'delete-cue':
      case 'undo':
      case 'redo':
        return { ok: false, code: 'unavailable', message: 'this stand-in engine does not edit shows' };
      default: {
        const never: never = command;
        return never;
      }
    }
  }
}

function next(cues: readonly string[], current: string | null): string | null {
  if (current === null) return cues[0] ?? null;
  const i = cues.indexOf(current);
  return i < 0 ? null : cues[i + 1] ?? null;
}
