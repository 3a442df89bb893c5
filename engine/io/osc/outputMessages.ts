/**
 * Sends the messages a cue carries (`cue.messages`: OSC, OSC bundles, MIDI, MSC, VISCA) to the
 * right transport, and puts those outputs in their safe state on PANIC (MIDI all-notes-off on every
 * channel, cameras stop moving). A bad or undeliverable message is logged and counted, never thrown:
 * one broken message must not stop the cue's other messages or the show.
 *
 * (Lives beside the OSC sender because OSC is most of the traffic; it spans every message transport.)
 */
import { assertNever, InputError } from '../../core/errors.js';
import { createLogger, type Logger } from '../../core/log.js';
import { parseTimecode } from '../../core/midi/timecode.js';
import { type CueId, type DeptId } from '../../core/ids.js';
import { type Inputs, type MidiPortConfig, type OscTarget, type OutputMessage, type ViscaCamera } from '../../core/show/schema.js';
import { viscaPanTilt, viscaPresetRecall, viscaPresetStore, viscaZoom } from '../../core/visca/visca.js';
import { type MidiAvailability } from '../midi/backend.js';
import { MidiIo } from '../midi/midiIo.js';
import { ViscaClient } from '../visca/viscaClient.js';
import { RepeatingProblem } from '../repeatingProblem.js';
import { OscSender } from './oscSender.js';

/** The transports a show has (any may be absent). */
export interface OutputTransports {
  readonly osc?: OscSender;
  /** What PANIC sends besides MIDI all-notes-off and camera stops: each OSC target's `panic` messages, MSC ALL_OFF to these MIDI ports. */
  readonly panic?: { readonly osc: readonly OscTarget[]; readonly mscPorts: readonly string[] };
  readonly midi?: MidiIo;
  /** Cameras by `outputs.visca[].id`. */
  readonly cameras?: ReadonlyMap<string, ViscaClient>;
  readonly log?: Logger;
}

/** Counters. */
export interface OutputMessageStats {
  sent: number;
  failed: number;
  lastError?: string;
}

/** Routes cue messages to OSC, MIDI/MSC and VISCA. */
export class OutputMessageSender {
  readonly stats: OutputMessageStats = { sent: 0, failed: 0 };
  private readonly log: Logger;

  constructor(private readonly t: OutputTransports) {
    this.log = t.log ?? createLogger('io/outputs');
  }

  /** Per output: a dead device is logged once with a count, not once per message. */
  private readonly problems = new Map<string, RepeatingProblem>();

  private problem(target: string): RepeatingProblem {
    let p = this.problems.get(target);
    if (p === undefined) {
      p = new RepeatingProblem(`cue messages to ${target}`, (level, message) => this.log[level](message));
      this.problems.set(target, p);
    }
    return p;
  }

  private fail(msg: OutputMessage, err: unknown): void {
    this.stats.failed++;
    this.stats.lastError = `${msg.kind} → ${msg.target}: ${err instanceof Error ? err.message : String(err)}`;
    this.problem(`${msg.kind} '${msg.target}'`).occurred(`not sent: ${err instanceof Error ? err.message : String(err)}`, performance.now());
  }

  private sent(msg: OutputMessage): void {
    this.problems.get(`${msg.kind} '${msg.target}'`)?.cleared();
  }

  private camera(id: string): ViscaClient {
    const c = this.t.cameras?.get(id);
    if (c === undefined) throw new InputError('visca', `unknown camera '${id}' (known: ${[...(this.t.cameras?.keys() ?? [])].join(', ') || 'none'})`);
    return c;
  }

  /** Sends one cue message. Never throws. */
  send(msg: OutputMessage): void {
    try {
      switch (msg.kind) {
        case 'osc':
          this.need(this.t.osc, 'OSC').send(msg.target, { address: msg.address, args: msg.args });
          break;
        case 'osc-bundle':
          this.need(this.t.osc, 'OSC').sendBundle(msg.target, msg.messages);
          break;
        case 'midi':
          this.need(this.t.midi, 'MIDI').send(msg.target, msg.message);
          break;
        case 'msc': {
          const { kind: _k, target, time, ...rest } = msg;
          this.need(this.t.midi, 'MIDI').sendMsc(target, { ...rest, ...(time !== undefined ? { time: { ...parseTimecode(time, 30), fractionalFrames: 0 } } : {}) });
          break;
        }
        case 'visca': {
          const cam = this.camera(msg.target);
          let payload: Uint8Array;
          switch (msg.action) {
            case 'recall':
              payload = viscaPresetRecall(msg.preset);
              break;
            case 'store':
              payload = viscaPresetStore(msg.preset);
              break;
            case 'pan-tilt':
              payload = viscaPanTilt(msg.direction, msg.panSpeed, msg.tiltSpeed);
              break;
            case 'zoom':
              payload = viscaZoom(msg.direction, msg.speed);
              break;
          }
          cam.send(payload).then(
            (r) => {
              if (r.superseded !== true) this.sent(msg);
            },
            (err: unknown) => this.fail(msg, err),
          );
          this.stats.sent++;
          return;
        }
        case 'obs':
        case 'atem':
        case 'casparcg':
        case 'shot':
          // The video outputs (engine/io/video) route these before they reach this sender.
          throw new InputError('outputs', `${msg.kind} messages go to the video outputs, not this sender`);
        default:
          assertNever(msg, 'output message');
      }
      this.stats.sent++;
      this.sent(msg);
    } catch (err) {
      this.fail(msg, err);
    }
  }

