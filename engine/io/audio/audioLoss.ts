/**
 * What the engine does when its live audio input is lost: the departments the model runs in `auto`
 * drop to `assist` (the model arms and counts down, a person confirms), as a set-mode by 'engine'
 * that every console shows in its log with the reason; outputs hold. When the input returns the
 * departments stay in assist: putting them back in auto is the operator's call.
 */
import type { Observable } from 'rxjs';
import type { ConsoleInput } from '../../core/arbiter/arbiter.js';
import { deptId } from '../../core/ids.js';
import type { Logger } from '../../core/log.js';
import type { AudioInputStatus } from './resilientAudio.js';

/** Subscribes to the input's status; returns the unsubscribe. */
export function handleAudioLoss(
  status$: Observable<AudioInputStatus>,
  autoDepts: () => readonly string[],
  commands: { next(input: ConsoleInput): void },
  log: Logger,
): () => void {
  const sub = status$.subscribe((s) => {
    if (s.kind === 'lost') {
      const depts = autoDepts();
      log.error(`audio input lost (${s.reason}); outputs hold; ${depts.length > 0 ? `${depts.join(', ')} auto → assist; ` : ''}re-opening it every 2 s`);
      for (const d of depts) commands.next({ command: { type: 'set-mode', dept: deptId(d), mode: 'assist' }, user: 'engine: audio input lost' });
    } else {
      log.warn(`audio input back after ${s.afterS.toFixed(1)} s; departments stay in assist until the operator puts them back in auto`);
    }
  });
  return () => sub.unsubscribe();
}
