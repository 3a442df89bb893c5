/**
 * Errors say what kind of failure they are. A user sees `message` (one clear sentence and where to
 * look); a stack trace is printed only for `BugError` and unknown errors.
 */

/** Base class of every error Precue raises on purpose. */
export abstract class PrecueError extends Error {
  abstract readonly kind: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found in a show, venue, take or fixture file. */
export interface FileProblem {
  /** The file, as the user named it or relative to the show folder. */
  readonly file: string;
  /** JSON path such as `departments[0].cues[3].levels.par9`, or '' for the whole file. */
  readonly path: string;
  /** 1-based line and column in the file, when known. */
  readonly line?: number;
  readonly column?: number;
  /** What is wrong, e.g. "fixture 'par9' is not patched". */
  readonly message: string;
  /** What was expected, e.g. "a DMX address from 1 to 512". */
  readonly expected?: string;
}

/** Formats a problem as `file:line:col: path: message (expected …)`. */
export function formatProblem(p: FileProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  const path = p.path === '' ? '' : ` ${p.path}:`;
  const expected = p.expected !== undefined ? ` (expected ${p.expected})` : '';
  return `${where}:${path} ${p.message}${expected}`;
}

/** A show, venue, take, model or fixture file that cannot be used as it is. Carries every problem found. */
export class ShowFileError extends PrecueError {
  readonly kind = 'show-file';
  readonly problems: readonly FileProblem[];
  constructor(problems: readonly FileProblem[], options?: { cause?: unknown }) {
    const first = problems[0];
    const head = first === undefined ? 'invalid file' : formatProblem(first);
    super(problems.length > 1 ? `${head} (and ${problems.length - 1} more problems)` : head, options);
    this.problems = problems;
  }
}

/** A device or port that cannot be reached or used: names the device and what to check. */
export class DeviceError extends PrecueError {
  readonly kind = 'device';
  constructor(
    readonly device: string,
    detail: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(`${device}: ${detail}${hint !== undefined ? ` — ${hint}` : ''}`, options);
  }
}

/** Bad input from outside at run time (an OSC packet, MIDI message, console command): dropped, counted. */
export class InputError extends PrecueError {
  readonly kind = 'input';
  constructor(
    readonly source: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${detail}`, options);
  }
}

/** A command-line usage mistake. */
export class UsageError extends PrecueError {
  readonly kind = 'usage';
}

/** Something that cannot happen did. Always printed with its stack. */
export class BugError extends PrecueError {
  readonly kind = 'bug';
}

/** Exhaustiveness guard for switches over unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new BugError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** One line for a user: the message for our errors, the stack for bugs and unknown errors. */
export function describeError(err: unknown): { line: string; isBug: boolean } {
  if (err instanceof PrecueError && !(err instanceof BugError)) return { line: err.message, isBug: false };
  if (err instanceof Error) return { line: err.stack ?? err.message, isBug: true };
  return { line: String(err), isBug: true };
}
