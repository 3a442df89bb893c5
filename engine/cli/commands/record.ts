/**
 * `precue record`: runs a show and records the run as a take — the audio the engine hears and every
 * cue playback fires, by whom — on the engine's one audio clock. The audio is the engine's own input
 * (never opened a second time), and the cues are taken from playback from before the first one can
 * fire, so start cues and auto-follows are in the take, each at its place in audio.wav.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AudioBlock } from '../../core/audio/types.js';
import { describeError, UsageError } from '../../core/errors.js';
import { createLogger, setLogSink } from '../../core/log.js';
import { startupLogSink, stderrLogSink } from '../../io/logSink.js';
import { showTokenStore } from '../../io/server/tokenStore.js';
import { LiveTake } from '../../io/takes/liveTake.js';
import { startEngine, type RunningEngine } from '../../main.js';
import { numberOption, parseCommandArgs, portOption, type Command } from '../command.js';
import { EXIT } from '../exitCodes.js';
import { defaultFixturesDir } from '../paths.js';

const help = `Usage: precue record <showDir> [options]

Runs the show (outputs, OSC control, the console) and records the run as a take in
<showDir>/takes/<name>/: audio.wav (the show's audio input, as the engine hears it) and cues.jsonl
(every cue playback fired, with who fired it: operator, model, osc, msc, follow…), both on the
engine's audio clock. Written as it goes — a crash loses at most the last second. A show playing a
file records one pass of it; stop earlier with Ctrl-C or --seconds.

Options:
  --take <name>      take folder name (default rehearsal-<date>-<time>)
  --venue <name>     venue file to apply
  --fixtures <dir>   fixture library (default: Precue's fixtures/)
  --host <ip>        console address (default 127.0.0.1)
  --port <n>         console port (default 8080; 0 picks a free one)
  --no-console       run without the console
  --no-model         every department by hand
  --auto             every department in auto, whatever the show says (an unattended recording of
                     what the model fires: 'precue eval' on the take then scores live against offline)
  --artnet-host <a>  send every Art-Net universe to this host …
  --artnet-port <n>  … and this UDP port
  --osc-in-port <n>  OSC control on this port instead of the show's (0: any free port)
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
      'no-console': { type: 'boolean', default: false },
      'no-model': { type: 'boolean', default: false },
      auto: { type: 'boolean', default: false },
      'artnet-host': { type: 'string' },
      'artnet-port': { type: 'string' },
      'osc-in-port': { type: 'string' },
      seconds: { type: 'string' },
    });
    const showDir = positionals[0];
    if (showDir === undefined || positionals.length > 1) throw new UsageError("precue record: give the show folder, e.g. 'precue record shows/demo'.");
    const port = portOption('record', 'port', values.port, 8080);
    const seconds = values.seconds === undefined ? undefined : numberOption('record', 'seconds', values.seconds, 0);
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`precue record: --seconds must be more than 0, got '${values.seconds ?? ''}'.`);
    const artnetPort = values['artnet-port'] !== undefined ? portOption('record', 'artnet-port', values['artnet-port'], 6454) : undefined;
    const oscInPort = values['osc-in-port'] !== undefined ? portOption('record', 'osc-in-port', values['osc-in-port'], 53000) : undefined;
    const fixturesDir = values.fixtures ?? defaultFixturesDir();
    if (!existsSync(fixturesDir)) throw new UsageError(`precue record: --fixtures ${fixturesDir}: no such folder.`);
    const name = values.take ?? `rehearsal-${stamp(new Date())}`;
    const takeDir = join(resolve(showDir), 'takes', name);
    if (existsSync(join(takeDir, 'audio.wav'))) throw new UsageError(`precue record: ${takeDir} already holds a recording; give another --take name.`);

    const startup = startupLogSink(stderrLogSink(ctx.stderr));
    setLogSink(startup.sink, 'info');
    const log = createLogger('cli/record');

    // Everything below runs on the engine's audio clock: block.t for audio, (tMs − audio 0) for cues.
    let failure: unknown;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((done) => (finish = done));
    let ended = false;

    /** The recording stopped on a failed write (a full disk, EIO): said at once, in one line; the show goes on. */
    const reportFailure = (err: unknown): void => {
      ctx.stderr(`precue record: recording stopped: ${describeError(err).line}. The take keeps the ${(take.current?.durationS ?? 0).toFixed(1)} s written so far; the show goes on (Ctrl-C to stop).\n`);
    };
    const take: LiveTake = new LiveTake(takeDir, {
      onFailure: reportFailure,
      onCreateError: (err) => {
        failure = err;
        finish();
      },
    });
    const onBlock = (block: AudioBlock): void => {
      if (ended) return;
      // A looping file starts again with a reset: one pass is the take.
      if (take.started && block.reset === true) {
        ended = true;
        finish();
        return;
      }
      take.audio(block);
      if (seconds !== undefined && block.t + block.samples.length / block.sampleRate >= seconds) {
        ended = true;
        finish();
      }
    };

    let engine: RunningEngine;
    try {
      engine = await startEngine(
        {
          showDir,
          fixturesDir,
          ...(values.venue !== undefined ? { venue: values.venue } : {}),
          console: values['no-console']
            ? null
            : { host: values.host ?? '127.0.0.1', port, tokens: { env: process.env, store: showTokenStore(showDir), generateOperator: true } },
          ...(values['no-model'] ? { model: false } : {}),
          ...(values.auto ? { allAuto: true } : {}),
          ...(values['artnet-host'] !== undefined ? { artnetHost: values['artnet-host'] } : {}),
          ...(artnetPort !== undefined ? { artnetPort } : {}),
          ...(oscInPort !== undefined ? { oscInPort } : {}),
        },
        createLogger('main'),
        {
          tapAudio: {
            next: onBlock,
            error: (err: unknown) => {
              failure = err;
              finish();
            },
            complete: () => {
              ended = true;
              finish();
            },
          },
          onPipeline: (pipeline, audioOffsetMs) => {
            pipeline.playback.events$.subscribe((e) => {
              if (e.kind !== 'fire' || ended) return;
              take.cue({ t: Math.max(0, (e.tMs - audioOffsetMs) / 1000), dept: e.dept, cue: e.cue, by: e.source });
            });
          },
        },
      );
    } catch (err) {
      startup.failed();
      throw err;
    }
    startup.started();
    const source = engine.show.audio?.source;
    if (source === undefined || source.kind === 'stdin') {
      await engine.stop('hold');
      throw new UsageError(source === undefined
        ? `precue record: the show in ${showDir} has no audio input to record (add "audio" to show.json).`
        : 'precue record: a show reading audio from standard input cannot be recorded alongside; use a capture or file source.');
    }
    for (const line of engine.banner) ctx.stderr(`${line}\n`);
    ctx.stderr(`recording to ${takeDir} (Ctrl-C to stop)\n`);
    const stop = (): void => {
      ended = true;
      finish();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // Whatever fails while stopping, the engine is stopped: a failed write never keeps the process
    // alive past Ctrl-C / SIGTERM.
    try {
      await finished;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      ended = true;
      try {
        await take.close();
      } catch (err) {
        failure ??= err;
      } finally {
        await engine.stop('clean');
      }
    }
    const r = take.current;
    // A failure that is not a failed write (already said in one line): the CLI reports it.
    if (failure !== undefined && r?.failed === undefined) throw failure instanceof Error ? failure : new Error(describeError(failure).line);
    if (r === undefined) log.warn('no audio arrived: nothing was recorded');
    ctx.stdout(`recorded ${takeDir}: ${(r?.durationS ?? 0).toFixed(1)} s of audio, ${r?.cueTotal ?? 0} cues${r?.failed !== undefined ? ' — cut short by a failed write' : ''}\n`);
    if (r?.failed !== undefined) {
      ctx.stderr(`precue record: ${describeError(r.failed).line}\n`);
      return EXIT.failed;
    }
    return EXIT.ok;
  },
};