  /** Sends every message of a cue, in order. */
  sendAll(messages: readonly OutputMessage[]): void {
    for (const m of messages) this.send(m);
  }

  private need<T>(transport: T | undefined, what: string): T {
    if (transport === undefined) throw new InputError('outputs', `the show has no ${what} outputs configured`);
    return transport;
  }

  /**
   * PANIC for message outputs: each OSC target's `panic` messages; MSC ALL_OFF to every port the show
   * sends MSC to; MIDI all-notes-off (CC 123) on every channel of every port; cameras stop.
   */
  panic(): void {
    const midi = this.t.midi;
    for (const target of this.t.panic?.osc ?? []) {
      for (const m of target.panic ?? []) {
        try {
          this.need(this.t.osc, 'OSC').send(target.id, { address: m.address, args: m.args });
        } catch (err) {
          this.log.warn(`PANIC: OSC '${target.id}': ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    if (midi !== undefined) {
      for (const id of this.t.panic?.mscPorts ?? []) {
        try {
          midi.sendMsc(id, { commandFormat: 0x7f, command: 'ALL_OFF' });
        } catch (err) {
          this.log.warn(`PANIC: MSC '${id}': ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      for (const id of midi.outputIds) {
        for (let channel = 1; channel <= 16; channel++) {
          try {
            midi.send(id, { type: 'cc', channel, number: 123, value: 0 });
          } catch (err) {
            this.log.warn(`PANIC: MIDI '${id}': ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
    }
    for (const [id, cam] of this.t.cameras ?? []) {
      for (const payload of [viscaPanTilt('stop', 1, 1), viscaZoom('stop')]) {
        cam.send(payload).catch((err: unknown) => this.problem(`PANIC to camera '${id}'`).occurred(err instanceof Error ? err.message : String(err), performance.now()));
      }
    }
  }
}

/** Everything `openMessageOutputs` opened. */
export interface MessageOutputs {
  /** Routes `pipeline.messages$` (cue messages) to the transports. */
  readonly sender: OutputMessageSender;
  readonly osc: OscSender;
  readonly midi: MidiIo;
  readonly cameras: ReadonlyMap<string, ViscaClient>;
  /** One line per transport for the start-up banner (including what is off and why). */
  readonly banner: readonly string[];
  /** Closes every transport. */
  close(): Promise<void>;
}

/**
 * Opens the show's message outputs (OSC targets, MIDI ports with MSC in and MTC chase, VISCA cameras)
 * and the router for cue messages. Missing MIDI hardware or ports never reject: they are reported in
 * `banner` and `midi.problems`, and those sends are dropped and counted.
 */
export async function openMessageOutputs(
  outputs: { readonly osc: readonly OscTarget[]; readonly midi: readonly MidiPortConfig[]; readonly visca: readonly ViscaCamera[] },
  inputs: Pick<Inputs, 'midi' | 'timecode'>,
  options: {
    readonly deptForFormat?: (commandFormat: number) => DeptId | undefined;
    /** Each department's first cue (MSC RESET). */
    readonly firstCues?: ReadonlyMap<DeptId, CueId>;
    readonly midiAvailability?: MidiAvailability;
    /** MIDI ports the show sends MSC to: PANIC sends them ALL_OFF. */
    readonly mscPorts?: readonly string[];
    readonly log?: Logger;
  } = {},
): Promise<MessageOutputs> {
  const log = options.log ?? createLogger('io/outputs');
  const osc = new OscSender(outputs.osc, createLogger('io/osc'));
  await osc.open();
  const midi = await MidiIo.open({
    ports: outputs.midi,
    inputs,
    ...(options.deptForFormat !== undefined ? { deptForFormat: options.deptForFormat } : {}),
    ...(options.firstCues !== undefined ? { firstCues: options.firstCues } : {}),
    ...(options.midiAvailability !== undefined ? { availability: options.midiAvailability } : {}),
    log: createLogger('io/midi'),
  });
  const cameras = new Map<string, ViscaClient>();
  for (const c of outputs.visca) {
    const client = new ViscaClient(c, { log: createLogger('io/visca') });
    await client.open();
    cameras.set(c.id, client);
  }
  const banner: string[] = [];
  if (outputs.midi.length > 0 || inputs.midi !== undefined || inputs.timecode !== undefined) {
    banner.push(midi.available ? `MIDI: ${outputs.midi.map((p) => `${p.id} '${p.port}' (${p.direction})`).join(', ') || 'inputs only'}` : `MIDI: off — ${midi.unavailableReason ?? ''}`);
    for (const p of midi.problems) banner.push(`  MIDI problem: ${p.message}`);
  }
  const sender = new OutputMessageSender({ osc, midi, cameras, log, panic: { osc: outputs.osc, mscPorts: options.mscPorts ?? [] } });
  return {
    sender,
    osc,
    midi,
    cameras,
    banner,
    async close() {
      midi.close();
      await Promise.all([osc.close(), ...[...cameras.values()].map((c) => c.close())]);
    },
  };
}
