/**
 * The engine as the console sees it: implements the protocol's `ConsoleEngine` port from the show
 * pipeline (playback stacks, arbiter state, decisions, universes) and the listening streams.
 *
 * Commands are checked here first so a console gets a clear refusal (unknown department or cue, no
 * armed prediction to confirm, end of the list) instead of a silent no-op; accepted ones go to the
 * arbiter, which alone decides what fires. Time comes only from the scheduler.
 */
import { asyncScheduler, interval, Subject, type Observable, type SchedulerLike, Subscription } from 'rxjs';
import type { ArbiterState, ConsoleInput } from '../arbiter/arbiter.js';
import type { Decision as CoreDecision } from '../arbiter/types.js';
import type { Beat, FeatureFrame, TempoEstimate } from '../audio/types.js';
import { cueSummaries, deptStates, toLogEntry } from './consoleState.js';
import { refuseDeptCommand } from '../commandChecks.js';
import { compareCueNumbers } from '../ids.js';
import type { PlaybackState } from '../playback/playback.js';
import type { ShowPipeline } from '../pipeline.js';
import type { ContinuityRecord } from '../continuity/record.js';
import type { CameraState, DeviceState } from '../protocol/devices.js';
import type { SafetyState } from '../universe/safety.js';
import { encodeDmx } from '../protocol/dmx.js';
import { isProgrammingCommand, type ProgrammingPort } from '../edit/showEditor.js';
import type { TimelineDelta, TimelineState } from '../protocol/timeline.js';
import type { ConsoleCommand } from '../protocol/messages.js';
import type { CommandIssuer, CommandResult, ConsoleEngine } from '../protocol/port.js';
import {
  LOG_LIMIT,
  SILENT_AUDIO,
  type AudioState,
  type Decision,
  type DeptPatch,
  type DeptState,
  type EngineDelta,
  type EngineSnapshot,
  type ShadowScore,
  type UniverseState,
} from '../protocol/state.js';

/** A list of records the console shows, and each change to one (hot). */
export interface RecordFeed<T> {
  snapshot(): readonly T[];
  readonly states$: Observable<T>;
}

/** What the console model needs besides the pipeline. */
export interface ConsoleModelOptions {
  readonly engineId: string;
  readonly showName: string;
  readonly showPath: string | null;
  /** Listening streams for meters, tempo and the beat indicator (absent: the meters stay silent). */
  readonly listening?: { features$: Observable<FeatureFrame>; tempo$: Observable<TempoEstimate>; beats$: Observable<Beat> };
  /** Engine ms of audio time 0. */
  readonly audioOffsetMs?: number;
  /** Where accepted commands go (the pipeline's `console$` input). */
  readonly commands: { next(input: ConsoleInput): void };
  /** How often universes and meters are sent (Hz). Default 10. */
  readonly refreshHz?: number;
  /** False: no console page is served (OSC control only), so universes are not sent as deltas. Default true. */
  readonly universeDeltas?: boolean;
  /** External devices (switchers, playout, mixers) and their health. */
  readonly devices?: RecordFeed<DeviceState>;
  /** Cameras and their tally. */
  readonly cameras?: RecordFeed<CameraState>;
  /**
   * The engine's place among several (standby, takeover, resume, peers): sent in the snapshot and on
   * each change; answers take-control / hand-back. While it says `standby`, the show follows the
   * primary and every other command is refused (take control first).
   */
  readonly continuity?: ContinuityRecord;
  /** The show editor (programming from the console); absent: the show cannot be edited. */
  readonly programming?: ProgrammingPort;
  /** The run's timeline (rehearsal, predictions, fires, bars); absent: the console shows none. */
  readonly timeline?: { snapshot(): TimelineState; readonly deltas$: Observable<TimelineDelta> };
  /** Shadow mode's live score per department (the run journal's). */
  readonly shadow?: RecordFeed<ShadowScore>;
}

const sameDept = (a: DeptState, b: DeptState): DeptPatch => {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(b) as Array<keyof DeptState>) {
    if (key === 'id') continue;
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) patch[key] = b[key];
  }
  return patch;
};

