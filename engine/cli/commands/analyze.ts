import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import { analyzeRecording } from '../../core/audio/analyze.js';
import { rehearsalPriorOf, type RehearsalReference } from '../../core/rehearsal/rehearsalPrior.js';
import { chooseTracker } from '../../core/audio/listen.js';
import type { TrackerKind } from '../../core/audio/types.js';
import { UsageError } from '../../core/errors.js';
import { captureBlocks } from '../../io/audio/capture.js';
import { pcmBlocks, checkPcmLayout } from '../../io/audio/pcmStream.js';
import { listenInWorker } from '../../io/audio/workerListen.js';
import { writePlot } from '../../io/audio/plot.js';
import { readWavFile } from '../../io/audio/wavFile.js';
import { loadRehearsals } from '../../io/takes/beatGrid.js';
import { lastValueFrom, reduce, timer, takeUntil, type Observable } from 'rxjs';
import type { CliContext } from '../command.js';
import { EXIT } from '../exitCodes.js';
import type { AudioBlock } from '../../core/audio/types.js';
import { numberOption, parseCommandArgs, type Command } from '../command.js';

const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function readStdinPcm(rate: number, channels: number, format: string): Promise<{ samples: Float32Array; sampleRate: number }> {
  const layout = checkPcmLayout(rate, channels, format);
  const parts = await lastValueFrom(
    pcmBlocks(process.stdin, layout).pipe(reduce((acc: Float32Array[], b) => (acc.push(b.samples), acc), [])),
    { defaultValue: [] },
  );
  const total = parts.reduce((a, p) => a + p.length, 0);
  const samples = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    samples.set(p, at);
    at += p.length;
  }
  return { samples, sampleRate: layout.sampleRate };
}

/**
 * Live mode: capture from the sound card for `seconds`, analyse in the worker thread, print each beat
 * as it is emitted (with the predicted next beat) and each section change.
 */
async function runLive(ctx: CliContext, device: string | undefined, seconds: number, tool: string | undefined, tracker: TrackerKind, rehearsals: readonly RehearsalReference[]): Promise<number> {
  if (tool !== undefined && tool !== 'arecord' && tool !== 'sox' && tool !== 'ffmpeg') {
    throw new UsageError(`precue analyze: --tool must be arecord, sox or ffmpeg, got '${tool}'`);
  }
  const blocks$: Observable<AudioBlock> = captureBlocks({
    ...(device !== undefined && device !== '' ? { device } : {}),
    ...(tool !== undefined ? { tool: tool } : {}),
    sampleRate: 22050,
  }).pipe(takeUntil(timer(seconds * 1000)));
  const l = listenInWorker(blocks$, { tracker, ...(rehearsals.length > 0 ? { rehearsals } : {}) });
  try {
    // Errors reach the caller through beats$ below; this subscription only prints.
    l.sections$.subscribe({
      next: (s) => ctx.stdout(`section change at ${s.t.toFixed(2)} s (novelty ${s.novelty.toFixed(2)})\n`),
      error: () => undefined,
    });
    const count = await lastValueFrom(
      l.beats$.pipe(
        reduce((n, b) => {
          ctx.stdout(`${b.isDownbeat ? 'BAR ' : '    '}beat ${b.index} at ${b.t.toFixed(2)} s  ${b.bpm.toFixed(1)} BPM  ${b.beatInBar + 1}/${b.beatsPerBar}  next ${b.nextBeatT.toFixed(2)} s\n`);
          return n + 1;
        }, 0),
      ),
    );
    ctx.stdout(`${count} beats in ${seconds} s\n`);
    return EXIT.ok;
  } finally {
    await l.close();
  }
}

