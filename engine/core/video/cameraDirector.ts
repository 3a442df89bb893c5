/**
 * Cameras as a broadcast crew runs them, between playback's cue messages and the outputs:
 *
 * - **Never move a camera that is on air.** A cue message that moves a camera (a VISCA preset recall,
 *   pan/tilt or zoom drive, or a shot's framing) while its switcher has it on program is held — an
 *   alarm on the console with the time held — until the camera leaves program; then it moves. The
 *   latest move for a camera replaces a held one. A message or shot with `moveLive` moves at once.
 * - **Move in black.** When a department's standby cue is a shot, its camera prepositions to the
 *   shot's framing while it is off air (and goes to preview), so the cut finds it there.
 * - **Cut when the camera is there.** A shot whose camera is still travelling waits for the camera to
 *   report its position (`arrived`), at most the camera's `settleLimitMs`, then cuts anyway.
 *
 * The tally comes from the switchers (`tally`); what to send goes out through `DirectorPorts`. Time
 * comes only from the scheduler (the wait limit), so virtual-time tests drive exactly this code.
 */
import { asyncScheduler, BehaviorSubject, merge, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { createLogger, type Logger } from '../log.js';
import type { TimedMessage } from '../playback/deptPlayback.js';
import { compareCueNumbers, type CueId, type DeptId } from '../ids.js';
import type { CameraState } from '../protocol/devices.js';
import type { OutputMessage, ShowFile } from '../show/schema.js';
import type { CameraConfig, CameraPosition, ShotMessage, ShotTransition } from '../show/video.js';

type ViscaMessage = Extract<OutputMessage, { kind: 'visca' }>;

/** A camera move: to a preset, to a position, or a drive/zoom message as the cue wrote it. */
export type CameraMove =
  | { readonly kind: 'preset'; readonly preset: number }
  | { readonly kind: 'position'; readonly position: CameraPosition }
  | { readonly kind: 'drive'; readonly message: Extract<ViscaMessage, { action: 'pan-tilt' | 'zoom' }> };

/** How a move ended, as the camera told it. */
export type Arrival = 'arrived' | 'unknown';

/** What the director asks of the outputs. Each call returns at once; none may throw. */
export interface DirectorPorts {
  /** Moves a camera; the outputs call `arrived(camera.id, moveId, …)` when it reports where it is. */
  move(camera: CameraConfig, move: CameraMove, moveId: number): void;
  /** Takes the camera's input to program on its switcher with this transition. */
  take(camera: CameraConfig, transition: ShotTransition): void;
  /** Puts the camera's input on preview on its switcher. */
  preview(camera: CameraConfig): void;
  /** Sends a message that is not the director's business (OSC, MIDI, playout, switcher messages…). */
  forward(message: OutputMessage): void;
}

/** Describes a move for the console and the log. */
export function describeMove(move: CameraMove): string {
  switch (move.kind) {
    case 'preset':
      return `preset ${move.preset}`;
    case 'position':
      return `pan ${move.position.pan} tilt ${move.position.tilt}${move.position.zoom !== undefined ? ` zoom ${move.position.zoom}` : ''}`;
    case 'drive':
      return `${move.message.action} ${move.message.direction}`;
  }
}

function sameMove(a: CameraMove | null, b: CameraMove | null): boolean {
  if (a === null || b === null) return false;
  if (a.kind === 'preset' && b.kind === 'preset') return a.preset === b.preset;
  if (a.kind === 'position' && b.kind === 'position') return a.position.pan === b.position.pan && a.position.tilt === b.position.tilt && a.position.zoom === b.position.zoom;
  return false;
}

/** The move a VISCA cue message makes, or null when it does not move the camera (store, stop). */
export function viscaMove(m: ViscaMessage): CameraMove | null {
  switch (m.action) {
    case 'recall':
      return { kind: 'preset', preset: m.preset };
    case 'store':
      return null;
    case 'pan-tilt':
    case 'zoom':
      return m.direction === 'stop' ? null : { kind: 'drive', message: m };
  }
}

/** The framing a shot asks for, or null (a fixed camera, or the framing it has). */
export function shotMove(shot: ShotMessage): CameraMove | null {
  if (shot.preset !== undefined) return { kind: 'preset', preset: shot.preset };
  if (shot.position !== undefined) return { kind: 'position', position: shot.position };
  return null;
}

interface Held {
  readonly move: CameraMove;
  /** `cue`: a cue asked for it (an alarm); `preposition`: move-in-black waiting its turn (no alarm). */
  readonly why: 'cue' | 'preposition';
  readonly dept: DeptId;
  readonly cue: CueId;
  readonly sinceMs: number;
}

interface CameraRuntime {
  readonly config: CameraConfig;
  readonly viscaId: string | undefined;
  program: boolean;
  preview: boolean;
  tallyKnown: boolean;
  held: Held | null;
  inFlight: { readonly move: CameraMove; readonly id: number } | null;
  /** Where it is, when it reported arriving (or was sent without a way to tell): null when unknown. */
  at: CameraMove | null;
  readonly subject: BehaviorSubject<CameraState>;
}

/** A shot waiting for its camera to arrive (at most its settle limit). */
interface PendingCut {
  readonly camera: CameraRuntime;
  readonly moveId: number;
  readonly transition: ShotTransition;
  readonly timer: Subscription;
}

/** The next shot of a department (its standby cue), as playback says. */
export interface StandbyShot {
  readonly cue: CueId;
  readonly shot: ShotMessage;
}

/** Counters for the tests, the log and the bench. */
export interface DirectorStats {
  held: number;
  released: number;
  prepositioned: number;
  takes: number;
  /** Cuts that went at the settle limit because the camera had not reported its position. */
  settleTimeouts: number;
}

/** Tally-aware camera control for one show. */
export class CameraDirector {
  private readonly cameras = new Map<string, CameraRuntime>();
  private readonly byVisca = new Map<string, CameraRuntime>();
  private readonly pending = new Map<DeptId, PendingCut>();
  private readonly standby = new Map<DeptId, StandbyShot | null>();
  /** The camera each department's last shot took to air. */
  private readonly live = new Map<DeptId, string>();
  private readonly moveInBlack: ReadonlyMap<string, boolean>;
  private nextMoveId = 1;
  private readonly log: Logger;
  readonly stats: DirectorStats = { held: 0, released: 0, prepositioned: 0, takes: 0, settleTimeouts: 0 };
  /** Every camera's state changes (hot; replays each camera's current state). */
  readonly states$: Observable<CameraState>;

  constructor(
    show: Pick<ShowFile, 'outputs' | 'departments'>,
    private readonly ports: DirectorPorts,
    options: { readonly log?: Logger } = {},
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {
    this.log = options.log ?? createLogger('core/video');
    this.moveInBlack = new Map(show.departments.map((d) => [d.id, d.moveInBlack]));
    for (const c of show.outputs.cameras) {
      const runtime: CameraRuntime = {
        config: c,
        viscaId: c.visca,
        program: false,
        preview: false,
        tallyKnown: false,
        held: null,
        inFlight: null,
        at: null,
        subject: new BehaviorSubject<CameraState>(this.stateOf(c, false, false, false, false, null, false)),
      };
      this.cameras.set(c.id, runtime);
      if (c.visca !== undefined) this.byVisca.set(c.visca, runtime);
    }
    this.states$ = merge(...[...this.cameras.values()].map((c) => c.subject.asObservable()));
  }

  private stateOf(c: CameraConfig, program: boolean, preview: boolean, tallyKnown: boolean, moving: boolean, held: Held | null, standbyCutsAway: boolean): CameraState {
    return {
      id: c.id,
      label: c.label ?? '',
      switcher: c.switcher,
      input: String(c.input),
      program,
      preview,
      tallyKnown,
      moving,
      held: held === null || held.why !== 'cue' ? null : { dept: held.dept, cue: held.cue, what: describeMove(held.move), sinceMs: held.sinceMs, standbyCutsAway },
    };
  }

  private publish(c: CameraRuntime): void {
    const next = this.standby.get(c.held?.dept ?? ('' as DeptId));
    const cutsAway = c.held !== null && next !== null && next !== undefined && next.shot.target !== c.config.id;
    c.subject.next(this.stateOf(c.config, c.program, c.preview, c.tallyKnown, c.inFlight !== null, c.held, cutsAway));
  }

  /** Every camera's state now. */
  snapshot(): CameraState[] {
    return [...this.cameras.values()].map((c) => c.subject.value);
  }

  /** Routes one due cue message: shots and camera moves here, the rest to `forward`. Never throws. */
  route(m: TimedMessage): void {
    try {
      const msg = m.message;
      if (msg.kind === 'shot') {
        this.shot(m.dept, m.cue, msg);
        return;
      }
      if (msg.kind === 'visca') {
        const camera = this.byVisca.get(msg.target);
        const move = viscaMove(msg);
        if (camera !== undefined && move !== null) {
          this.requestMove(camera, move, { why: 'cue', dept: m.dept, cue: m.cue, live: 'moveLive' in msg && msg.moveLive === true });
          return;
        }
      }
      this.ports.forward(msg);
    } catch (err) {
      this.log.error(`a ${m.message.kind} message of ${m.dept} ${m.cue} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Moves a camera unless it is on program: then the move waits (replacing any move already
   * waiting) until it leaves. Returns the move's id, or null when held.
   */
  private requestMove(c: CameraRuntime, move: CameraMove, why: { why: Held['why']; dept: DeptId; cue: CueId; live: boolean }): number | null {
    if (c.program && !why.live) {
      // The latest intent wins: a held move of an earlier cue is moot once a later one wants the camera.
      if (c.held !== null && c.held.why === 'cue') this.log.info(`camera '${c.config.id}': held ${describeMove(c.held.move)} (${c.held.dept} ${c.held.cue}) replaced by ${describeMove(move)} (${why.dept} ${why.cue})`);
      c.held = { move, why: why.why, dept: why.dept, cue: why.cue, sinceMs: this.scheduler.now() };
      if (why.why === 'cue') {
        this.stats.held++;
        this.log.warn(`${why.dept} ${why.cue}: camera '${c.config.id}' is on program; ${describeMove(move)} held until it leaves program`);
      }
      this.publish(c);
      return null;
    }
    // A held move is superseded by this one (the latest intent wins).
    c.held = null;
    return this.sendMove(c, move);
  }

  private sendMove(c: CameraRuntime, move: CameraMove): number {
    const id = this.nextMoveId++;
    // A drive (pan-tilt or zoom) has no end position: where the camera ends up is unknown.
    c.inFlight = move.kind === 'drive' ? null : { move, id };
    c.at = null;
    this.ports.move(c.config, move, id);
    this.publish(c);
    return id;
  }

  /** The outputs report where a move ended: `arrived` (the camera said so) or `unknown` (it cannot tell). */
  arrived(cameraId: string, moveId: number, how: Arrival): void {
    const c = this.cameras.get(cameraId);
    if (c === undefined || c.inFlight === null || c.inFlight.id !== moveId) return;
    c.at = c.inFlight.move;
    c.inFlight = null;
    this.publish(c);
    for (const [dept, p] of [...this.pending]) {
      if (p.camera !== c || p.moveId !== moveId) continue;
      if (how === 'unknown') this.log.debug(`camera '${c.config.id}' cannot report its position: cutting without waiting`);
      this.cancelPending(dept);
      this.take(dept, c, p.transition);
    }
  }

  private shot(dept: DeptId, cue: CueId, shot: ShotMessage): void {
    const c = this.cameras.get(shot.target);
    if (c === undefined) {
      this.log.warn(`${dept} ${cue}: shot on unknown camera '${shot.target}' dropped`);
      return;
    }
    this.cancelPending(dept);
    const move = shotMove(shot);
    let waitFor: number | null = null;
    if (move !== null && !sameMove(c.at, move)) {
      if (c.inFlight !== null && sameMove(c.inFlight.move, move)) waitFor = c.inFlight.id; // prepositioned, still travelling
      else waitFor = this.requestMove(c, move, { why: 'cue', dept, cue, live: shot.moveLive });
    }
    // Nothing to wait for: no move, the camera is already there, its move is held (on air), or it
    // answered at once.
    if (waitFor === null || (c.inFlight === null && sameMove(c.at, move))) {
      this.take(dept, c, shot.transition);
      return;
    }
    const timer = this.scheduler.schedule(() => {
      if (this.pending.get(dept)?.moveId !== waitFor) return;
      this.pending.delete(dept);
      this.stats.settleTimeouts++;
      this.log.warn(`${dept} ${cue}: camera '${c.config.id}' did not report its position within ${c.config.settleLimitMs} ms; cutting`);
      this.take(dept, c, shot.transition);
    }, c.config.settleLimitMs);
    this.pending.set(dept, { camera: c, moveId: waitFor, transition: shot.transition, timer });
  }

  private cancelPending(dept: DeptId): void {
    const p = this.pending.get(dept);
    if (p === undefined) return;
    p.timer.unsubscribe();
    this.pending.delete(dept);
  }

  private take(dept: DeptId, c: CameraRuntime, transition: ShotTransition): void {
    this.stats.takes++;
    this.live.set(dept, c.config.id);
    this.ports.take(c.config, transition);
    this.preposition(dept);
  }

  /** Playback's standby cue of a department changed (a fire, a LOAD, BACK): its shot, or null. */
  setStandby(dept: DeptId, next: StandbyShot | null): void {
    this.standby.set(dept, next);
    for (const c of this.cameras.values()) if (c.held?.dept === dept) this.publish(c);
    if (!this.pending.has(dept)) this.preposition(dept);
  }

  /**
   * Move in black: the standby shot's camera goes to its framing (waiting if it is on program) and to
   * preview, unless it is the camera the department has on air.
   */
  private preposition(dept: DeptId): void {
    const next = this.standby.get(dept);
    if (next === null || next === undefined || this.moveInBlack.get(dept) === false) return;
    const c = this.cameras.get(next.shot.target);
    if (c === undefined || this.live.get(dept) === c.config.id) return;
    const move = shotMove(next.shot);
    if (move !== null && !sameMove(c.at, move) && !(c.inFlight !== null && sameMove(c.inFlight.move, move))) {
      if (this.requestMove(c, move, { why: 'preposition', dept, cue: next.cue, live: false }) !== null) this.stats.prepositioned++;
    }
    if (!c.program) this.ports.preview(c.config);
  }

  /**
   * A switcher's tally: the cameras on it now on program and on preview. Moves waiting for a camera
   * that left program go now.
   */
  tally(switcherId: string, program: ReadonlySet<string>, preview: ReadonlySet<string>): void {
    for (const c of this.cameras.values()) {
      if (c.config.switcher !== switcherId) continue;
      const was = c.program;
      c.program = program.has(c.config.id);
      c.preview = preview.has(c.config.id);
      c.tallyKnown = true;
      if (was && !c.program && c.held !== null) {
        const held = c.held;
        c.held = null;
        if (held.why === 'cue') {
          this.stats.released++;
          this.log.info(`camera '${c.config.id}' left program: ${describeMove(held.move)} (${held.dept} ${held.cue}) moves now`);
        } else this.stats.prepositioned++;
        this.sendMove(c, held.move);
      }
      this.publish(c);
    }
  }

  /** A switcher (re)connected: each department's next shot on it goes (back) to preview. */
  switcherUp(switcherId: string): void {
    for (const [dept, next] of this.standby) {
      const c = next === null ? undefined : this.cameras.get(next.shot.target);
      if (c === undefined || c.config.switcher !== switcherId || c.program || this.live.get(dept) === c.config.id) continue;
      this.ports.preview(c.config);
    }
  }

  /**
   * A switcher's link went down: its cameras' tally is unknown. The last known tally still guards the
   * cameras (a camera last seen on air stays held: the switcher may still be cutting without us).
   */
  tallyLost(switcherId: string): void {
    for (const c of this.cameras.values()) {
      if (c.config.switcher !== switcherId || !c.tallyKnown) continue;
      c.tallyKnown = false;
      this.publish(c);
    }
  }

  /** PANIC: pending cuts and held moves are dropped (the cameras themselves stop in the outputs). */
  panic(): void {
    for (const dept of [...this.pending.keys()]) this.cancelPending(dept);
    for (const c of this.cameras.values()) {
      c.held = null;
      c.inFlight = null;
      this.publish(c);
    }
  }

  /** Stops the wait timers and completes the state streams. */
  dispose(): void {
    for (const dept of [...this.pending.keys()]) this.cancelPending(dept);
    for (const c of this.cameras.values()) c.subject.complete();
  }
}

/** The shot of a cue (its first `shot` message), or null. */
export function shotOfCue(show: Pick<ShowFile, 'departments'>, dept: string, cue: string | null): StandbyShot | null {
  if (cue === null) return null;
  const c = show.departments.find((d) => d.id === dept)?.cues.find((q) => compareCueNumbers(q.number, cue) === 0);
  const shot = c?.messages?.find((m): m is ShotMessage => m.kind === 'shot');
  return shot === undefined ? null : { cue: cue as CueId, shot };
}