const toDb = (linear: number): number => (linear > 1e-6 ? Math.max(-120, Math.min(20, 20 * Math.log10(linear))) : -120);

/** Implements `ConsoleEngine` over a show pipeline. */
export class ConsoleModel implements ConsoleEngine {
  private readonly deltas = new Subject<EngineDelta>();
  readonly deltas$: Observable<EngineDelta> = this.deltas.asObservable();
  private readonly subscription = new Subscription();
  private depts: DeptState[];
  private playbackState: PlaybackState;
  private arbiterState: ArbiterState | undefined;
  private readonly log: Decision[] = [];
  private cueLists: ReturnType<typeof cueSummaries>;
  private audio: AudioState = SILENT_AUDIO;
  private audioChanged = false;
  private peak = 0;
  /** The outputs' safety state (PANIC, ALL_OFF, blackout, grand master), from the pipeline. */
  private safety: SafetyState;
  /** The bytes of each universe as last sent to the consoles (a copy): only a changed universe is encoded again. */
  private readonly universeSent = new Map<number, Uint8Array>();
  /** Universe labels of the show they were read from (a live edit brings a new show object). */
  private labels: { readonly show: ShowPipeline['show']; readonly byId: ReadonlyMap<number, string> } | undefined;

  constructor(
    private readonly pipeline: ShowPipeline,
    private readonly options: ConsoleModelOptions,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {
    this.safety = pipeline.safety.current;
    this.playbackState = pipeline.playback.snapshot();
    this.cueLists = cueSummaries(pipeline.show);
    this.depts = this.buildDepts();
    this.subscription.add(
      pipeline.playback.state$.subscribe((s) => {
        this.playbackState = s;
        this.refreshDepts();
      }),
    );
    this.subscription.add(
      pipeline.arbiter.state$.subscribe((s) => {
        this.arbiterState = s;
        this.refreshDepts();
      }),
    );
    this.subscription.add(pipeline.decisions$.subscribe((d) => this.onDecision(d)));
    // Whatever changes the outputs' safety state — this console, another, OSC, MSC, a GO after PANIC —
    // every console sees it, from the one place that holds it.
    this.subscription.add(pipeline.safety.state$.subscribe((s) => this.onSafety(s)));
    // Cues that fire by themselves (auto-follow, auto-continue) are decisions too: log them.
    this.subscription.add(
      pipeline.playback.events$.subscribe((e) => {
        if (e.kind !== 'fire' || (e.reason !== 'follow' && e.reason !== 'continue')) return;
        this.record({ atMs: e.tMs, dept: e.dept, action: 'go', cue: e.cue, source: 'follow', who: null, confidence: null, note: e.reason === 'follow' ? 'auto-follow' : 'auto-continue' });
      }),
    );
    const offsetMs = options.audioOffsetMs ?? 0;
    if (options.listening !== undefined) {
      this.audio = { ...SILENT_AUDIO, running: true };
      this.subscription.add(
        options.listening.features$.subscribe((f) => {
          this.peak = Math.max(this.peak * 0.9, f.rms * Math.SQRT2);
          this.audio = { ...this.audio, rmsDb: Number.isFinite(f.levelDb) ? Math.max(-120, Math.min(20, f.levelDb)) : -120, peakDb: toDb(this.peak) };
          this.audioChanged = true;
        }),
      );
      this.subscription.add(
        options.listening.tempo$.subscribe((t) => {
          this.audio = { ...this.audio, tempoBpm: t.bpm > 0 && t.bpm <= 400 ? t.bpm : null, tempoConfidence: Math.max(0, Math.min(1, t.confidence)) };
          this.audioChanged = true;
        }),
      );
      this.subscription.add(
        options.listening.beats$.subscribe((b) => {
          this.audio = {
            ...this.audio,
            beatCount: b.index + 1,
            beatInBar: Math.min(16, Math.max(1, b.beatInBar + 1)),
            beatsPerBar: Math.min(16, Math.max(1, b.beatsPerBar)),
            bar: Math.max(0, b.barIndex + 1),
            lastBeatAtMs: b.t * 1000 + offsetMs,
          };
          this.audioChanged = true;
        }),
      );
    }
    // Device and camera records change rarely and matter at once (a switcher down, a camera on air).
    if (options.devices !== undefined) this.subscription.add(options.devices.states$.subscribe((device) => this.deltas.next({ type: 'device', device })));
    if (options.cameras !== undefined) this.subscription.add(options.cameras.states$.subscribe((camera) => this.deltas.next({ type: 'camera', camera })));
    if (options.continuity !== undefined) {
      let first = true;
      this.subscription.add(
        options.continuity.states$.subscribe((continuity) => {
          // The current value is in the snapshot already.
          if (!first) this.deltas.next({ type: 'continuity', continuity });
          first = false;
        }),
      );
    }
    const programming = options.programming;
    if (programming !== undefined) {
      // An edit changes the cue lists every console shows, the programming state, and the log (who edited what).
      this.subscription.add(programming.shows$.subscribe((show) => {
        this.cueLists = cueSummaries(show);
        this.refreshDepts();
      }));
      this.subscription.add(programming.state$.subscribe((p) => this.deltas.next({ type: 'programming', programming: p })));
      this.subscription.add(
        programming.changes$.subscribe((e) => this.record({ atMs: e.atMs, dept: e.dept, action: 'edit', cue: e.cue, source: 'operator', who: e.who.slice(0, 120), confidence: null, note: e.label.slice(0, 200) })),
      );
    }
    if (options.timeline !== undefined) this.subscription.add(options.timeline.deltas$.subscribe((timeline) => this.deltas.next({ type: 'timeline', timeline })));
    if (options.shadow !== undefined) this.subscription.add(options.shadow.states$.subscribe((shadow) => this.deltas.next({ type: 'shadow', shadow })));
    const refreshMs = 1000 / (options.refreshHz ?? 10);
    this.subscription.add(interval(refreshMs, scheduler).subscribe(() => this.refreshOutputs()));
  }

  now(): number {
    return this.scheduler.now();
  }

  /** The departments as the console sees them now (cheap: no snapshot of universes or log). */
  get deptStates(): readonly DeptState[] {
    return this.depts;
  }

  snapshot(): EngineSnapshot {
    return {
      engineId: this.options.engineId,
      show: { name: this.options.showName.slice(0, 200), path: this.options.showPath },
      engineTimeMs: this.now(),
      panic: this.safety.panic || this.safety.allOff,
      blackout: this.safety.blackout,
      grandMaster: this.safety.grandMaster,
      depts: this.depts,
      audio: this.audio,
      universes: this.universes(),
      log: this.log.slice(-LOG_LIMIT),
      ...(this.options.devices !== undefined ? { devices: [...this.options.devices.snapshot()] } : {}),
      ...(this.options.cameras !== undefined ? { cameras: [...this.options.cameras.snapshot()] } : {}),
      ...(this.options.continuity !== undefined ? { continuity: this.options.continuity.current() } : {}),
      ...(this.options.programming !== undefined ? { programming: this.options.programming.state() } : {}),
      ...(this.options.timeline !== undefined ? { timeline: this.options.timeline.snapshot() } : {}),
      ...(this.options.shadow !== undefined ? { shadow: [...this.options.shadow.snapshot()] } : {}),
    };
  }

  execute(command: ConsoleCommand, who: CommandIssuer): CommandResult | Promise<CommandResult> {
    if (command.type === 'take-control' || command.type === 'hand-back') {
      return this.options.continuity?.command(command.type, who.name) ?? { ok: false, code: 'conflict', message: `this engine is not a hot standby; ${command.type} does nothing here` };
    }
    const continuity = this.options.continuity?.current();
    if (continuity?.role === 'standby') {
      const primary = continuity.primary?.address ?? 'its primary';
      return { ok: false, code: 'conflict', message: `this engine is a hot standby following ${primary}: operate the primary, or take control here first` };
    }
    if (isProgrammingCommand(command)) {
      return this.options.programming?.execute(command, who) ?? { ok: false, code: 'unavailable', message: 'this engine runs without a show file to save to: the show cannot be edited here' };
    }
    return this.carryOut(command, who.name);
  }

  /**
   * Carries out a show command as a console's would be (checked, then to the arbiter), from `who`. A
   * hot standby mirrors its primary through here, past the standby's refusal of console commands.
   */
  carryOut(command: ConsoleCommand, whoName: string): CommandResult {
    const who = { name: whoName };
    if (isProgrammingCommand(command)) return { ok: false, code: 'conflict', message: `${command.type} edits the show: not a show command` };
    const refusal = this.check(command);
    if (refusal !== undefined) return refusal;
    if (command.type === 'take-control' || command.type === 'hand-back') return { ok: false, code: 'conflict', message: `${command.type} is not a show command` };
    if (command.type === 'set-grand-master') {
      this.pipeline.safety.handle({ type: 'grandMaster', level: command.level }, this.now(), who.name);
      return { ok: true };
    }
    this.options.commands.next({ command, user: who.name });
    if (command.type === 'release-panic') {
      // Everywhere: the outputs come back to the live look too (one department: only its automation).
      if (command.dept === undefined) this.pipeline.safety.clearPanic(this.now(), 0, who.name);
      this.record({ atMs: this.now(), dept: command.dept ?? null, action: 'release', cue: null, source: 'operator', who: who.name, confidence: null, note: 'PANIC released' });
    }
    if (command.type === 'set-mode') {
      this.record({ atMs: this.now(), dept: command.dept, action: 'mode', cue: null, source: 'operator', who: who.name, confidence: null, note: `${command.dept} → ${command.mode}` });
    }
    return { ok: true };
  }

  /** Stops the refresh timer and the subscriptions. */
  dispose(): void {
    this.subscription.unsubscribe();
    this.deltas.complete();
  }

  private check(c: ConsoleCommand): Exclude<CommandResult, { ok: true }> | undefined {
    if (c.type === 'load') {
      return { ok: false, code: 'unavailable', message: 'loading another show while running is not supported by this engine; restart it with `precue run <show>`' };
    }
    if (c.type === 'set-grand-master') return undefined;
    if (c.type === 'release-panic' && c.dept === undefined) {
      return this.depts.some((d) => d.panicked) || this.safety.panic || this.safety.allOff ? undefined : { ok: false, code: 'conflict', message: 'nothing is in PANIC' };
    }
    const deptIdOf = 'dept' in c ? c.dept : undefined;
    if (deptIdOf === undefined) return undefined;
    const refusal = refuseDeptCommand(this.depts, deptIdOf, c.type === 'go' || c.type === 'back' ? c.type : 'other', 'cue' in c ? c.cue : undefined);
    if (refusal !== undefined) return { ok: false, ...refusal };
    const dept = this.depts.find((d) => d.id === deptIdOf)!;
    switch (c.type) {
      case 'confirm-prediction': {
        const p = dept.prediction;
        if (p === null || !p.armed) return { ok: false, code: 'conflict', message: `${dept.id} has no armed prediction to confirm` };
        if (c.cue !== undefined && compareCueNumbers(c.cue, p.cue) !== 0) return { ok: false, code: 'conflict', message: `the armed prediction in ${dept.id} is now cue ${p.cue}, not ${c.cue}` };
        return undefined;
      }
      case 'reject-prediction':
        return dept.prediction === null ? { ok: false, code: 'conflict', message: `${dept.id} has no prediction to reject` } : undefined;
      case 'clear-lockout':
        return dept.lockoutUntilMs === null ? { ok: false, code: 'conflict', message: `${dept.id} is not locked out` } : undefined;
      case 'release-panic':
        return dept.panicked ? undefined : { ok: false, code: 'conflict', message: `${dept.id} is not in PANIC` };
      default:
        return undefined;
    }
  }

  private buildDepts(): DeptState[] {
    const arbiter = this.arbiterState ?? { tMs: this.now(), depts: [] };
    return deptStates(this.pipeline.show, this.playbackState, arbiter, this.cueLists);
  }

  private refreshDepts(): void {
    const next = this.buildDepts();
    next.forEach((d, i) => {
      const before = this.depts[i];
      if (before === undefined) return;
      const patch = sameDept(before, d);
      if (Object.keys(patch).length > 0) {
        this.depts[i] = d;
        this.deltas.next({ type: 'dept', dept: d.id, patch });
      }
    });
  }

  private onSafety(s: SafetyState): void {
    const before = this.safety;
    this.safety = s;
    const patch: { panic?: boolean; blackout?: boolean; grandMaster?: number } = {};
    if ((before.panic || before.allOff) !== (s.panic || s.allOff)) patch.panic = s.panic || s.allOff;
    if (before.blackout !== s.blackout) patch.blackout = s.blackout;
    if (before.grandMaster !== s.grandMaster) patch.grandMaster = s.grandMaster;
    if (Object.keys(patch).length === 0) return;
    this.deltas.next({ type: 'engine', patch });
    const by = s.changedBy;
    const source: Decision['source'] = by.startsWith('osc') ? 'osc' : by.startsWith('msc') ? 'midi' : by.startsWith('midi') ? 'midi' : by.includes('@') ? 'operator' : 'system';
    const who = by.includes('@') || by.includes(' ') ? by.slice(0, 120) : null;
    const settings = [
      ...(patch.grandMaster !== undefined ? [`grand master ${Math.round(s.grandMaster * 100)}%`] : []),
      ...(patch.blackout !== undefined ? [`blackout ${s.blackout ? 'on' : 'off'}`] : []),
    ];
    if (settings.length > 0) this.record({ atMs: this.now(), dept: null, action: 'setting', cue: null, source, who, confidence: null, note: settings.join(', ') });
  }

  private onDecision(d: CoreDecision): void {
    const entry = toLogEntry(d);
    this.record(d.fadeMs !== undefined && entry.note === undefined ? { ...entry, note: `fade ${Math.round(d.fadeMs)} ms` } : entry);
  }

  private record(entry: Decision): void {
    this.log.push(entry);
    if (this.log.length > 2 * LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    this.deltas.next({ type: 'decision', decision: entry });
  }

  private universes(): UniverseState[] {
    return [...this.pipeline.universes.keys()].map((id) => this.universeState(id));
  }

  private universeState(id: number): UniverseState {
    const show = this.pipeline.show;
    if (this.labels?.show !== show) this.labels = { show, byId: new Map(show.outputs.universes.map((u) => [u.id, u.label ?? `Universe ${u.id}`])) };
    return { id, label: (this.labels.byId.get(id) ?? `Universe ${id}`).slice(0, 100), dmx: this.renderUniverse(id) };
  }

  private renderUniverse(id: number): string {
    const out = this.pipeline.outputs.get(id);
    return out === undefined ? '' : encodeDmx(out);
  }

  private refreshOutputs(): void {
    // Fade progress moves between events: re-read the stacks at the refresh rate.
    this.playbackState = this.pipeline.playback.snapshot();
    this.refreshDepts();
    // A rig at rest costs a byte compare per universe, not a base64 string (256 universes at 10 Hz).
    if (this.options.universeDeltas !== false) this.refreshUniverses();
    if (this.audioChanged) {
      this.audioChanged = false;
      this.deltas.next({ type: 'audio', audio: this.audio });
    }
  }

  private refreshUniverses(): void {
    for (const id of this.pipeline.universes.keys()) {
      const bytes = this.pipeline.outputs.get(id);
      if (bytes === undefined) continue;
      const sent = this.universeSent.get(id);
      if (sent !== undefined && sameBytes(sent, bytes)) continue;
      if (sent !== undefined && sent.length === bytes.length) sent.set(bytes);
      else this.universeSent.set(id, bytes.slice());
      this.deltas.next({ type: 'universe', universe: this.universeState(id) });
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
