/**
 * MIDI in and out for a show: note/CC/program and MIDI Show Control out to named ports; MSC control,
 * performer notes and MIDI timecode in. Port names come from the show (`outputs.midi[].port`,
 * `inputs.midi.port`, `inputs.timecode.midiPort`, remapped by the venue) and match by case-insensitive
 * substring. Without a MIDI system it says so once and carries on: sends are counted as dropped.
 */
import { performance } from 'node:perf_hooks';
import { Subject, type Observable } from 'rxjs';
import { type ControlEvent } from '../../core/control.js';
import { DeviceError, InputError } from '../../core/errors.js';
import { type CueId, type DeptId } from '../../core/ids.js';
import { createLogger, type Logger } from '../../core/log.js';
import { decodeMidi, encodeMidi, type MidiChannelMessage, type MidiEvent } from '../../core/midi/midi.js';
import { encodeMsc, type MscMessage } from '../../core/midi/msc.js';
import { mscAddressedTo, mscToControl } from '../../core/midi/mscControl.js';
import { MtcChaseDecoder, type MtcChaseEvent } from '../../core/midi/mtc.js';
import { MidiTriggers } from '../../core/midi/triggers.js';
import { MTC_FREEWHEEL_MS, type Inputs, type MidiPortConfig } from '../../core/show/schema.js';
import { detectMidi, type MidiAvailability, type MidiInPort, type MidiOutPort } from './backend.js';

/** What MidiIo opens. */
export interface MidiIoOptions {
  /** The show's `outputs.midi`. */
  readonly ports: readonly MidiPortConfig[];
  /** The show's `inputs.midi` (MSC control) and `inputs.timecode`. */
  readonly inputs?: Pick<Inputs, 'midi' | 'timecode'>;
  /** Department for an MSC command format (e.g. 0x01 → LX); absent = commands without a department. */
  readonly deptForFormat?: (commandFormat: number) => DeptId | undefined;
  /** Each department's first cue (where MSC RESET puts the stacks). */
  readonly firstCues?: ReadonlyMap<DeptId, CueId>;
  /** Injected MIDI system (tests); default: detect the machine's. */
  readonly availability?: MidiAvailability;
  readonly log?: Logger;
}

/** A MIDI message that arrived, with its port. */
export interface MidiInEvent {
  readonly port: string;
  readonly event: MidiEvent;
}

/** Counters. */
export interface MidiIoStats {
  sent: number;
  /** Sends dropped because MIDI is off or the port is missing. */
  dropped: number;
  received: number;
  malformed: number;
  commands: number;
}

function findPort(names: readonly string[], wanted: string): number {
  const w = wanted.toLowerCase();
  const exact = names.findIndex((n) => n.toLowerCase() === w);
  return exact >= 0 ? exact : names.findIndex((n) => n.toLowerCase().includes(w));
}

/** MIDI for one show. */
export class MidiIo {
  private readonly outs = new Map<string, { config: MidiPortConfig; port: MidiOutPort | undefined }>();
  private readonly ins: MidiInPort[] = [];
  private readonly eventsSubject = new Subject<MidiInEvent>();
  private readonly commandsSubject = new Subject<ControlEvent>();
  private readonly timecodeSubject = new Subject<MtcChaseEvent>();
  private chase: MtcChaseDecoder | undefined;
  private chaseTimer: ReturnType<typeof setInterval> | undefined;
  /** Every MIDI message received on any open input. */
  readonly events$: Observable<MidiInEvent> = this.eventsSubject.asObservable();
  /** MSC addressed to us on `inputs.midi.port`, as commands. */
  readonly commands$: Observable<ControlEvent> = this.commandsSubject.asObservable();
  /** Chased MTC from `inputs.timecode.midiPort`. */
  readonly timecode$: Observable<MtcChaseEvent> = this.timecodeSubject.asObservable();
  readonly stats: MidiIoStats = { sent: 0, dropped: 0, received: 0, malformed: 0, commands: 0 };
  private readonly triggers: MidiTriggers;
  /** Unmapped MSC SET/FIRE already warned about (once each). */
  private readonly unmappedWarned = new Set<string>();
  /** Ports that could not be found or opened (the rest work). */
  readonly problems: DeviceError[] = [];
  /** Why MIDI is off, when it is. */
  readonly unavailableReason: string | undefined;

