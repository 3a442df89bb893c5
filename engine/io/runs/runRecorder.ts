/**
 * A live run on disk: `takes/<run>/decisions.jsonl` written by the run journal as the show happens
 * (each line handed to the kernel at once, fsynced within a second, bounded in size), the fixtures'
 * usage measured from the outputs and rewritten every 10 s (`fixtures-usage.json`), and — only when
 * the show's `runs.keepAudio` asks for it — the audio the engine heard with the cues playback fired
 * (`audio.wav` + `cues.jsonl`, so the run is also a take `precue train --runs` learns from).
 *
 * The composition root opens one before the pipeline exists (the folder and the log must be there
 * before the first cue can fire), attaches it to the pipeline, and closes it last.
 */
import { join } from 'node:path';
import { Subject, Subscription, take, type Observable, type Observer, type SchedulerLike } from 'rxjs';
import type { AudioBlock, Beat } from '../../core/audio/types.js';
import type { FixtureProfile } from '../../core/fixtures/profile.js';
import type { Logger } from '../../core/log.js';
import type { ShowPipeline } from '../../core/pipeline.js';
import { DEFAULT_POLICY_NUMBERS } from '../../core/policy/numbers.js';
import type { ShadowScore } from '../../core/protocol/state.js';
import { RunJournal } from '../../core/runs/journal.js';
import type { StartLine } from '../../core/runs/runLog.js';
import { USAGE_MAX_STEP_MS, UsageMeter } from '../../core/runs/usage.js';
import type { ShowFile } from '../../core/show/schema.js';
import { writeFileAtomic } from '../files/atomicWrite.js';
import type { ModelFolder } from '../model/modelFolder.js';
import { LiveTake } from '../takes/liveTake.js';
import { ENGINE_VERSION } from '../version.js';
import { JsonlLog } from './jsonlLog.js';
import { createRunFolder, RUN_LOG_FILE, runName, USAGE_FILE } from './runFolder.js';

/** How often the usage meter samples the outputs (ms): fast enough for a strobe start or a move, cheap. */
const USAGE_SAMPLE_MS = 100;
/** How often `fixtures-usage.json` is rewritten while the show runs (ms), at least. */
const USAGE_WRITE_MS = 10_000;
/**
 * The share of the main thread the rewrite may take: a big rig's file (megabytes of JSON for tens
 * of thousands of fixtures) is rewritten less often, so it never costs the frame loop more than this.
 */
const USAGE_WRITE_SHARE = 0.0025;

/** The wait before the next usage rewrite, after one that kept the main thread `busyMs`. */
export function usageWriteDelayMs(busyMs: number): number {
  return Math.max(USAGE_WRITE_MS, busyMs / USAGE_WRITE_SHARE);
}

/** What a run needs to know. */
export interface RunRecorderConfig {
  /** The folder runs go in (`runsDirOf`). */
  readonly runsDir: string;
  readonly show: ShowFile;
  readonly showDir: string;
  readonly profiles: ReadonlyMap<string, FixtureProfile>;
  readonly model: ModelFolder | undefined;
  /** Wall clock of the start (names the folder). */
  readonly startedAt: Date;
  /** Run log size limit (default `DEFAULT_MAX_LOG_BYTES`). */
  readonly maxLogBytes?: number;
  readonly log: Logger;
}

