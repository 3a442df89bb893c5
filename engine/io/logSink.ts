/** Log records to a text stream (stderr for the CLI), one line each: time, level, module, message. */
import type { LogSink } from '../core/log.js';

/** A sink writing `HH:MM:SS.mmm LEVEL module: message {fields}` lines through `write`. */
export function stderrLogSink(write: (text: string) => void): LogSink {
  return (r) => {
    const time = new Date().toISOString().slice(11, 23);
    let fields = '';
    if (r.fields !== undefined) {
      try {
        fields = ` ${JSON.stringify(r.fields)}`;
      } catch {
        fields = ' {unserialisable fields}';
      }
    }
    write(`${time} ${r.level.toUpperCase().padEnd(5)} ${r.module}: ${r.message}${fields}\n`);
  };
}

/**
 * A sink that holds `info` and `debug` records back while a command starts: on `started()` they are
 * written in order and later records pass straight through; on `failed()` they are dropped, so a
 * start that fails prints its one error line and nothing else. Warnings and errors always pass.
 */
export function startupLogSink(inner: LogSink): { sink: LogSink; started(): void; failed(): void } {
  let held: Parameters<LogSink>[0][] | null = [];
  return {
    sink: (r) => {
      if (held !== null && (r.level === 'info' || r.level === 'debug')) held.push(r);
      else inner(r);
    },
    started() {
      const lines = held ?? [];
      held = null;
      for (const r of lines) inner(r);
    },
    failed() {
      held = null;
    },
  };
}
