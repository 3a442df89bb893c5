/**
 * The exit codes of the `precue` command, as the README lists them; every command returns one of
 * these (none is written as a bare number elsewhere).
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** A problem in the user's input, a file, a port or a device: one located line says which. */
  failed: 1,
  /** The command line itself is wrong: unknown command or option, missing argument, a value out of range. */
  usage: 2,
  /** A bug in Precue (EX_SOFTWARE): printed with its stack. */
  bug: 70,
} as const;

/** One of the exit codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
