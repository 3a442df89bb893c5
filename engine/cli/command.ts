import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.js';

/** What a subcommand may touch: output streams and the way to end the process (passed in, never global). */
export interface CliContext {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Ends the process; only long-running commands (`run`) call it, on a signal. */
  readonly exit: (code: number) => void;
}

/** One `precue` subcommand. `run` returns the exit code. */
export interface Command {
  /** Words after `precue`, e.g. `['fixtures', 'import']`. */
  readonly name: readonly string[];
  readonly summary: string;
  /** Full `--help` text: usage line, arguments, options, an example. */
  readonly help: string;
  run(args: readonly string[], ctx: CliContext): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs that turns its errors into a UsageError naming the command. */
export function parseCommandArgs<O extends Options>(command: string, args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new UsageError(`precue ${command}: ${detail}. See 'precue ${command} --help'.`);
  }
}

/** Reads a numeric option, refusing anything that is not a finite number. */
export function numberOption(command: string, name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`precue ${command}: --${name} must be a number, got '${value}'.`);
  return n;
}

/** Reads a UDP/TCP port option: an integer 0..65535 (0 = any free port where the option allows it). */
export function portOption(command: string, name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError(`precue ${command}: --${name} must be a port number from 0 to 65535, got '${value}'.`);
  }
  return n;
}