export const command: Command = {
  name: ['analyze'],
  summary: 'run the causal listening pipeline on a recording: tempo, beats, downbeats, onsets, sections',
  help: `Usage: precue analyze <audio.wav | -> [--json] [--plot <file.png|file.html>] [--tracker learned|dsp]
                      [--rehearsals <take> [<take>...]]
                      [--rate <Hz> --channels <n> --format <s16le|s24le|s32le|f32le|u8>]
       precue analyze --live [--device <name>] [--seconds <n>] [--tool arecord|sox|ffmpeg]

Runs the same causal pipeline the live engine runs (nothing looks at future audio), over the whole
recording as fast as the CPU allows, and prints the tempo, beats, downbeats, onsets and section
boundaries. WAV files may be PCM 8/16/24/32-bit or float, any sample rate, any number of channels
(mixed down). '-' reads raw interleaved PCM from standard input, described by --rate, --channels,
--format. A progress bar shows on long files when standard error is a terminal.

Beats come from the DSP tracker (flux and autocorrelation) by default; --tracker learned uses the
learned tracker (a small recurrent network and a bar-pointer filter that keeps every tempo and phase
hypothesis alive; see bench/listener/README.md for where each wins). With --rehearsals, the learned
tracker follows the given rehearsal takes (folders with audio.wav and,
ideally, a beats.json grid from 'precue grid') and uses their grids as a prior on tempo, meter and
phase, exactly as a live show with rehearsal grids does; a take without a grid is analysed on the
spot (uncorrected).

Options:
  --tracker <kind>   dsp (default) or learned (the default with --rehearsals)
  --rehearsals <take> [<take>...]  rehearsal take folders whose grids guide the tracker
  --json             print { "tempoBpm", "beats": [s], "downbeats": [s], "onsets": [s], "sections": [s] }
  --plot <file>      also write a plot of the onset strength with beats (blue), downbeats (red) and
                     section boundaries (green); .png or .html by extension
  --rate <Hz>        sample rate of raw PCM on stdin (default 44100)
  --channels <n>     channels of raw PCM on stdin (default 1)
  --format <fmt>     sample format of raw PCM on stdin (default s16le)
  --live             capture from the sound card (arecord, sox or ffmpeg, whichever is installed),
                     analyse in a worker thread and print beats and section changes as they happen
  --device <name>    capture device (ALSA name, default 'default')
  --seconds <n>      how long to listen live (default 30)
  --tool <name>      force a capture tool

Examples:
  precue analyze take/audio.wav --plot beats.html
  precue analyze --live --device hw:1,0 --seconds 60
  sox song.mp3 -t raw -e signed -b 16 -r 44100 -c 2 - | precue analyze - --rate 44100 --channels 2 --json
`,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('analyze', args, {
      json: { type: 'boolean', default: false },
      plot: { type: 'string' },
      rate: { type: 'string' },
      channels: { type: 'string' },
      format: { type: 'string' },
      live: { type: 'boolean', default: false },
      device: { type: 'string' },
      seconds: { type: 'string' },
      tool: { type: 'string' },
      tracker: { type: 'string' },
      rehearsals: { type: 'string', multiple: true },
    });
    // '--rehearsals a b c': the first take is the option's value, the others arrive as positionals after the audio.
    const rehearsalDirs = [...(values.rehearsals ?? []), ...(values.rehearsals !== undefined ? positionals.slice(values.live === true ? 0 : 1) : [])];
    // Rehearsal grids guide the learned tracker only: with them it is the one that runs.
    if (values.tracker !== undefined && values.tracker !== 'learned' && values.tracker !== 'dsp') throw new UsageError(`precue analyze: --tracker must be learned or dsp, got '${values.tracker}'.`);
    if (values.tracker === 'dsp' && rehearsalDirs.length > 0) throw new UsageError('precue analyze: --rehearsals guide the learned tracker only; drop --tracker dsp.');
    const tracker: TrackerKind = chooseTracker(values.tracker, rehearsalDirs.length > 0);
    const rehearsals: RehearsalReference[] = [];
    for (const r of await loadRehearsals(rehearsalDirs, { tracker })) {
      if ('error' in r) throw r.error;
      rehearsals.push(r.reference);
      ctx.stderr(`rehearsal ${r.reference.name}: ${r.reference.grid.beats.length} beats${r.analyzed ? " (no beats.json: analysed now, uncorrected; store one with 'precue grid')" : ' from beats.json'}\n`);
      if (r.note !== undefined) ctx.stderr(`rehearsal ${r.note}\n`);
    }
    if (values.live === true) {
      if (positionals.length > 0 && values.rehearsals === undefined) throw new UsageError('precue analyze: --live takes no audio file.');
      const seconds = numberOption('analyze', 'seconds', values.seconds, 30);
      if (!(seconds > 0)) throw new UsageError('precue analyze: --seconds must be positive.');
      return runLive(ctx, values.device, seconds, values.tool, tracker, rehearsals);
    }
    const input = positionals[0];
    if (input === undefined || (positionals.length > 1 && values.rehearsals === undefined)) {
      throw new UsageError("precue analyze: give one audio file (or '-' for raw PCM on stdin), e.g. 'precue analyze take/audio.wav'.");
    }
    const audio =
      input === '-'
        ? await readStdinPcm(numberOption('analyze', 'rate', values.rate, 44100), numberOption('analyze', 'channels', values.channels, 1), values.format ?? 's16le')
        : await readWavFile(input);
    const durationS = audio.samples.length / audio.sampleRate;
    // A progress bar for long files, on a terminal only (a pipe or a log gets the result alone).
    const bar =
      durationS > 60 && process.stderr.isTTY
        ? new cliProgress.SingleBar({ format: 'analysing [{bar}] {percentage}% | {value}/{total} s of audio', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
    bar?.start(Math.round(durationS), 0);
    let result;
    try {
      result = await analyzeRecording(audio.samples, audio.sampleRate, {
        tracker,
        ...(rehearsals.length > 0 ? { prior: rehearsalPriorOf(rehearsals) } : {}),
        ...(bar !== undefined ? { onProgress: (done: number) => bar.update(Math.round(done)) } : {}),
      });
    } finally {
      bar?.stop();
    }
    if (values.plot !== undefined) await writePlot(values.plot, result, input === '-' ? 'stdin' : basename(input));
    const beats = result.beats.map((b) => r3(b.t));
    const downbeats = result.beats.filter((b) => b.isDownbeat).map((b) => r3(b.t));
    const onsets = result.onsets.map((o) => r3(o.t));
    const sections = result.sections.map((s) => r3(s.t));
    if (values.json === true) {
      ctx.stdout(`${JSON.stringify({ tempoBpm: Math.round(result.tempoBpm * 10) / 10, beats, downbeats, onsets, sections })}\n`);
      return EXIT.ok;
    }
    const meter = result.beats.at(-1)?.beatsPerBar ?? 4;
    const lines = [
      `${input}: ${result.durationS.toFixed(1)} s`,
      `tempo     ${result.tempoBpm.toFixed(1)} BPM, ${meter} beats per bar`,
      `beats     ${beats.length}${beats.length > 0 ? `, first at ${beats[0]!.toFixed(2)} s` : ''}`,
      `downbeats ${downbeats.length}`,
      `onsets    ${onsets.length}`,
      `sections  ${sections.length}: ${sections.map((s) => `${s.toFixed(1)}`).join(', ')}`,
    ];
    if (values.plot !== undefined) lines.push(`plot      ${values.plot}`);
    ctx.stdout(`${lines.join('\n')}\n`);
    return EXIT.ok;
  },
};