  private constructor(
    private readonly options: MidiIoOptions,
    availability: MidiAvailability,
    private readonly log: Logger,
  ) {
    this.unavailableReason = availability.available ? undefined : availability.reason;
    this.triggers = new MidiTriggers(options.inputs?.midi?.triggers ?? []);
    for (const c of options.ports) this.outs.set(c.id, { config: c, port: undefined });
  }

  /** Detects MIDI, opens the configured ports, and starts listening. Never rejects for missing hardware. */
  static async open(options: MidiIoOptions): Promise<MidiIo> {
    const log = options.log ?? createLogger('io/midi');
    const wanted = options.ports.length > 0 || options.inputs?.midi !== undefined || options.inputs?.timecode !== undefined;
    if (!wanted && options.availability === undefined) {
      // A show without MIDI never touches the MIDI system (and never warns about it).
      return new MidiIo(options, { available: false, reason: 'the show uses no MIDI' }, log);
    }
    const availability = options.availability ?? (await detectMidi());
    const io = new MidiIo(options, availability, log);
    if (!availability.available) {
      log.warn(availability.reason);
      return io;
    }
    io.openPorts(availability.backend);
    return io;
  }

  /** Ids of the configured ports that send (direction out or both). */
  get outputIds(): string[] {
    return [...this.outs.values()].filter((o) => o.config.direction !== 'in').map((o) => o.config.id);
  }

  /** True when a MIDI system was found. */
  get available(): boolean {
    return this.unavailableReason === undefined;
  }

  private openPorts(backend: Extract<MidiAvailability, { available: true }>['backend']): void {
    const outNames = backend.outputNames();
    const inNames = backend.inputNames();
    const missing = (what: string, wanted: string, names: string[]): void => {
      const e = new DeviceError(`midi ${what} '${wanted}'`, 'no such port', `available: ${names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ')}; fix the name in the show or the venue file`);
      this.problems.push(e);
      this.log.warn(e.message);
    };
    const tryOpen = <T>(what: string, open: () => T): T | undefined => {
      try {
        return open();
      } catch (err) {
        const e = new DeviceError(`midi ${what}`, `cannot open: ${err instanceof Error ? err.message : String(err)}`, 'is another program holding the port exclusively?');
        this.problems.push(e);
        this.log.warn(e.message);
        return undefined;
      }
    };
    for (const entry of this.outs.values()) {
      const c = entry.config;
      if (c.direction === 'in') continue;
      const i = findPort(outNames, c.port);
      if (i < 0) missing('output', c.port, outNames);
      else entry.port = tryOpen(`output '${c.port}'`, () => backend.openOutput(i));
    }
    // Inputs: performer/desk ports from outputs.midi (direction in/both), MSC control, timecode.
    const wantedIns = new Map<string, { msc: boolean; mtc: boolean }>();
    const want = (name: string, flags: { msc?: boolean; mtc?: boolean }): void => {
      const cur = wantedIns.get(name) ?? { msc: false, mtc: false };
      wantedIns.set(name, { msc: cur.msc || (flags.msc ?? false), mtc: cur.mtc || (flags.mtc ?? false) });
    };
    for (const c of this.options.ports) if (c.direction !== 'out') want(c.port, {});
    const mscIn = this.options.inputs?.midi;
    if (mscIn !== undefined) want(mscIn.port, { msc: true });
    const tc = this.options.inputs?.timecode;
    if (tc !== undefined) {
      want(tc.midiPort, { mtc: true });
      this.chase = new MtcChaseDecoder(100, tc.freewheelMs ?? MTC_FREEWHEEL_MS);
      this.chaseTimer = setInterval(() => {
        const ev = this.chase?.check(performance.now());
        if (ev !== undefined) this.timecodeSubject.next(ev);
      }, 50);
      this.chaseTimer.unref();
    }
    for (const [name, flags] of wantedIns) {
      const i = findPort(inNames, name);
      if (i < 0) {
        missing('input', name, inNames);
        continue;
      }
      const port = tryOpen(`input '${name}'`, () => backend.openInput(i, (bytes) => this.onMessage(inNames[i]!, bytes, flags)));
      if (port !== undefined) this.ins.push(port);
    }
  }

