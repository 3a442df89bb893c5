/**
 * The show pipeline, as a pure function of streams and a scheduler: listening streams and the model's
 * predictions, performer/remote controls and console commands go into the arbiter; its decisions
 * drive playback; playback's frames are merged into one `Universe` per output universe.
 *
 * The same pipeline runs live (`engine/main.ts`: wall clock, real sockets) and offline (`eval`, the
 * tests: a virtual clock replaying a take as fast as the CPU allows), so what is measured offline is
 * what runs live. Only the caller subscribes to edges and does I/O.
 */
import { asyncScheduler, merge, type Observable, type SchedulerLike, Subject, Subscription } from 'rxjs';
import { arbitrate, arbiterConfigFromShow, type Arbiter, type ConsoleInput } from './arbiter/arbiter.js';
import type { Decision, Prediction } from './arbiter/types.js';
import type { ListeningStreams } from './audio/types.js';
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

/** What the pipeline listens to. Every stream is optional. */
export interface PipelineInputs {
  /** The listening streams (effects follow them, the console shows them). */
  readonly listening?: Pick<ListeningStreams, 'features$' | 'beats$' | 'onsets$'>;
  readonly predictions$?: Observable<Prediction>;
  /** OSC, MSC, MIDI and timecode commands. */
  readonly controls$?: Observable<ControlEvent>;
  readonly console$?: Observable<ConsoleInput>;
  /** Departments the model may fire in (default: all). */
  readonly modelDepts?: readonly DeptId[];
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
  const playback = createPlayback(show, { renderers: profiles, log, feed: new AudioFeed(inputs.audioOffsetMs ?? 0) }, scheduler);
  const stacks$ = new Subject<ReturnType<Playback['snapshot']>>();
  const arbiter = arbitrate(
    {
      ...(inputs.predictions$ !== undefined ? { predictions$: inputs.predictions$ } : {}),
      ...(inputs.controls$ !== undefined ? { controls$: inputs.controls$ } : {}),
      ...(inputs.console$ !== undefined ? { console$: inputs.console$ } : {}),
      stacks$,
    },
    arbiterConfigFromShow(show, inputs.modelDepts),
    scheduler,
  );
  const universes = buildUniverses(show, profiles);
  const safety = new UniverseSafety([...universes.values()], show.safety);
  const decisions$ = new Subject<Decision>();
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
          safety.handle({ type: 'panic', ...(d.fadeMs !== undefined ? { fadeMs: d.fadeMs } : {}) }, scheduler.now());
        } else if ((d.action === 'go' || d.action === 'goto') && d.source !== 'model' && d.source !== 'timecode' && safety.current.panic) {
          // A person's GO after PANIC brings the masters back at once: they are taking the show back.
          safety.clearPanic(scheduler.now());
        }
        playback.apply(d);
        decisions$.next(d);
      },
      error: (err: unknown) => log.error('arbiter failed; outputs hold the last look', { error: String(err) }),
    }),
  );
  if (inputs.listening !== undefined) subscription.add(playback.feed.connect(inputs.listening));
  // Blackout, grand master and MSC ALL_OFF act on the universes; the arbiter sees every command too.
  if (inputs.controls$ !== undefined) {
    subscription.add(
      inputs.controls$.subscribe({
        next: (e) => {
          if (e.command.type !== 'panic') safety.handle(e.command, scheduler.now());
        },
        error: () => undefined,
      }),
    );
  }

  return {
    show,
    playback,
    arbiter,
    universes,
    decisions$: decisions$.asObservable(),
    messages$: merge(playback.messages$),
    outputs,
    frame(nowMs) {
      const frame = playback.frame(nowMs);
      for (const [id, buffer] of frame.universes) universes.get(id)?.setLevels(PLAYBACK_SOURCE, 1, buffer);
      changed.length = 0;
      for (const [id, u] of universes) {
        if (u.needsRender(nowMs) && u.render(outputs.get(id)!, nowMs)) changed.push(id);
      }
      return changed;
    },
    safety,
    panic(nowMs, fadeMs = show.safety.panicFadeMs) {
      safety.handle({ type: 'panic', fadeMs }, nowMs);
      playback.apply({ t: nowMs / 1000, dept: null, action: 'panic', source: 'operator', fadeMs });
    },
    dispose() {
      subscription.unsubscribe();
      decisions$.complete();
      stacks$.complete();
      playback.dispose();
    },
  };
}
