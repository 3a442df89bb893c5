/**
 * The show pipeline — the one composition of a running show, as a pure function of streams and a
 * scheduler: listening streams feed the predictor, whose predictions, performer/remote controls and
 * console commands go into the arbiter; its decisions drive playback; every cue playback fires goes
 * back to the predictor's cue history (the feedback loop); the frame loop merges playback's frames
 * into one `Universe` per output universe and hands the changed ones to a sink.
 *
 * The same pipeline runs live (`engine/main.ts`: wall clock, real sockets) and offline (`replayTake`:
 * `eval`, training's calibration, the tests — a virtual clock replaying a take as fast as the CPU
 * allows), so what is measured offline is what runs live. Only the caller subscribes to edges and does
 * I/O.
 */
import { asapScheduler, asyncScheduler, merge, Observable, type SchedulerLike, Subject, Subscription } from 'rxjs';
import { arbitrate, arbiterConfigFromShow, type Arbiter, type ConsoleInput, type CueListChange } from './arbiter/arbiter.js';
import type { Decision, DecisionSource, Prediction } from './arbiter/types.js';
import type { ListeningStreams } from './audio/types.js';
import type { PerformerEvent } from './model/types.js';
import type { PolicyNumbers } from './policy/numbers.js';
import type { ControlEvent } from './control.js';
import type { FixtureProfile } from './fixtures/profile.js';
import type { DeptId } from './ids.js';
import { createLogger, type Logger } from './log.js';
import type { TimedMessage } from './playback/deptPlayback.js';
import { createPlayback, type Playback } from './playback/playback.js';
import { AudioFeed } from './playback/audioFeed.js';
import type { ShowFile } from './show/schema.js';
import { UniverseSafety } from './universe/safety.js';
import { Universe } from './universe/universe.js';
import { patchFixture } from './universe/patch.js';

/** The playback source's priority in every universe (sACN's default). */
export const PLAYBACK_PRIORITY = 100;
/** The universe source id playback writes to. */
export const PLAYBACK_SOURCE = 'playback';
/** DMX frame rate of the frame loop (each universe's own `rateHz` then governs what is sent). */
export const DEFAULT_FRAME_RATE_HZ = 44;
/** A resting frame loop still runs a frame this often, for a change that reached it unannounced. */
export const REST_GUARD_MS = 250;

/** How the frame loop runs. */
export interface FrameLoopOptions {
  /** Frames per second while ticking (default DEFAULT_FRAME_RATE_HZ). */
  readonly rateHz?: number;
  /**
   * Stop ticking while nothing moves (`busy` is false), and run a frame at once when something may
   * have changed the look (`work$`). Live, this is what makes a rig at rest cost next to nothing and
   * a GO reach the wire without waiting for a tick. Off (the default) the loop ticks on its grid
   * throughout, as an offline replay wants every frame.
   */
  readonly restWhenIdle?: boolean;
}

/** A cue that playback fired, as the predictor's cue history wants it (`t` in engine seconds). */
export interface FiredCue {
  readonly dept: string;
  readonly cue: string;
  readonly t: number;
  /** Who fired it: the decision's source, or 'follow' for an auto-follow / auto-continue. */
  readonly source: DecisionSource | 'follow';
}

/**
 * The predictor as the pipeline wires it: the listening streams and every cue playback fired (from
 * any source) in, predictions out.
 */
export type Predict = (streams: PredictorStreams, fired$: Observable<FiredCue>) => Observable<Prediction>;

/** What the predictor hears: the listening streams and, where there are any, performer events. */
export type PredictorStreams = Pick<ListeningStreams, 'features$' | 'beats$' | 'onsets$'> & Partial<Pick<ListeningStreams, 'sections$'>> & { readonly performer$?: Observable<PerformerEvent> };

/** What the pipeline listens to. Every stream is optional. */
export interface PipelineInputs {
  /** The listening streams (effects follow them, the console shows them, the predictor hears them). */
  readonly listening?: PredictorStreams;
  /** The predictor (the cue model and its policy); needs `listening`. */
  readonly predict?: Predict;
  /** OSC, MSC, MIDI and timecode commands. */
  readonly controls$?: Observable<ControlEvent>;
  readonly console$?: Observable<ConsoleInput>;
  /** Each department's cue numbers after the show was edited (the arbiter drops predictions of deleted cues). */
  readonly cues$?: Observable<CueListChange>;
  /** Departments the model may fire in (default: all). */
  readonly modelDepts?: readonly DeptId[];
  /** The cue policy's numbers the arbiter gates with (the model's; default `DEFAULT_POLICY_NUMBERS`). */
  readonly policy?: PolicyNumbers;
  /**
   * Engine ms of audio time 0 (when the audio source started on the scheduler's clock), so beats
   * and features land on the engine clock. Default 0 (offline: the take starts at engine time 0).
   */
  readonly audioOffsetMs?: number;
  readonly log?: Logger;
}