  private onMessage(port: string, bytes: readonly number[], flags: { msc: boolean; mtc: boolean }): void {
    this.stats.received++;
    let event: MidiEvent;
    try {
      event = decodeMidi(bytes);
    } catch (err) {
      this.stats.malformed++;
      this.log.debug(`dropped MIDI from ${port}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.eventsSubject.next({ port, event });
    if (flags.msc) this.onControl(port, event);
    if (flags.mtc && this.chase !== undefined) {
      const now = performance.now();
      const ev = event.kind === 'mtc-quarter' ? this.chase.quarterFrame(event.frame, now) : event.kind === 'mtc-full' ? this.chase.fullFrame(event.timecode) : undefined;
      if (ev !== undefined) this.timecodeSubject.next(ev);
    }
  }

  /** MSC and the show's note/CC/program triggers on the control port, as commands. */
  private onControl(port: string, event: MidiEvent): void {
    const emit = (commands: readonly ControlEvent['command'][], origin: 'msc' | 'midi'): void => {
      for (const command of commands) {
        this.stats.commands++;
        this.commandsSubject.next({ command, origin, from: port });
      }
    };
    if (event.kind === 'channel') {
      if (this.triggers.size > 0) emit(this.triggers.channel(event.message), 'midi');
      return;
    }
    if (event.kind !== 'msc') return;
    const mscIn = this.options.inputs?.midi;
    const opts = {
      deviceId: mscIn?.mscDeviceId ?? 0,
      ...(mscIn?.mscGroups !== undefined ? { groups: mscIn.mscGroups } : {}),
      ...(this.options.deptForFormat !== undefined ? { deptForFormat: this.options.deptForFormat } : {}),
      ...(this.options.firstCues !== undefined ? { firstCues: this.options.firstCues } : {}),
      triggers: this.triggers,
    };
    if (!mscAddressedTo(event.message, opts)) return;
    try {
      emit(mscToControl(event.message, opts), 'msc');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.stats.malformed++;
      const m = event.message;
      const key = `${m.command}:${m.control ?? m.macro ?? ''}`;
      // A desk that sends an unmapped SET on every fader move must not flood the log: once each.
      if ((m.command === 'SET' || m.command === 'FIRE') && !this.unmappedWarned.has(key)) {
        this.unmappedWarned.add(key);
        this.log.warn(`MSC from ${port}: ${message}`);
      } else this.log.debug(`dropped MSC from ${port}: ${message}`);
    }
  }

  private out(targetId: string): { config: MidiPortConfig; port: MidiOutPort | undefined } {
    const o = this.outs.get(targetId);
    if (o === undefined) throw new InputError('midi', `unknown MIDI target '${targetId}' (known: ${[...this.outs.keys()].join(', ') || 'none'})`);
    return o;
  }

  /** Sends raw bytes to a target port (dropped and counted when MIDI is off or the port is missing). */
  sendBytes(targetId: string, bytes: Uint8Array): void {
    const o = this.out(targetId);
    if (o.port === undefined) {
      this.stats.dropped++;
      return;
    }
    try {
      o.port.send(bytes);
      this.stats.sent++;
    } catch (err) {
      this.stats.dropped++;
      this.log.warn(`MIDI send to '${targetId}' failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Sends a note/CC/program message. */
  send(targetId: string, message: MidiChannelMessage): void {
    this.sendBytes(targetId, encodeMidi(message));
  }

  /** Sends MSC; the device ID defaults to the target's `mscDeviceId`. */
  sendMsc(targetId: string, message: Omit<MscMessage, 'deviceId'> & { readonly deviceId?: number }): void {
    const o = this.out(targetId);
    this.sendBytes(targetId, encodeMsc({ ...message, deviceId: message.deviceId ?? o.config.mscDeviceId }));
  }

  /** Closes every port and completes the streams. */
  close(): void {
    if (this.chaseTimer !== undefined) clearInterval(this.chaseTimer);
    for (const o of this.outs.values()) o.port?.close();
    for (const i of this.ins) i.close();
    this.eventsSubject.complete();
    this.commandsSubject.complete();
    this.timecodeSubject.complete();
  }
}

