/**
 * Offline replay: the live show pipeline (`buildShowPipeline`, the same composition `precue run`
 * builds) on a virtual clock. A take's audio blocks arrive at the moment their last sample would have
 * arrived live, the listening stage and the model see them exactly as they would live, the arbiter,
 * playback and the frame loop run on the same scheduler — as fast as the CPU allows. `eval`, training's
 * calibration, the determinism tests and the benches use it, so what is measured offline is what runs
 * live.
 *
 * A take can also be replayed from what its listening emitted (`ListenedTake`, the replay cache):
 * each event is re-emitted at the moment its audio block arrived, in the order it was emitted, so the
 * predictor, arbiter and playback see exactly what they would have seen from the audio itself.
 */
import { type Observable, Subject, Subscription, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { ConsoleInput } from './arbiter/arbiter.js';
import type { Decision, Prediction } from './arbiter/types.js';
import { listen } from './audio/listen.js';
import type { AudioBlock, Beat, FeatureFrame, ListeningSettings, ListeningStreams, Onset, SectionChange } from './audio/types.js';
import type { ControlEvent } from './control.js';
import type { FixtureProfile } from './fixtures/profile.js';
import type { DeptId } from './ids.js';
import type { ListenedTake } from './model/events.js';
import type { PerformerEvent } from './model/types.js';
import type { TimedMessage } from './playback/deptPlayback.js';
import { buildShowPipeline, DEFAULT_FRAME_RATE_HZ, type FiredCue, type Predict, type ShowPipeline } from './pipeline.js';
import type { ConsoleCommand } from './protocol/messages.js';
import type { ShowFile } from './show/schema.js';
import type { PolicyNumbers } from './policy/numbers.js';

export type { FiredCue } from './pipeline.js';

/** What to replay. */
export interface ReplayOptions {
  readonly show: ShowFile;
  readonly profiles: ReadonlyMap<string, FixtureProfile>;
  /** The take's audio, in order, in the audio time base (first sample at t = 0). */
  readonly blocks?: readonly AudioBlock[];
  /** Or what listening to it emitted, with arrival times (see `ListenedTake`). */
  readonly listened?: ListenedTake;
  readonly listening?: Partial<ListeningSettings>;
  /**
   * The model (or any predictor) over the listening streams and the cues that actually fired (every
   * playback 'fire', from any source, `t` in engine seconds: the pipeline's `audioOffsetMs` is the
   * scheduler's time when the replay starts, 0 on a fresh offline scheduler).
   */
  readonly predict?: Predict;
  /** Departments the predictor may fire in (default all). */
  readonly modelDepts?: readonly DeptId[];
  /** The cue policy's numbers the arbiter gates with (the model's). */
  readonly policy?: PolicyNumbers;
  /** Operator commands at engine times (ms). */
  readonly commands?: ReadonlyArray<{ readonly atMs: number; readonly command: ConsoleCommand; readonly user?: string }>;
  /** OSC/MSC/timecode control events at engine times (ms). */
  readonly controls?: ReadonlyArray<{ readonly atMs: number; readonly event: ControlEvent }>;
  /** Playback frame rate (default `DEFAULT_FRAME_RATE_HZ`). */
  readonly frameRateHz?: number;
  /** Replay length (default: the audio's end plus one second, for fades and follows to land). */
  readonly durationMs?: number;
  /** Called once the pipeline exists, before anything is replayed (the run journal attaches here). */
  readonly onPipeline?: (pipeline: ShowPipeline, audioOffsetMs: number, listening: ReplaySource['streams']) => void;
  /** Called on every frame with the universes' outputs (reused buffers: copy what you keep). */
  readonly onFrame?: (tMs: number, outputs: ReadonlyMap<number, Uint8Array>, pipeline: ShowPipeline) => void;
}

/** What happened in a replay. */
export interface ReplayResult {
  readonly decisions: readonly Decision[];
  readonly messages: readonly TimedMessage[];
  readonly predictions: readonly Prediction[];
  /** Every cue playback fired, from any source, in order (engine seconds). */
  readonly fired: readonly FiredCue[];
  readonly frames: number;
  readonly durationMs: number;
}

/** A virtual clock that runs every scheduled action, however far in the future. */
export function offlineScheduler(): VirtualTimeScheduler {
  return new VirtualTimeScheduler(VirtualAction, Infinity);
}

/** The listening streams of a replay and the moments (engine ms from the start) their inputs arrive. */
interface ReplaySource {
  readonly streams: Pick<ListeningStreams, 'features$' | 'beats$' | 'onsets$' | 'sections$'> & { readonly performer$?: Observable<PerformerEvent> };
  /** Steps in arrival order: `atMs` (audio ms) and what to do then. */
  readonly steps: readonly { readonly atMs: number; readonly run: () => void }[];
  readonly endMs: number;
  readonly complete: () => void;
  /** Keeps every stream hot for the whole replay, as the live engine does. */
  readonly keepHot: (s: Subscription) => void;
}

function audioSource(blocks: readonly AudioBlock[], settings: Partial<ListeningSettings>, scheduler: VirtualTimeScheduler): ReplaySource {
  const blocks$ = new Subject<AudioBlock>();
  const streams = listen(blocks$, settings, scheduler);
  const last = blocks[blocks.length - 1];
  return {
    streams,
    steps: blocks.map((b) => ({ atMs: (b.t + b.samples.length / b.sampleRate) * 1000, run: () => blocks$.next(b) })),
    endMs: last === undefined ? 0 : (last.t + last.samples.length / last.sampleRate) * 1000,
    complete: () => blocks$.complete(),
    keepHot: (s) => {
      s.add(streams.sections$.subscribe());
      s.add(streams.tempo$.subscribe());
    },
  };
}

function listenedSource(take: ListenedTake): ReplaySource {
  const features$ = new Subject<FeatureFrame>();
  const beats$ = new Subject<Beat>();
  const onsets$ = new Subject<Onset>();
  const sections$ = new Subject<SectionChange>();
  const performer$ = new Subject<PerformerEvent>();
  const steps: { atMs: number; run: () => void }[] = [];
  const { events, arrivals } = take;
  if (arrivals.length !== events.length) throw new RangeError(`a listened take needs one arrival time per event (${arrivals.length} for ${events.length})`);
  for (let i = 0; i < events.length; ) {
    const at = arrivals[i]!;
    let j = i;
    while (j < events.length && arrivals[j] === at) j++;
    const group = events.slice(i, j);
    steps.push({
      atMs: at * 1000,
      run: () => {
        for (const e of group) {
          switch (e.kind) {
            case 'frame':
              features$.next(e.v);
              break;
            case 'beat':
              beats$.next(e.v);
              break;
            case 'onset':
              onsets$.next(e.v);
              break;
            case 'section':
              sections$.next(e.v);
              break;
            case 'performer':
              performer$.next(e.v);
              break;
            case 'fired':
              // Fires come from this replay's own playback, never from the recording.
              break;
          }
        }
      },
    });
    i = j;
  }
  return {
    streams: { features$, beats$, onsets$, sections$, performer$ },
    steps,
    endMs: take.durationS * 1000,
    complete: () => {
      for (const s of [features$, beats$, onsets$, sections$, performer$] as Subject<unknown>[]) s.complete();
    },
    keepHot: () => undefined,
  };
}

/** Replays a take through the live pipeline on a virtual clock and returns what it decided. */
export function replayTake(options: ReplayOptions, scheduler: VirtualTimeScheduler = offlineScheduler()): ReplayResult {
  const subscription = new Subscription();
  const source =
    options.listened !== undefined ? listenedSource(options.listened) : audioSource(options.blocks ?? [], options.listening ?? {}, scheduler);
  const console$ = new Subject<ConsoleInput>();
  const controls$ = new Subject<ControlEvent>();
  const start = scheduler.now();
  const pipeline = buildShowPipeline(
    options.show,
    options.profiles,
    {
      listening: source.streams,
      ...(options.predict !== undefined ? { predict: options.predict } : {}),
      console$,
      controls$,
      audioOffsetMs: start,
      ...(options.modelDepts !== undefined ? { modelDepts: options.modelDepts } : {}),
      ...(options.policy !== undefined ? { policy: options.policy } : {}),
    },
    scheduler,
  );
  options.onPipeline?.(pipeline, start, source.streams);
  const decisions: Decision[] = [];
  const messages: TimedMessage[] = [];
  const predictions: Prediction[] = [];
  const fired: FiredCue[] = [];
  subscription.add(pipeline.decisions$.subscribe((d) => decisions.push(d)));
  subscription.add(pipeline.messages$.subscribe((m) => messages.push(m)));
  subscription.add(pipeline.predictions$.subscribe((p) => predictions.push(p)));
  subscription.add(pipeline.fired$.subscribe((f) => fired.push(f)));
  source.keepHot(subscription);

  const durationMs = options.durationMs ?? source.endMs + 1000;
  // Each timeline keeps one pending action and schedules its next step when it runs: the virtual
  // scheduler re-sorts its queue on every schedule, so thousands of queued actions would cost O(n²).
  const chain = <T>(items: readonly T[], dueMs: (item: T) => number, run: (item: T) => void): void => {
    const step = (i: number): void => {
      const item = items[i];
      if (item === undefined) return;
      const due = dueMs(item);
      if (due > durationMs) return;
      subscription.add(
        scheduler.schedule(() => {
          run(item);
          step(i + 1);
        }, Math.max(0, start + due - scheduler.now())),
      );
    };
    step(0);
  };
  chain(source.steps, (s) => s.atMs, (s) => s.run());
  const byTime = <T extends { atMs: number }>(list: readonly T[]): T[] => [...list].sort((a, b) => a.atMs - b.atMs);
  chain(byTime(options.commands ?? []), (c) => c.atMs, (c) => console$.next({ command: c.command, user: c.user ?? 'offline' }));
  chain(byTime(options.controls ?? []), (c) => c.atMs, (c) => controls$.next(c.event));

  let frames = 0;
  const frameLoop = pipeline.runFrames((now) => {
    frames++;
    options.onFrame?.(now - start, pipeline.outputs, pipeline);
  }, { rateHz: options.frameRateHz ?? DEFAULT_FRAME_RATE_HZ });
  subscription.add(frameLoop);
  subscription.add(
    scheduler.schedule(() => {
      frameLoop.unsubscribe();
      source.complete();
    }, durationMs),
  );
  scheduler.flush();
  subscription.unsubscribe();
  pipeline.dispose();
  return { decisions, messages, predictions, fired, frames, durationMs };
}
