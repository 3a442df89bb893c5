/** `precue record`: runs a show and records the run as a take (audio + every cue fired, by whom). */
import { join, resolve } from 'node:path';
import { asyncScheduler, Subscription } from 'rxjs';
import { describeError, UsageError } from '../../core/errors.js';
import { openShowAudio } from '../../io/audio/showAudio.js';
import { TakeRecorder } from '../../io/takes/recorder.js';
import { startEngine } from '../../main.js';
import { numberOption, parseCommandArgs, type Command } from '../command.js';
import { EXIT } from '../exitCodes.js';

const help = `Usage: precue record <showDir> [options]

Runs the show (outputs, OSC control, the console) and records the run as a take in
<showDir>/takes/<name>/: audio.wav (the show's audio input) and cues.jsonl (every cue fired, with
who fired it: operator, model, osc, msc…). Written as it goes — a crash loses at most the last second.
Stop with Ctrl-C (or --seconds).

Options:
  --take <name>      take folder name (default rehearsal-<date>-<time>)
  --venue <name>     venue file to apply
  --fixtures <dir>   fixture library (default fixtures)
  --host <ip>        console address (default 127.0.0.1)
  --port <n>         console port (default 8080; 0 = no console)
  --seconds <n>      stop after this many seconds of audio

Example:
  precue record shows/demo --take rehearsal-3
`;

function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** The `record` command. */
export const command: Command = {
  name: ['record'],
  summary: 'record a run of a show as a take (audio + every cue fired)',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('record', args, {
      take: { type: 'string' },
      venue: { type: 'string' },
      fixtures: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      seconds: { type: 'string' },
    });
    const showDir = positionals[0];
    if (showDir === undefined) throw new UsageError("precue record: give the show folder, e.g. 'precue record shows/demo'.");
    const port = numberOption('record', 'port', values.port, 8080);
    const seconds = values.seconds === undefined ? undefined : numberOption('record', 'seconds', values.seconds, 0);
    const engine = await startEngine({
      showDir,
      fixturesDir: values.fixtures ?? 'fixtures',
      ...(values.venue !== undefined ? { venue: values.venue } : {}),
      console: port === 0 ? null : { host: values.host ?? '127.0.0.1', port, tokens: { env: process.env, showDir: resolve(showDir), generateOperator: true } },
    });
    const source = engine.show.audio?.source;
    if (source === undefined) {
      await engine.stop('hold');
      throw new UsageError(`precue record: the show in ${showDir} has no audio input to record (add "audio" to show.json).`);
    }
    if (source.kind === 'stdin') {
      await engine.stop('hold');
      throw new UsageError('precue record: a show reading audio from standard input cannot be recorded alongside; use a capture or file source.');
    }
    const name = values.take ?? `rehearsal-${stamp(new Date())}`;
    const takeDir = join(resolve(showDir), 'takes', name);
    const audio = await openShowAudio(source, resolve(showDir), asyncScheduler);
    for (const line of engine.banner) ctx.stderr(`${line}\n`);
    if (engine.operatorUrl !== null) ctx.stderr(`console: ${engine.operatorUrl}\n`);
    ctx.stderr(`recording to ${takeDir} (Ctrl-C to stop)\n`);

    let recorder: TakeRecorder | undefined;
    let startingRecorder: Promise<TakeRecorder> | undefined;
    /** Engine-clock seconds of audio time 0, known once the first block arrives. */
    let audioZeroS: number | undefined;
    const pendingCues: { t: number; dept: string; cue: string; by: string }[] = [];
    let skippedGo = 0;
    /** The recording stopped on a failed write: said at once, in one line; the show goes on. */
    const reportFailure = (err: unknown): void => {
      ctx.stderr(`precue record: recording stopped: ${describeError(err).line}. The take keeps the ${(recorder?.durationS ?? 0).toFixed(1)} s written so far; the show goes on (Ctrl-C to stop).\n`);
    };
    const subs = new Subscription();
    const done = new Promise<void>((resolveDone, rejectDone) => {
      subs.add(
        audio.blocks$.subscribe({
          next: (block) => {
            audioZeroS ??= asyncScheduler.now() / 1000 - block.t;
            startingRecorder ??= TakeRecorder.create(takeDir, { sampleRate: block.sampleRate, onFailure: reportFailure }).then((r) => {
              recorder = r;
              for (const c of pendingCues.splice(0)) r.writeCue({ ...c, t: Math.max(0, c.t - (audioZeroS ?? 0)) });
              return r;
            });
            void startingRecorder.then((r: TakeRecorder) => {
              r.writeAudio(block.samples);
              if (seconds !== undefined && r.durationS >= seconds) resolveDone();
            }, (err: unknown) => rejectDone(err instanceof Error ? err : new Error(String(err))));
          },
          error: (err: unknown) => rejectDone(err instanceof Error ? err : new Error(String(err))),
          complete: () => resolveDone(),
        }),
      );
      subs.add(
        engine.pipeline.decisions$.subscribe((d) => {
          if (d.dept === null || (d.action !== 'go' && d.action !== 'goto')) return;
          if (d.cue === undefined) {
            skippedGo++;
            return;
          }
          const cue = { t: d.t, dept: d.dept, cue: d.cue, by: d.source };
          if (recorder === undefined || audioZeroS === undefined) pendingCues.push(cue);
          else recorder.writeCue({ ...cue, t: Math.max(0, cue.t - audioZeroS) });
        }),
      );
      process.once('SIGINT', () => resolveDone());
      process.once('SIGTERM', () => resolveDone());
    });
    // Whatever fails while stopping, the engine is stopped: a failed write must never keep the
    // process alive past Ctrl-C / SIGTERM.
    let failure: unknown;
    try {
      await done;
    } catch (err) {
      failure = err;
    }
    subs.unsubscribe();
    try {
      const r = recorder ?? (startingRecorder !== undefined ? await startingRecorder.catch(() => undefined) : undefined);
      await r?.close();
    } catch (err) {
      failure ??= err;
    } finally {
      await engine.stop('clean');
    }
    const r = recorder;
    // Not a write failure: the CLI reports it.
    if (failure !== undefined && r?.failed === undefined) throw failure instanceof Error ? failure : new Error(describeError(failure).line);
    ctx.stdout(`recorded ${takeDir}: ${(r?.durationS ?? 0).toFixed(1)} s of audio, ${r?.cueTotal ?? 0} cues${skippedGo > 0 ? ` (${skippedGo} GOs without a cue number left out)` : ''}${r?.failed !== undefined ? ' — cut short by a failed write' : ''}\n`);
    if (r?.failed !== undefined) {
      ctx.stderr(`precue record: ${describeError(r.failed).line}\n`);
      return EXIT.failed;
    }
    return EXIT.ok;
  },
};
