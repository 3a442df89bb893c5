/** `precue train`: learns a model from rehearsal takes and writes a model folder. */
import { UsageError } from '../../core/errors.js';
import { openEntriesOf } from '../../core/model/openEntries.js';
import { openingLine } from '../../core/model/opening.js';
import { TEMPO_CANDIDATES_BPM } from '../../core/model/tempoFit.js';
import { TRAINING_DEFAULTS, trainModel } from '../../core/model/train.js';
import { listenTakes, type TempoMode } from '../../io/model/listenTakes.js';
import { loadTf } from '../../io/model/backend.js';
import { saveModelFolder } from '../../io/model/modelFolder.js';
import { readRunAsTake } from '../../io/runs/runTakes.js';
import { readTake } from '../../io/takes/take.js';
import { numberOption, parseCommandArgs, type Command } from '../command.js';
import { EXIT } from '../exitCodes.js';

const help = `Usage: precue train --takes <takeDir>... [--runs <runDir>...] --out <modelDir> [options]

Learns when each department's cues go from rehearsal takes (audio.wav + cues.jsonl) and writes a
model folder (TensorFlow.js files + precue-model.json). One take in five (with two to four takes:
the last) is held out for validation. Train one model per show: it learns that show's tempo, the
beats between its cues and the order of its cue lists. On the held-out takes, through the same
pipeline 'precue run' uses, it then calibrates the cue policy per department: the network's fire
point, and whether its vote is used at all — only where it beats the score follower alone; the
reason is printed and stored in the model.

Options:
  --takes <dir>...   take folders (repeat the option or list them after it)
  --runs <dir>...    run folders written by 'precue run' that kept their audio (the show's
                     runs.keepAudio): each is a take whose cues are what went in the run, each
                     operator GO at the beat nearest to it (the run's own beat grid), a cue taken
                     BACK within 5 s left out
  --out <dir>        model folder to write (replaced atomically; the old one is kept as <dir>.bak)
  --seed <n>         random seed (default ${TRAINING_DEFAULTS.seed}): same takes + same seed = same model
  --epochs <n>       most epochs (default ${TRAINING_DEFAULTS.epochs}; training stops early when validation stops improving)
  --hidden <n>       GRU units (default ${TRAINING_DEFAULTS.hiddenSize})
  --augment <n>      rearranged copies of each take (a section repeated, one skipped; default ${TRAINING_DEFAULTS.augment})
  --tempo <t>        auto (default): learn the song's tempo range from the takes (the range in which
                     the beat tracker's beats carry the most rehearsal cues; several listening
                     passes); off: the tracker's defaults; <bpm>: the show's tempo, tracked ±13 %
  --cache <dir>      keep replayed takes here to skip re-listening next time
  --threads <n>      takes replayed in parallel (default: CPU cores)

Example:
  precue train --takes shows/demo/takes/rehearsal-1 shows/demo/takes/rehearsal-2 --out shows/demo/model
`;

function bar(fraction: number, width = 20): string {
  const n = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
}

