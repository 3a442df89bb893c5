/**
 * MIDI the show maps to commands (`inputs.midi.triggers`): notes, control changes and program changes
 * from a performer's keyboard, a foot controller or a desk, and MSC SET / FIRE, which name a fader or a
 * macro only the show can give a meaning to. A CC fires like a button (when its value rises to 64 or
 * more, or equals the trigger's `value`), except for the grand master, which follows the fader.
 * Stateful only in the last value seen per CC; pure otherwise (no time, no I/O).
 */
import { type ControlCommand } from '../control.js';
import { cueId, deptId } from '../ids.js';
import { type MidiTrigger, type TriggerAction } from '../show/schema.js';
import { type MidiChannelMessage } from './midi.js';
import { type MscMessage } from './msc.js';

/** The command an action stands for; `level` (0..1) feeds the grand master. */
export function actionCommand(a: TriggerAction, level: number): ControlCommand {
  const dept = 'dept' in a && a.dept !== undefined ? { dept: deptId(a.dept) } : {};
  switch (a.type) {
    case 'go':
    case 'back':
    case 'stop':
    case 'hold':
    case 'resume':
      return { type: a.type, ...dept };
    case 'cue':
      return { type: 'cueStart', cue: cueId(a.cue), ...dept };
    case 'load':
      return { type: 'cueLoad', cue: cueId(a.cue), ...dept };
    case 'panic':
      return { type: 'panic', ...(a.fadeMs !== undefined ? { fadeMs: a.fadeMs } : {}) };
    case 'blackout':
      return { type: 'blackout', on: a.on };
    case 'grand-master':
      return { type: 'grandMaster', level: Math.min(1, Math.max(0, level)), ...(a.fadeMs !== undefined ? { fadeMs: a.fadeMs } : {}) };
    case 'mode':
      return { type: 'setMode', dept: deptId(a.dept), mode: a.mode };
  }
}

/** A show's MIDI triggers, matched against incoming messages. */
export class MidiTriggers {
  private readonly lastCc = new Map<number, number>();

  constructor(private readonly triggers: readonly MidiTrigger[]) {}

  /** True when the show maps anything. */
  get size(): number {
    return this.triggers.length;
  }

  /** Commands a note, CC or program change triggers (none when it matches no trigger). */
  channel(m: MidiChannelMessage): ControlCommand[] {
    const out: ControlCommand[] = [];
    const key = (m.channel << 7) | m.number;
    const previous = m.type === 'cc' ? (this.lastCc.get(key) ?? 0) : 0;
    if (m.type === 'cc') this.lastCc.set(key, m.value ?? 0);
    for (const t of this.triggers) {
      const on = t.on;
      if ((on.type === 'note' || on.type === 'cc' || on.type === 'program') && on.channel !== undefined && on.channel !== m.channel) continue;
      switch (on.type) {
        case 'note':
          if (m.type === 'note-on' && m.number === on.note && (m.value ?? 0) > 0) out.push(actionCommand(t.do, (m.value ?? 127) / 127));
          break;
        case 'cc': {
          if (m.type !== 'cc' || m.number !== on.controller) break;
          const v = m.value ?? 0;
          if (t.do.type === 'grand-master') out.push(actionCommand(t.do, v / 127));
          else if (on.value !== undefined ? v === on.value && previous !== v : v >= 64 && previous < 64) out.push(actionCommand(t.do, v / 127));
          break;
        }
        case 'program':
          if (m.type === 'program' && m.number === on.program) out.push(actionCommand(t.do, 1));
          break;
        case 'msc-set':
        case 'msc-fire':
          break;
      }
    }
    return out;
  }

  /** Commands an MSC SET or FIRE triggers, or undefined when the show maps none for it. */
  msc(m: MscMessage): ControlCommand[] | undefined {
    const out: ControlCommand[] = [];
    for (const t of this.triggers) {
      if (t.on.type === 'msc-set' && m.command === 'SET' && m.control === t.on.control) out.push(actionCommand(t.do, (m.value ?? 0) / 16383));
      if (t.on.type === 'msc-fire' && m.command === 'FIRE' && m.macro === t.on.macro) out.push(actionCommand(t.do, 1));
    }
    return out.length > 0 ? out : undefined;
  }
}
