/**
 * The lost-follower badge on a department card: when the score follower cannot place the music (a
 * walk-in, a drop-out, a vamp it cannot place) the model stops firing there, and a department in
 * `auto` falls back to `assist` — its armed prediction waits for a confirm — until the follower
 * re-locks by itself. The badge says so, and why. Imports only the protocol.
 */
import type { DeptState } from '../../engine/core/protocol/index.js';

/** The badge for department `d`, or null while the follower is placed (or there is no prediction). */
export function followerLostBadge(d: DeptState): HTMLElement | null {
  const why = d.prediction?.lost;
  if (why === undefined) return null;
  const line = document.createElement('div');
  line.className = 'follower-lost';
  line.dataset['dept'] = d.id;
  const label = document.createElement('span');
  label.className = 'follower-lost-label';
  label.textContent = d.mode === 'auto' ? 'AUTO → ASSIST' : 'FOLLOWER LOST';
  const text = document.createElement('span');
  text.className = 'follower-lost-text';
  text.textContent = d.mode === 'auto' ? 'follower lost: confirm cues by hand until it re-locks' : 'follower lost: the model will not fire here until it re-locks';
  line.title = why;
  line.append(label, text);
  return line;
}