function duration(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** The `train` command. */
export const command: Command = {
  name: ['train'],
  summary: 'train the cue model from rehearsal takes',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('train', args, {
      takes: { type: 'string', multiple: true },
      runs: { type: 'string', multiple: true },
      out: { type: 'string' },
      seed: { type: 'string' },
      epochs: { type: 'string' },
      hidden: { type: 'string' },
      augment: { type: 'string' },
      cache: { type: 'string' },
      tempo: { type: 'string' },
      threads: { type: 'string' },
    });
    const dirs = [...(values.takes ?? []), ...positionals];
    const runDirs = values.runs ?? [];
    if (dirs.length + runDirs.length === 0) throw new UsageError("precue train: give the takes with --takes <dir>... (and runs with --runs <dir>...). See 'precue train --help'.");
    if (values.out === undefined) throw new UsageError("precue train: give the model folder with --out <dir>. See 'precue train --help'.");
    const seed = numberOption('train', 'seed', values.seed, TRAINING_DEFAULTS.seed);
    const epochs = numberOption('train', 'epochs', values.epochs, TRAINING_DEFAULTS.epochs);
    const hidden = numberOption('train', 'hidden', values.hidden, TRAINING_DEFAULTS.hiddenSize);
    const augment = numberOption('train', 'augment', values.augment, TRAINING_DEFAULTS.augment);
    const threads = values.threads === undefined ? undefined : numberOption('train', 'threads', values.threads, 1);
    const started = performance.now();
    const clock = (): number => (performance.now() - started) / 1000;

    const tempoOption = values.tempo ?? 'auto';
    let tempoMode: TempoMode = 'auto';
    if (tempoOption === 'off') tempoMode = 'off';
    else if (tempoOption !== 'auto') {
      const bpm = Number(tempoOption);
      if (!Number.isFinite(bpm) || bpm < 30 || bpm > 300) throw new UsageError(`precue train: --tempo must be auto, off or a tempo in BPM (30–300), got '${tempoOption}'.`);
      tempoMode = bpm;
    }

    const runs = await Promise.all(runDirs.map((d) => readRunAsTake(d)));
    for (const r of runs) ctx.stderr(`precue train: run ${r.name}: ${r.cues.length} cues as they went (${r.operatorGos} operator GOs, each at its nearest beat)\n`);
    const takes = [...(await Promise.all(dirs.map((d) => readTake(d)))), ...runs];
    if (takes.length === 1) ctx.stderr('precue train: one take: nothing is held out, so nothing will be validated (record more takes to measure the model)\n');
    ctx.stderr(
      tempoMode === 'auto'
        ? `precue train: learning the tempo from ${takes.length} takes (${1 + TEMPO_CANDIDATES_BPM.length} listening passes)…\n`
        : `precue train: listening to ${takes.length} takes…\n`,
    );
    const { training, tempo, learned } = await listenTakes(takes, {
      ...(values.cache !== undefined ? { cache: values.cache } : {}),
      ...(threads !== undefined ? { threads } : {}),
      tempo: tempoMode,
      onTrial: (label, fit) => ctx.stderr(`  ${label.padEnd(14)} ${bar(fit)} ${(fit * 100).toFixed(0)} % of cues on a beat  ${duration(clock())}\n`),
      onListened: (done, total) => ctx.stderr(`\r  listened ${done}/${total} ${bar(done / total)} ${duration(clock())}${done === total ? '\n' : ''}`),
    });
    if (learned !== undefined) {
      ctx.stderr(
        tempo !== undefined
          ? `precue train: tempo ${learned.bpm.toFixed(1)} BPM, tracked in ${tempo.minBpm.toFixed(0)}–${tempo.maxBpm.toFixed(0)} BPM (${(learned.fit * 100).toFixed(0)} % of cues on a beat, ${(learned.defaultFit * 100).toFixed(0)} % with the defaults)\n`
          : `precue train: no tempo range learned (best ${(learned.fit * 100).toFixed(0)} % of cues on a beat, defaults ${(learned.defaultFit * 100).toFixed(0)} %); the tracker keeps its defaults\n`,
      );
    }
    const { tf, backend } = await loadTf();
    ctx.stderr(`precue train: training on tfjs ${backend}…\n`);
    const trained = await trainModel(tf, training, {
      seed,
      epochs,
      hiddenSize: hidden,
      augment,
      ...(tempo !== undefined ? { tempo } : {}),
      createdBy: 'precue 0.1.0',
      clock,
      progress: (p) =>
        ctx.stderr(
          `  epoch ${String(p.epoch).padStart(2)}/${p.epochs} ${bar(p.epoch / p.epochs)} loss ${p.loss.toFixed(4)} ${p.validationLoss === null || p.validationFireF1 === null ? 'not validated' : `val ${p.validationLoss.toFixed(4)} val-fire-F1 ${p.validationFireF1.toFixed(3)}`}${p.best ? ' *' : '  '} ~${duration(p.secondsLeft)} left\n`,
        ),
    });
    await saveModelFolder(values.out, trained.model, trained.meta, trained.alignment);
    const t = trained.meta.training;
    const opening = openingLine(trained.meta);
    ctx.stdout(
      `wrote ${values.out}: ${trained.meta.depts.map((d) => `${d} ${trained.meta.vocab[d]?.length ?? 0} cues`).join(', ')}; ` +
        `${t.takes.length} training + ${t.validationTakes.length} validation takes (${t.audioMinutes.toFixed(1)} min of audio), ` +
        `${t.epochs} epochs, ${t.validationLoss === null ? 'not validated (no take held out: record another take to measure the model; the best epoch was chosen on the training loss)' : `validation loss ${t.validationLoss.toFixed(4)}`}, ${duration(clock())}\n` +
        Object.entries(trained.meta.policy.depts).map(([d, p]) => `  ${d}: fire point ${p.firePoint}; ${p.why}\n`).join('') +
        openLine(openEntriesOf(trained.meta), trained.meta.features.follow?.reference) +
        (opening === undefined ? '' : `  ${opening}\n`),
    );
    return EXIT.ok;
  },
};

/** The open entries line of `precue train`'s report (empty when there are none). */
function openLine(entries: readonly string[], reference: string | undefined): string {
  return entries.length === 0 ? '' : `  open entries (the rehearsals disagree on when they come; armed for your GO, never fired by the model): ${entries.join(', ')} (times in ${reference ?? 'the followed rehearsal'})\n`;
}
