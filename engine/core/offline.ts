/**
 * Offline replay: the live pipeline on a virtual clock. A take's audio blocks arrive at the moment
 * their last sample would have arrived live, the listening stage and the model see them exactly as
 * they would live, the arbiter and playback run on the same scheduler, and frames are computed on the
 * DMX grid — as fast as the CPU allows. `eval`, the determinism tests and the benches use it, so what
 * is measured offline is what runs live.
 */
import { Observable, Subject, Subscription, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { ConsoleInput } from './arbiter/arbiter.js';
import type { Decision, DecisionSource, Prediction } from './arbiter/types.js';
import { listen } from './audio/listen.js';
import type { AudioBlock, ListeningSettings, ListeningStreams } from './audio/types.js';
import type { ControlEvent } from './control.js';
import type { FixtureProfile } from './fixtures/profile.js';
import type { DeptId } from './ids.js';
import type { TimedMessage } from './playback/deptPlayback.js';
import { buildShowPipeline, type ShowPipeline } from './pipeline.js';
import type { ConsoleCommand } from './protocol/messages.js';
import type { ShowFile } from './show/schema.js';

/** What to replay. */
export interface ReplayOptions {
  readonly show: ShowFile;
  readonly profiles: ReadonlyMap<string, FixtureProfile>;
  /** The take's audio, in order, in the audio time base (first sample at t = 0). */
  readonly blocks: readonly AudioBlock[];
  readonly listening?: Partial<ListeningSettings>;
  /**
   * The model (or any predictor) over the listening streams and the cues that actually fired (every
   * playback 'fire', from any source, `t` in engine seconds: the pipeline's `audioOffsetMs` is the
   * scheduler's time when the replay starts, 0 on a fresh offline scheduler).
   */
  readonly predict?: (streams: ListeningStreams, fired$: Observable<FiredCue>) => Observable<Prediction>;
  /** Departments the predictor may fire in (default all). */
  readonly modelDepts?: readonly DeptId[];
  /** Operator commands at engine times (ms). */
  readonly commands?: ReadonlyArray<{ readonly atMs: number; readonly command: ConsoleCommand; readonly user?: string }>;
  /** OSC/MSC/timecode control events at engine times (ms). */
  readonly controls?: ReadonlyArray<{ readonly atMs: number; readonly event: ControlEvent }>;
  /** Playback frame rate (default 44 Hz). */
  readonly frameRateHz?: number;
  /** Replay length (default: the audio's end plus one second, for fades and follows to land). */
  readonly durationMs?: number;
  /** Called on every frame with the universes' outputs (reused buffers: copy what you keep). */
  readonly onFrame?: (tMs: number, outputs: ReadonlyMap<number, Uint8Array>, pipeline: ShowPipeline) => void;
}

/** A cue that playback fired, as the predictor's cue history wants it (`t` in engine seconds). */
export interface FiredCue {
  readonly dept: string;
  readonly cue: string;
  readonly t: number;
  /** Who fired it: the decision's source, or 'follow' for an auto-follow / auto-continue. */
  readonly source: DecisionSource | 'follow';
}

/** What happened in a replay. */
export interface ReplayResult {
  readonly decisions: readonly Decision[];
  readonly messages: readonly TimedMessage[];
  readonly predictions: readonly Prediction[];
  readonly frames: number;
  readonly durationMs: number;
}

/** A virtual clock that runs every scheduled action, however far in the future. */
export function offlineScheduler(): VirtualTimeScheduler {
  return new VirtualTimeScheduler(VirtualAction, Infinity);
}

/** Replays a take through the live pipeline on a virtual clock and returns what it decided. */
export function replayTake(options: ReplayOptions, scheduler: VirtualTimeScheduler = offlineScheduler()): ReplayResult {
  const subscription = new Subscription();
  const blocks$ = new Subject<AudioBlock>();
  const streams = listen(blocks$, options.listening ?? {}, scheduler);
  const console$ = new Subject<ConsoleInput>();
  const controls$ = new Subject<ControlEvent>();
  const predictions: Prediction[] = [];
  const fired$ = new Subject<FiredCue>();
  const predictions$ = options.predict?.(streams, fired$);
  const start = scheduler.now();
  const pipeline = buildShowPipeline(
    options.show,
    options.profiles,
    {
      listening: streams,
      ...(predictions$ !== undefined ? { predictions$: new Observable<Prediction>((sub) => predictions$.subscribe({ next: (p) => (predictions.push(p), sub.next(p)), error: (e: unknown) => sub.error(e), complete: () => sub.complete() })) } : {}),
      console$,
      controls$,
      audioOffsetMs: start,
      ...(options.modelDepts !== undefined ? { modelDepts: options.modelDepts } : {}),
    },
    scheduler,
  );
  const decisions: Decision[] = [];
  const messages: TimedMessage[] = [];
  subscription.add(pipeline.decisions$.subscribe((d) => decisions.push(d)));
  subscription.add(pipeline.messages$.subscribe((m) => messages.push(m)));
  subscription.add(
    pipeline.playback.events$.subscribe((e) => {
      if (e.kind === 'fire') fired$.next({ dept: e.dept, cue: e.cue, t: e.tMs / 1000, source: e.source });
    }),
  );
  // Keep every listening stream hot for the whole replay, as the live engine does.
  subscription.add(streams.sections$.subscribe());
  subscription.add(streams.tempo$.subscribe());

  const last = options.blocks[options.blocks.length - 1];
  const audioEndMs = last === undefined ? 0 : (last.t + last.samples.length / last.sampleRate) * 1000;
  const durationMs = options.durationMs ?? audioEndMs + 1000;
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
  chain(options.blocks, (b) => (b.t + b.samples.length / b.sampleRate) * 1000, (b) => blocks$.next(b));
  const byTime = <T extends { atMs: number }>(list: readonly T[]): T[] => [...list].sort((a, b) => a.atMs - b.atMs);
  chain(byTime(options.commands ?? []), (c) => c.atMs, (c) => console$.next({ command: c.command, user: c.user ?? 'offline' }));
  chain(byTime(options.controls ?? []), (c) => c.atMs, (c) => controls$.next(c.event));

  const periodMs = 1000 / (options.frameRateHz ?? 44);
  let frames = 0;
  const frameTimes = Array.from({ length: Math.floor(durationMs / periodMs) + 1 }, (_, k) => k * periodMs);
  chain(frameTimes, (t) => t, () => {
    const now = scheduler.now();
    pipeline.frame(now);
    frames++;
    options.onFrame?.(now - start, pipeline.outputs, pipeline);
  });
  subscription.add(scheduler.schedule(() => blocks$.complete(), durationMs));
  scheduler.flush();
  subscription.unsubscribe();
  pipeline.dispose();
  return { decisions, messages, predictions, frames, durationMs };
}
