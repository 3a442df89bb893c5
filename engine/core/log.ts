/**
 * The logger factory: the one module-level singleton the engine allows.
 *
 * Core code calls `createLogger('core/playback')`; the composition root decides where records go by
 * calling `setLogSink`. Until then records are dropped, so core stays pure and tests stay quiet.
 */

/** Severity, lowest first. Nothing in a per-frame path logs above `debug`. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One log record as a sink receives it. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly module: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** Where log records go (stderr, a file, the console's decision log…). */
export type LogSink = (record: LogRecord) => void;

/** A logger named by module. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** True when a record at `level` would reach the sink; use it to skip building costly fields. */
  enabled(level: LogLevel): boolean;
}

let sink: LogSink | undefined;
let threshold: number = levelRank.info;

/** Sets where every logger writes, and the lowest level written. Returns the previous sink. */
export function setLogSink(next: LogSink | undefined, minLevel: LogLevel = 'info'): LogSink | undefined {
  const previous = sink;
  sink = next;
  threshold = levelRank[minLevel];
  return previous;
}

/**
 * Runs `fn` with every logger silent and returns what it returns: for work that is not the show's
 * (the GO path's warm-up on a scratch show, `core/warmUp.ts`). Synchronous work only.
 */
export function withLogsMuted<T>(fn: () => T): T {
  const previous = sink;
  sink = undefined;
  try {
    return fn();
  } finally {
    sink = previous;
  }
}

/** Creates a logger for a module, e.g. `createLogger('io/artnet')`. */
export function createLogger(module: string): Logger {
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (sink === undefined || levelRank[level] < threshold) return;
    try {
      sink(fields === undefined ? { level, module, message } : { level, module, message, fields });
    } catch {
      // A failing sink must never break the caller (a DMX frame, an audio hop).
    }
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    enabled: (level) => sink !== undefined && levelRank[level] >= threshold,
  };
}
