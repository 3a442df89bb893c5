/**
 * The main thread's half of the frame clock: computes frames (`pipeline.frame`) and hands the
 * universes that changed to the clock's worker, which puts them on the wire.
 *
 * It ticks at the frame rate only while something moves — a fade, an effect, a master or PANIC ramp
 * (`pipeline.busy`). At rest it stops, and anything that may change the look (`pipeline.work$`: a
 * decision, a playback event, a safety command) runs a frame at once, in the same turn of the event
 * loop: a GO reaches the worker without waiting for the next tick, whether the rig rests or fades.
 * A slow guard tick (`guardMs`) stands in for a change that reaches the universes some other way.
 */
import { asyncScheduler, interval, type SchedulerLike, Subscription } from 'rxjs';
import { type ShowPipeline } from '../../core/pipeline.js';
import { createLogger, type Logger } from '../../core/log.js';

/** Where frames go: the frame clock (or anything that takes 512-byte looks by universe id). */
export interface FrameSink {
  write(universeId: number, dmxValues: Uint8Array): void;
}

/** Options for the frame loop. */
export interface FrameLoopOptions {
  /** Frames per second while something moves (default 44, DMX's full rate). */
  readonly rateHz?: number;
  /** At rest, how often to check for a change nobody announced (default 250 ms). */
  readonly guardMs?: number;
  readonly log?: Logger;
}

/** A running frame loop. */
export interface FrameLoop {
  /** Frames computed so far (for tests and the stats line). */
  readonly frames: number;
  /** True while ticking at the frame rate. */
  readonly ticking: boolean;
  /** Runs a frame now (coalesced with other requests in the same turn). */
  request(): void;
  stop(): void;
}

/** Starts computing frames for `pipeline` into `sink`. */
export function runFrameLoop(pipeline: ShowPipeline, sink: FrameSink, options: FrameLoopOptions = {}, scheduler: SchedulerLike = asyncScheduler): FrameLoop {
  const periodMs = 1000 / (options.rateHz ?? 44);
  const log = options.log ?? createLogger('io/frameLoop');
  const subscription = new Subscription();
  let ticker: Subscription | null = null;
  let pending = false;
  let frames = 0;
  let stopped = false;

  const frame = (): void => {
    if (stopped) return;
    const now = scheduler.now();
    try {
      const changed = pipeline.frame(now);
      for (let i = 0; i < changed.length; i++) {
        const id = changed[i]!;
        sink.write(id, pipeline.outputs.get(id)!);
      }
    } catch (err) {
      // A bug in one frame must not stop the next: the worker keeps sending the last look meanwhile.
      log.error(`frame failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    frames++;
    if (pipeline.busy(now)) {
      ticker ??= interval(periodMs, scheduler).subscribe(frame);
    } else if (ticker !== null) {
      ticker.unsubscribe();
      ticker = null;
    }
  };

  const request = (): void => {
    if (pending || stopped) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      frame();
    });
  };

  subscription.add(pipeline.work$.subscribe(request));
  subscription.add(
    interval(options.guardMs ?? 250, scheduler).subscribe(() => {
      if (ticker === null) frame();
    }),
  );
  frame(); // the opening look

  return {
    get frames() {
      return frames;
    },
    get ticking() {
      return ticker !== null;
    },
    request,
    stop() {
      stopped = true;
      ticker?.unsubscribe();
      ticker = null;
      subscription.unsubscribe();
    },
  };
}