/** A running pipeline. */
export interface ShowPipeline {
  readonly show: ShowFile;
  readonly playback: Playback;
  readonly arbiter: Arbiter;
  /** One merged universe per `outputs.universes` entry, by show universe id. */
  readonly universes: ReadonlyMap<number, Universe>;
  /** Every decision carried out, in order. */
  readonly decisions$: Observable<Decision>;
  /** Every prediction the predictor made, in order (hot; nothing without a predictor). */
  readonly predictions$: Observable<Prediction>;
  /** Every cue playback fired, from any source (hot): the predictor's feedback. */
  readonly fired$: Observable<FiredCue>;
  /** PANIC, ALL_OFF, blackout and grand master on every universe. */
  readonly safety: UniverseSafety;
  /** Messages due now (OSC, MIDI, MSC, VISCA). */
  readonly messages$: Observable<TimedMessage>;
  /**
   * The output of each universe after merge, grand master and PANIC, as of the last `frame` (512
   * bytes, channel 1 at index 0). Reused buffers: copy to keep.
   */
  readonly outputs: ReadonlyMap<number, Uint8Array>;
  /**
   * Computes the frame at `nowMs`: playback's levels into each universe's playback source, then the
   * merge and masters into `outputs`. Returns the ids of the universes whose output changed.
   */
  frame(nowMs: number): readonly number[];
  /**
   * True while frames are still changing the output (a fade or an effect running, a fixture waiting
   * to be rendered, a master or PANIC ramp).
   */
  busy(nowMs: number): boolean;
  /**
   * Emits whenever something may have changed the look (a decision carried out, a playback event, a
   * safety command).
   */
  readonly work$: Observable<void>;
  /**
   * Runs the frame loop on the pipeline's scheduler until the subscription ends: each tick computes
   * the frame and hands `sink` the ids of the universes whose output changed, and whether the frame
   * answers work (a decision, a beat, a safety command: `urgent`, due on the wire at once) rather
   * than the grid.
   */
  runFrames(sink: (nowMs: number, changed: readonly number[], urgent: boolean) => void, options?: FrameLoopOptions): Subscription;
  /** PANIC on every universe (the masters fade intensities to 0) and in every department. */
  panic(nowMs: number, fadeMs?: number): void;
  dispose(): void;
}

/** One universe per output, each fixture's channel roles and safe values patched in (`patchFixture`). */
function buildUniverses(show: ShowFile, profiles: ReadonlyMap<string, FixtureProfile>): Map<number, Universe> {
  const universes = new Map<number, Universe>();
  for (const u of show.outputs.universes) {
    const universe = new Universe(u.id as Universe['id']);
    universe.addSource({ id: PLAYBACK_SOURCE, priority: PLAYBACK_PRIORITY });
    universes.set(u.id, universe);
  }
  for (const f of show.fixtures) {
    const universe = universes.get(f.universe);
    const profile = profiles.get(f.id);
    if (universe === undefined || profile === undefined) continue;
    patchFixture(universe, profile, f.address);
  }
  return universes;
}