/** A run being written. */
export class RunRecorder {
  private readonly subscription = new Subscription();
  private journal: RunJournal | undefined;
  private meter: UsageMeter | undefined;
  private usageTimer: Subscription | undefined;
  private samplingTimer: Subscription | undefined;
  private sampleOutputs: (() => void) | undefined;
  private usageWrite: Promise<number> = Promise.resolve(0);
  private readonly take: LiveTake | undefined;
  private readonly scores = new Subject<ShadowScore>();
  private audioOffsetMs = 0;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly logFile: JsonlLog,
    private readonly config: RunRecorderConfig,
  ) {
    this.take = config.show.runs.keepAudio
      ? new LiveTake(dir, {
          onFailure: (err) => config.log.error(`run audio stopped: ${err instanceof Error ? err.message : String(err)}; the decision log goes on`),
          onCreateError: (err) => config.log.error(`run audio not recorded: ${err instanceof Error ? err.message : String(err)}`),
        })
      : undefined;
  }

  /** Creates the run's folder and opens its log. Throws a DeviceError (naming the folder) when it cannot. */
  static async open(config: RunRecorderConfig): Promise<RunRecorder> {
    const dir = await createRunFolder(config.runsDir, runName(config.startedAt));
    const file = JsonlLog.open(join(dir, RUN_LOG_FILE), {
      exclusive: true,
      ...(config.maxLogBytes !== undefined ? { maxBytes: config.maxLogBytes } : {}),
      onFailure: (err) => config.log.error(`run log stopped: ${err instanceof Error ? err.message : String(err)}; the show goes on`),
    });
    return new RunRecorder(dir, file, config);
  }

  /** Where the engine's audio goes when the run keeps it (undefined: it does not). */
  get tapAudio(): Partial<Observer<AudioBlock>> | undefined {
    const take = this.take;
    if (take === undefined) return undefined;
    return { next: (b) => take.audio(b) };
  }

  /** Shadow mode's live score per department, for the console. */
  get shadow(): { snapshot(): readonly ShadowScore[]; readonly states$: Observable<ShadowScore> } {
    return { snapshot: () => this.journal?.scores() ?? [], states$: this.scores.asObservable() };
  }

  /** Starts writing: call once the pipeline exists, before any cue can fire. */
  attach(pipeline: ShowPipeline, audioOffsetMs: number, scheduler: SchedulerLike, beats$?: Observable<Beat>): void {
    const { show, model, showDir, startedAt } = this.config;
    this.audioOffsetMs = audioOffsetMs;
    const header: Omit<StartLine, 'kind' | 'v' | 'audioOffsetMs' | 'depts'> = {
      run: this.dir.split(/[\\/]/).pop() ?? '',
      show: show.name,
      showDir,
      startedAt: startedAt.toISOString(),
      engineVersion: ENGINE_VERSION,
      audio: { kept: this.take !== undefined },
      model:
        model === undefined
          ? null
          : {
              path: model.dir,
              createdBy: model.meta.createdBy,
              policyVersion: model.meta.policy.version,
              fireThreshold: model.meta.policy.numbers.fireThreshold,
              ...(model.meta.features.follow !== undefined ? { follows: model.meta.features.follow.reference } : {}),
              depts: Object.entries(model.meta.policy.depts).map(([id, d]) => ({ id, useNetwork: d.useNetwork, why: d.why.slice(0, 500) })),
            },
    };
    const journal = new RunJournal(
      pipeline,
      { header, audioOffsetMs, policy: model?.meta.policy.numbers ?? DEFAULT_POLICY_NUMBERS, ...(beats$ !== undefined ? { beats$ } : {}), write: (l) => this.logFile.append(l) },
      scheduler,
    );
    this.journal = journal;
    this.subscription.add(journal.scores$.subscribe((s) => this.scores.next(s)));
    if (this.take !== undefined) {
      const take = this.take;
      this.subscription.add(
        pipeline.playback.events$.subscribe((e) => {
          if (e.kind === 'fire') take.cue({ t: Math.max(0, (e.tMs - audioOffsetMs) / 1000), dept: e.dept, cue: e.cue, by: e.source });
        }),
      );
    }
    const meter = new UsageMeter(show.fixtures, this.config.profiles);
    this.meter = meter;
    // The outputs change only while the frame loop moves: sampled every USAGE_SAMPLE_MS then; at rest
    // only as often as the meter needs to count the time (USAGE_MAX_STEP_MS), so a rig at rest is
    // hardly woken for it. Work for the loop brings the fast sampling back one period after it (the
    // frame that answers the work has gone out by then).
    this.sampleOutputs = () => meter.sample(scheduler.now(), pipeline.outputs);
    const sampling = (): void => {
      if (this.closed) return;
      this.sampleOutputs?.();
      if (pipeline.busy(scheduler.now())) {
        this.samplingTimer = scheduler.schedule(sampling, USAGE_SAMPLE_MS);
        return;
      }
      const resting = new Subscription();
      resting.add(scheduler.schedule(() => (resting.unsubscribe(), sampling()), USAGE_MAX_STEP_MS));
      resting.add(
        pipeline.work$.pipe(take(1)).subscribe(() => {
          resting.unsubscribe();
          this.samplingTimer = scheduler.schedule(sampling, USAGE_SAMPLE_MS);
        }),
      );
      this.samplingTimer = resting;
    };
    this.samplingTimer = scheduler.schedule(sampling, USAGE_SAMPLE_MS);
    const rewrite = (delayMs: number): void => {
      this.usageTimer = scheduler.schedule(() => {
        void this.writeUsage().then((busyMs) => {
          if (!this.closed) rewrite(usageWriteDelayMs(busyMs));
        });
      }, delayMs);
    };
    rewrite(USAGE_WRITE_MS);
  }

  /**
   * Writes the usage file after any write still under way (the last report written is the newest:
   * a periodic write that finishes late never replaces the one made at close). Resolves to what it
   * cost (ms): the main thread's slices, the waits between them left out, plus the file write.
   */
  private writeUsage(): Promise<number> {
    const next = this.usageWrite.then(() => this.writeUsageNow());
    this.usageWrite = next.catch(() => 0);
    return next;
  }

  private async writeUsageNow(): Promise<number> {
    if (this.meter === undefined) return 0;
    // Up to now, also at rest (no samples are taken then).
    this.sampleOutputs?.();
    // Built a slice of fixtures per turn: a 32,768-fixture rig's report is megabytes of JSON.
    let busyMs = 0;
    let from = performance.now();
    const text = await this.meter.reportJson(async () => {
      busyMs += performance.now() - from;
      await new Promise((resolve) => setImmediate(resolve));
      from = performance.now();
    });
    busyMs += performance.now() - from;
    // The write runs on libuv's pool and the text's megabytes are collected later: the write's
    // elapsed time stands in for both (a slow disk makes rewrites rarer, the safe side).
    const writeFrom = performance.now();
    await writeFileAtomic(join(this.dir, USAGE_FILE), text, { backup: false }).catch((err: unknown) =>
      this.config.log.warn(`fixture usage not written: ${err instanceof Error ? err.message : String(err)}`),
    );
    return busyMs + (performance.now() - writeFrom);
  }

  /** Engine ms of audio time 0 (for callers that add lines of their own). */
  get audioZeroMs(): number {
    return this.audioOffsetMs;
  }

  /**
   * Stops the run. `clean`: the predictions still standing are settled and an `end` line written;
   * `hold` (a failed start, a crash-like stop) leaves the log as a kill would. Then usage, audio, log.
   */
  async close(mode: 'clean' | 'hold'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (mode === 'clean') this.journal?.end();
    this.journal?.dispose();
    this.subscription.unsubscribe();
    this.usageTimer?.unsubscribe();
    this.samplingTimer?.unsubscribe();
    this.scores.complete();
    await this.writeUsage();
    await this.take?.close().catch((err: unknown) => this.config.log.error(`run audio not closed cleanly: ${err instanceof Error ? err.message : String(err)}`));
    await this.logFile.close();
  }
}
