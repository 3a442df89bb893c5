import { describeError, formatProblem, ShowFileError, UsageError } from '../core/errors.js';
import type { CliContext, Command } from './command.js';
import { EXIT } from './exitCodes.js';

/**
 * The command table. Each subcommand lives in `commands/<name>.ts` and is loaded only when used, so
 * `precue validate` never pays for TensorFlow.
 */
const commands: ReadonlyArray<{ name: readonly string[]; summary: string; load: () => Promise<Command> }> = [
  { name: ['run'], summary: 'run a show live: audio in, predictions, playback, outputs, console', load: async () => (await import('./commands/run.js')).command },
  { name: ['validate'], summary: 'check a show folder (and its venues): every problem, located', load: async () => (await import('./commands/validate.js')).command },
  { name: ['schema'], summary: 'write the JSON Schemas of show and venue files', load: async () => (await import('./commands/schema.js')).command },
  { name: ['train'], summary: 'train the cue model from rehearsal takes', load: async () => (await import('./commands/train.js')).command },
  { name: ['eval'], summary: 'score a model on a held-out take against two baselines', load: async () => (await import('./commands/eval.js')).command },
  { name: ['record'], summary: "record a run of a show as a take (audio + every cue fired)", load: async () => (await import('./commands/record.js')).command },
  { name: ['report'], summary: 'the post-show report of a run or take: timeline, overrides and misses, shadow-mode score', load: async () => (await import('./commands/report.js')).command },
  { name: ['runs', 'list'], summary: "a show's runs: when, how long, whether their audio is kept", load: async () => (await import('./commands/runsPurge.js')).listCommand },
  { name: ['runs', 'purge'], summary: "remove runs' audio (performers are on it) past the show's retention, or all of it", load: async () => (await import('./commands/runsPurge.js')).command },
  { name: ['analyze'], summary: 'tempo, beats, downbeats, onsets and sections of a recording (causal pipeline, offline)', load: async () => (await import('./commands/analyze.js')).command },
  { name: ['grid'], summary: "a take's beat grid: analyse it, show it, correct it (shift half a beat, double, halve, downbeat)", load: async () => (await import('./commands/grid.js')).command },
  { name: ['token'], summary: "show or rotate a show's console tokens (kept between runs)", load: async () => (await import('./commands/token.js')).command },
  { name: ['fixtures', 'import'], summary: 'convert OFL .json and QLC+ .qxf fixture definitions into the fixture library', load: async () => (await import('./commands/fixturesImport.js')).command },
];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.join(' ').length), 8);
  const lines = commands.map((c) => `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`);
  return [
    'precue — show-control automation: listens, predicts the next cue, fires it on the beat.',
    '',
    'Usage: precue <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'precue <command> --help' for a command's options.",
    '',
  ].join('\n');
}

/** Node's own file errors (ENOENT, EACCES…) carry the path and the call: a user's mistake, said in one line. */
function fileErrorLine(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== 'string' || typeof e.path !== 'string') return undefined;
  const what: Record<string, string> = {
    ENOENT: 'no such file or folder', EACCES: 'permission denied', EPERM: 'not permitted', EISDIR: 'is a folder',
    ENOTDIR: 'a part of the path is not a folder', EEXIST: 'already exists', EROFS: 'read-only file system', ENOSPC: 'the disk is full',
  };
  const reason = what[e.code];
  if (reason === undefined) return undefined;
  const verb = e.syscall === 'open' || e.syscall === 'read' || e.syscall === 'scandir' || e.syscall === 'stat' ? 'cannot open' : e.syscall === 'mkdir' ? 'cannot create' : 'cannot write';
  return `${verb} ${e.path}: ${reason}`;
}

/** Runs the CLI and returns the exit code (`EXIT`). User errors print one line; bugs print a stack. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    ctx.stdout(usage());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const entry = [...commands]
    .sort((a, b) => b.name.length - a.name.length)
    .find((c) => c.name.every((word, i) => argv[i] === word));
  if (entry === undefined) {
    ctx.stderr(`precue: unknown command '${argv.join(' ')}'.\n\n${usage()}`);
    return EXIT.usage;
  }
  const rest = argv.slice(entry.name.length);
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      ctx.stdout(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
      return 0;
    }
    return await command.run(rest, ctx);
  } catch (err) {
    if (err instanceof ShowFileError && err.problems.length > 1) {
      ctx.stderr(`precue: ${err.problems.length} problems:\n${err.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
      return EXIT.failed;
    }
    const fileLine = fileErrorLine(err);
    if (fileLine !== undefined) {
      ctx.stderr(`precue ${entry.name.join(' ')}: ${fileLine}\n`);
      return EXIT.failed;
    }
    const { line, isBug } = describeError(err);
    // Messages that already name the command ("precue run: …") are not prefixed twice.
    ctx.stderr(isBug ? `precue: internal error (please report):\n${line}\n` : `${line.startsWith('precue') ? '' : 'precue: '}${line}\n`);
    return isBug ? EXIT.bug : err instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
}
