/**
 * What happens to one incoming OSC control packet, in order of cost: the sender's packet budget (a
 * flood is dropped unread), the allow-list, the decode (osc-js), the address space
 * (engine/core/osc/control.ts). Every refusal is counted with its reason; the commands go to `emit`.
 * Runs in the OSC input thread (oscControlWorker.ts), never on the frame loop's.
 */
import { type ControlEvent } from '../../core/control.js';
import { InputError } from '../../core/errors.js';
import { oscToControl } from '../../core/osc/control.js';
import { decodeOscPacket } from '../../core/osc/packet.js';
import { RepeatingProblem } from '../repeatingProblem.js';
import { SourceBudget, type SourceBudgetOptions } from '../sourceBudget.js';

/** Listener settings (the show's `inputs.osc`). */
export interface OscControlOptions {
  readonly port: number;
  readonly host: string;
  /** Source IP addresses allowed to send control; absent = anyone. */
  readonly allow?: readonly string[];
  /** Packets per second per sender and in total before the rest is dropped unread. */
  readonly budget?: SourceBudgetOptions;
}

/** Counters. */
export interface OscControlStats {
  packets: number;
  commands: number;
  malformed: number;
  refused: number;
  unknown: number;
  /** Dropped unread: over the per-sender or total packet budget (a flood). */
  overBudget: number;
  lastProblem?: string;
}

/** Decodes, checks and maps packets to control events. */
export class OscPacketHandler {
  readonly stats: OscControlStats = { packets: 0, commands: 0, malformed: 0, refused: 0, unknown: 0, overBudget: 0 };
  private readonly budget: SourceBudget;
  private readonly flood: RepeatingProblem;
  private readonly allow: ReadonlySet<string> | undefined;

  constructor(
    options: { readonly allow?: readonly string[]; readonly budget?: SourceBudgetOptions },
    private readonly emit: (e: ControlEvent) => void,
    private readonly say: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void,
  ) {
    this.allow = options.allow === undefined ? undefined : new Set(options.allow.map((a) => a.replace(/^::ffff:/, '')));
    this.budget = new SourceBudget(options.budget, performance.now());
    this.flood = new RepeatingProblem('OSC control in', say);
  }

  private problem(kind: 'malformed' | 'refused' | 'unknown', detail: string): void {
    this.stats[kind]++;
    this.stats.lastProblem = detail;
    this.say('debug', `dropped OSC (${kind}): ${detail}`);
  }

  /** One datagram from `address:port`. */
  packet(bytes: Uint8Array, address: string, port: number): void {
    this.stats.packets++;
    const now = performance.now();
    if (!this.budget.take(address, now)) {
      this.stats.overBudget++;
      this.flood.occurred(`more packets than the control budget from ${address}; the excess is dropped unread`, now);
      return;
    }
    const from = `${address}:${port}`;
    if (this.allow !== undefined && !this.allow.has(address.replace(/^::ffff:/, ''))) {
      this.problem('refused', `${from} is not in inputs.osc.allow`);
      return;
    }
    let messages;
    try {
      messages = decodeOscPacket(bytes);
    } catch (err) {
      this.problem('malformed', `${from}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    for (const m of messages) {
      try {
        const command = oscToControl(m);
        this.stats.commands++;
        this.emit({ command, origin: 'osc', from });
      } catch (err) {
        if (err instanceof InputError) this.problem('unknown', `${from}: ${err.message}`);
        else this.say('error', `OSC control mapping failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
