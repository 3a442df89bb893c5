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