/** Builds the pipeline for a show. Subscribes to its inputs until `dispose`. */
export function buildShowPipeline(
  show: ShowFile,
  profiles: ReadonlyMap<string, FixtureProfile>,
  inputs: PipelineInputs = {},
  scheduler: SchedulerLike = asyncScheduler,
): ShowPipeline {
  const log = inputs.log ?? createLogger('core/pipeline');
  const subscription = new Subscription();
  const fired$ = new Subject<FiredCue>();
  const predictions$ = new Subject<Prediction>();
  const predicted$ = inputs.predict !== undefined && inputs.listening !== undefined ? inputs.predict(inputs.listening, fired$) : undefined;
  const playback = createPlayback(show, { renderers: profiles, log, feed: new AudioFeed(inputs.audioOffsetMs ?? 0) }, scheduler);
  const stacks$ = new Subject<ReturnType<Playback['snapshot']>>();
  const arbiter = arbitrate(
    {
      ...(predicted$ !== undefined
        ? { predictions$: new Observable<Prediction>((sub) => predicted$.subscribe({ next: (p) => (predictions$.next(p), sub.next(p)), error: (e: unknown) => sub.error(e), complete: () => sub.complete() })) }
        : {}),
      ...(inputs.controls$ !== undefined ? { controls$: inputs.controls$ } : {}),
      ...(inputs.console$ !== undefined ? { console$: inputs.console$ } : {}),
      ...(inputs.cues$ !== undefined ? { cues$: inputs.cues$ } : {}),
      stacks$,
    },
    arbiterConfigFromShow(show, inputs.modelDepts, inputs.policy),
    scheduler,
  );
  const universes = buildUniverses(show, profiles);
  const safety = new UniverseSafety([...universes.values()], show.safety);
  const decisions$ = new Subject<Decision>();
  const work$ = new Subject<void>();
  const outputs = new Map([...universes.keys()].map((id) => [id, new Uint8Array(512)]));
  const changed: number[] = [];

  // Playback's stack feedback goes back to the arbiter (so the model never fires the live cue again).
  subscription.add(playback.state$.subscribe((s) => stacks$.next(s)));
  subscription.add(
    arbiter.decisions$.subscribe({
      next: (decision) => {
        // A plain GO fires the standby cue: name it, so the log says which cue went.
        const standby = decision.action === 'go' && decision.cue === undefined && decision.dept !== null ? playback.depts.get(decision.dept)?.state().standby : null;
        const d: Decision = standby !== null && standby !== undefined ? { ...decision, cue: standby } : decision;
        if (d.action === 'panic' && d.dept === null) {
          safety.handle({ type: 'panic', ...(d.fadeMs !== undefined ? { fadeMs: d.fadeMs } : {}) }, scheduler.now(), d.user ?? d.source);
        } else if ((d.action === 'go' || d.action === 'goto') && d.source !== 'model' && d.source !== 'timecode' && safety.current.panic) {
          // A person's GO after PANIC brings the masters back at once: they are taking the show back.
          safety.clearPanic(scheduler.now(), 0, d.user ?? d.source);
        }
        playback.apply(d);
        decisions$.next(d);
        work$.next();
      },
      error: (err: unknown) => log.error('arbiter failed; outputs hold the last look', { error: String(err) }),
    }),
  );
  // The feedback loop: every cue playback fired, whoever fired it, goes back to the predictor.
  // Follows, auto-continues, HOLD/RESUME and the like happen inside playback: each event may move the look.
  subscription.add(
    playback.events$.subscribe((e) => {
      if (e.kind === 'fire') fired$.next({ dept: e.dept, cue: e.cue, t: e.tMs / 1000, source: e.source });
      work$.next();
    }),
  );
  if (inputs.listening !== undefined) {
    subscription.add(playback.feed.connect(inputs.listening));
    // A beat or an onset moves the effects bound to it: their frame goes out now, not at the next tick.
    const effectsMove = (): void => {
      if (playback.busy()) work$.next();
    };
    subscription.add(inputs.listening.beats$.subscribe({ next: effectsMove, error: () => undefined }));
    subscription.add(inputs.listening.onsets$.subscribe({ next: effectsMove, error: () => undefined }));
  }
  // Blackout, grand master and MSC ALL_OFF act on the universes; the arbiter sees every command too.
  if (inputs.controls$ !== undefined) {
    subscription.add(
      inputs.controls$.subscribe({
        next: (e) => {
          if (e.command.type !== 'panic') safety.handle(e.command, scheduler.now(), e.from !== '' ? `${e.origin} ${e.from}` : e.origin);
          work$.next();
        },
        error: () => undefined,
      }),
    );
  }

  // The per-frame path walks arrays, not Map iterators (no entry arrays allocated per frame).
  const universeIds = [...universes.keys()];
  const universeList = universeIds.map((id) => universes.get(id)!);
  const outputList = universeIds.map((id) => outputs.get(id)!);
  const frame = (nowMs: number): readonly number[] => {
    const f = playback.frame(nowMs);
    // Only the universes playback wrote this frame can have new levels.
    for (let i = 0; i < f.changed.length; i++) {
      const id = f.changed[i]!;
      universes.get(id)?.setLevels(PLAYBACK_SOURCE, 1, f.universes.get(id)!);
    }
    changed.length = 0;
    for (let i = 0; i < universeList.length; i++) {
      const u = universeList[i]!;
      if (u.needsRender(nowMs) && u.render(outputList[i]!, nowMs)) changed.push(universeIds[i]!);
    }
    return changed;
  };
  const busy = (nowMs: number): boolean => {
    if (playback.busy()) return true;
    for (let i = 0; i < universeList.length; i++) if (universeList[i]!.needsRender(nowMs)) return true;
    return false;
  };
  return {
    show,
    playback,
    arbiter,
    universes,
    decisions$: decisions$.asObservable(),
    predictions$: predictions$.asObservable(),
    fired$: fired$.asObservable(),
    messages$: merge(playback.messages$),
    outputs,
    frame,
    busy,
    work$: work$.asObservable(),
    runFrames(sink, options = {}) {
      // Each tick schedules the next as a fresh action due on the frame grid (start + k·period): no
      // drift on the wall clock, and no chain of nested actions on a virtual one (a periodic action
      // there nests a new one per tick, which a long replay could not unsubscribe).
      const periodMs = 1000 / (options.rateHz ?? DEFAULT_FRAME_RATE_HZ);
      const rest = options.restWhenIdle === true;
      // A wake-up runs in the same turn live (asap: a microtask), at the same instant on a virtual clock.
      const wakeScheduler = scheduler === asyncScheduler ? asapScheduler : scheduler;
      let start = scheduler.now();
      const loop = new Subscription();
      let pending: Subscription | undefined;
      let woken: Subscription | undefined;
      let resting = false;
      let k = 1;
      const schedule = (): void => {
        if (!loop.closed) pending = scheduler.schedule(gridTick, Math.max(0, start + k * periodMs - scheduler.now()));
      };
      /** Computes and hands over the frame at `now`; false when the loop goes to rest. */
      const frameAt = (now: number, urgent: boolean): boolean => {
        // This frame covers any work announced so far (and is urgent when there was some).
        const work = urgent || woken !== undefined;
        woken?.unsubscribe();
        woken = undefined;
        sink(now, frame(now), work);
        if (!rest || busy(now)) return true;
        // At rest: off the grid; a slow guard tick instead, until work arrives.
        resting = true;
        if (!loop.closed) pending = scheduler.schedule(guardTick, REST_GUARD_MS);
        return false;
      };
      /** Moving again after a rest: a new grid from this frame. */
      const restart = (now: number, urgent: boolean): void => {
        resting = false;
        if (!frameAt(now, urgent)) return;
        start = now;
        k = 1;
        schedule();
      };
      function gridTick(): void {
        const now = scheduler.now();
        if (!frameAt(now, false)) return;
        k = Math.max(k + 1, Math.floor((now - start) / periodMs) + 1);
        schedule();
      }
      function guardTick(): void {
        restart(scheduler.now(), false);
      }
      /** A frame now for work just announced: out at once, and the grid carries on from here. */
      const wake = (): void => {
        if (loop.closed) return;
        pending?.unsubscribe();
        const now = scheduler.now();
        if (resting) {
          restart(now, true);
        } else if (frameAt(now, true)) {
          // Mid-fade: this change goes out now, and the grid carries on from its next point.
          k = Math.floor((now - start) / periodMs) + 1;
          schedule();
        }
      };
      if (rest) {
        loop.add(
          work$.subscribe(() => {
            if (woken !== undefined || loop.closed) return;
            woken = wakeScheduler.schedule(wake);
          }),
        );
        // Live, a playback change goes to the wire the moment it is journaled, before consoles, logs
        // and the model hear of it: their work used to come first (bench/latency.ts, console GO → wire
        // at rest: p50 2.4 → 1.4 ms; the first GO after start ~10 → ~7 ms). Work announced later in the
        // same turn still goes out in the wake-up above. On a virtual clock (replays) nothing changes.
        // One such frame per turn: a decision that moves several departments (PANIC, STOP all) sends
        // the first change at once and the rest together in the wake-up, not a packet per department.
        if (scheduler === asyncScheduler) {
          let committed = false;
          loop.add(
            playback.onCommit(() => {
              if (committed) return;
              committed = true;
              asapScheduler.schedule(() => (committed = false));
              wake();
            }),
          );
        }
      }
      loop.add(() => {
        pending?.unsubscribe();
        woken?.unsubscribe();
      });
      schedule();
      return loop;
    },
    safety,
    panic(nowMs, fadeMs = show.safety.panicFadeMs) {
      safety.handle({ type: 'panic', fadeMs }, nowMs);
      playback.apply({ t: nowMs / 1000, dept: null, action: 'panic', source: 'operator', fadeMs });
      work$.next();
    },
    dispose() {
      subscription.unsubscribe();
      work$.complete();
      decisions$.complete();
      predictions$.complete();
      fired$.complete();
      stacks$.complete();
      playback.dispose();
      safety.dispose();
    },
  };
}
