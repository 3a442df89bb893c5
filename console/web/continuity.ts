/**
 * The continuity strip under the header: whether this engine is a hot standby following a primary (and
 * how the link is), or a standby that took control (when and why), with TAKE CONTROL and HAND BACK;
 * whether it resumed from its journal after a restart, and from where; a journal that is not written.
 * Hidden for a primary with nothing to say. Imports only the protocol (types).
 */
import type { ConsoleCommand, ContinuityState, EngineSnapshot } from '../../engine/core/protocol/index.js';
import { el } from './dom.js';

const LINK_TEXT: Readonly<Record<NonNullable<ContinuityState['primary']>['link'], string>> = {
  connecting: 'connecting',
  following: 'following',
  lost: 'LOST',
  unreachable: 'unreachable',
  refused: 'REFUSED',
};

/** One line of where a resume put each department. */
export function resumeText(r: NonNullable<ContinuityState['resumed']>): string {
  const depts = r.depts.map((d) => `${d.dept} at ${d.cue === null ? 'the top' : `cue ${d.cue}`}${d.mode !== undefined ? ` (${d.mode})` : ''}${d.panicked ? ' in PANIC' : ''}`);
  const when = r.lastEntryAt !== null ? ` (last entry ${new Date(r.lastEntryAt).toLocaleTimeString()})` : '';
  return `RESUMED after a restart from the journal${when}: ${depts.join(', ') || 'nothing'}${r.panic ? '; outputs in PANIC' : ''}`;
}

/** The strip; `send` carries a command out as the page's own buttons do. */
export class ContinuityStrip {
  private readonly box: HTMLElement;
  private last = '';

  constructor(after: Element, private readonly send: (command: ConsoleCommand) => void) {
    this.box = el('div', 'continuity');
    this.box.id = 'continuity';
    this.box.hidden = true;
    after.after(this.box);
  }

  render(s: EngineSnapshot): void {
    const c = s.continuity;
    const key = JSON.stringify(c ?? null);
    if (key === this.last) return;
    this.last = key;
    if (c === undefined) {
      this.box.hidden = true;
      return;
    }
    const parts: HTMLElement[] = [];
    if (c.role === 'standby' || c.role === 'in-control') {
      const p = c.primary;
      const role = el('span', `cont-role ${c.role}`, c.role === 'standby' ? 'HOT STANDBY' : 'IN CONTROL');
      const link = p === null ? '' : `primary ${p.address}: ${LINK_TEXT[p.link]}${p.detail !== '' ? ` — ${p.detail}` : ''}`;
      const line = el('span', 'cont-text', c.role === 'standby' ? `${link}. Outputs defer to it (sACN ${c.outputs.sacnPriority ?? '—'}${c.outputs.silent ? ', Art-Net/USB silent' : ''}).` : `${c.tookControl !== null ? `${c.tookControl.reason}. ` : ''}${link}. Outputs: sACN ${c.outputs.sacnPriority ?? '—'}.`);
      parts.push(role, line);
      if (p !== null && p.differences.length > 0) parts.push(el('span', 'cont-diff', p.differences.join('; ')));
      if (c.role === 'standby') {
        const take = el('button', 'btn cont-take', 'TAKE CONTROL');
        take.tabIndex = -1;
        take.dataset['command'] = 'take-control';
        take.addEventListener('click', () => {
          if (window.confirm('Take the outputs from the primary now? Its receivers switch to this engine at once.')) this.send({ type: 'take-control' });
        });
        parts.push(take);
      } else if (p?.link === 'following') {
        const back = el('button', 'btn cont-back', 'HAND BACK');
        back.tabIndex = -1;
        back.dataset['command'] = 'hand-back';
        back.addEventListener('click', () => {
          if (window.confirm(`Give the outputs back to the primary at ${p.address}?`)) this.send({ type: 'hand-back' });
        });
        parts.push(back);
      }
    }
    if (c.resumed !== null) {
      parts.push(el('span', 'cont-resumed', resumeText(c.resumed)));
      for (const problem of c.resumed.problems) parts.push(el('span', 'cont-problem', problem));
      if (c.resumed.skippedLines > 0) parts.push(el('span', 'cont-problem', `${c.resumed.skippedLines} journal line(s) unreadable (see the engine log)`));
    }
    if (c.journal !== null && !c.journal.ok) parts.push(el('span', 'cont-problem', `JOURNAL OFF: ${c.journal.detail}`));
    this.box.replaceChildren(...parts);
    this.box.hidden = parts.length === 0;
    this.box.className = `continuity role-${c.role}`;
  }
}
