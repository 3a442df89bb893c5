/**
 * Shadow mode on a department's card: while people fire the cues (`manual`, `assist`), how many of
 * their GOs the model had predicted and how far ahead it was, updated after every GO. A technical
 * director hands a department to the model after watching this line. Imports only the protocol.
 */
import { describeShadow, type EngineSnapshot } from '../../engine/core/protocol/index.js';

/** The shadow line for department `dept`, or null when there is nothing to show (no model, or auto with no GOs). */
export function shadowLine(s: EngineSnapshot, dept: string, mode: string): HTMLElement | null {
  const score = s.shadow?.find((x) => x.id === dept);
  if (score === undefined || (mode === 'auto' && score.gos === 0)) return null;
  const line = document.createElement('div');
  line.className = 'shadow-score';
  line.dataset['dept'] = dept;
  const label = document.createElement('span');
  label.className = 'shadow-label';
  label.textContent = 'SHADOW';
  const text = document.createElement('span');
  text.className = 'shadow-text';
  text.textContent = describeShadow(score);
  line.title = score.last === null ? 'the model is scored against each operator GO' : `last GO: cue ${score.last.cue}, ${score.last.leadMs === null ? 'not predicted' : `model ${score.last.leadMs >= 0 ? 'ahead' : 'behind'} by ${Math.abs(score.last.leadMs).toFixed(0)} ms`}`;
  line.append(label, text);
  return line;
}
