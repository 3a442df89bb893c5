/**
 * Access to the machine's MIDI ports through RtMidi: the optional `@julusian/midi` package, which
 * ships prebuilt binaries for Linux (x64, arm, arm64), macOS and Windows, so installing needs no
 * compiler (the older `midi` package is used if that is what is installed). On Linux it needs the
 * ALSA sequencer (/dev/snd/seq): we check for it BEFORE loading the native module, because
 * constructing an Input/Output without it makes ALSA print errors to stderr. A missing module or
 * subsystem is reported once, clearly, and MIDI is switched off; the show goes on.
 */
import { existsSync } from 'node:fs';
import { platform } from 'node:process';

/** An open output port. */
export interface MidiOutPort {
  readonly name: string;
  send(bytes: Uint8Array): void;
  close(): void;
}

/** An open input port. */
export interface MidiInPort {
  readonly name: string;
  close(): void;
}

/** What the rest of io needs from a MIDI system (a fake one in tests). */
export interface MidiBackend {
  readonly name: string;
  inputNames(): string[];
  outputNames(): string[];
  openOutput(index: number): MidiOutPort;
  /** Opens an input that delivers SysEx (MSC) and timing (MTC) too. */
  openInput(index: number, onMessage: (bytes: readonly number[]) => void): MidiInPort;
}

/** Why MIDI is off, in one sentence with what to do. */
export type MidiAvailability = { readonly available: true; readonly backend: MidiBackend } | { readonly available: false; readonly reason: string };

interface RtMidiInput {
  getPortCount(): number;
  getPortName(i: number): string;
  openPort(i: number): void;
  closePort(): void;
  ignoreTypes(sysex: boolean, timing: boolean, activeSensing: boolean): void;
  on(event: 'message', fn: (deltaTime: number, message: number[]) => void): void;
}
interface RtMidiOutput {
  getPortCount(): number;
  getPortName(i: number): string;
  openPort(i: number): void;
  closePort(): void;
  sendMessage(message: number[]): void;
}
interface RtMidiModule {
  Input: new () => RtMidiInput;
  Output: new () => RtMidiOutput;
}

function rtMidiBackend(mod: RtMidiModule): MidiBackend {
  const names = (p: RtMidiInput | RtMidiOutput): string[] => Array.from({ length: p.getPortCount() }, (_, i) => p.getPortName(i));
  return {
    name: 'rtmidi',
    inputNames: () => {
      const i = new mod.Input();
      try {
        return names(i);
      } finally {
        i.closePort();
      }
    },
    outputNames: () => {
      const o = new mod.Output();
      try {
        return names(o);
      } finally {
        o.closePort();
      }
    },
    openOutput: (index) => {
      const o = new mod.Output();
      const name = o.getPortName(index);
      o.openPort(index);
      return { name, send: (bytes) => o.sendMessage(Array.from(bytes)), close: () => o.closePort() };
    },
    openInput: (index, onMessage) => {
      const i = new mod.Input();
      const name = i.getPortName(index);
      // RtMidi drops SysEx and timing messages until told otherwise: MSC and MTC would vanish silently.
      i.ignoreTypes(false, false, true);
      i.on('message', (_dt, message) => onMessage(message));
      i.openPort(index);
      return { name, close: () => i.closePort() };
    },
  };
}

/** Loads the RtMidi binding: `@julusian/midi`, else the older `midi`. */
async function loadRtMidi(): Promise<unknown> {
  // Variable specifiers: both are optional dependencies (the second has no type declarations).
  const specifiers = ['@julusian/midi', 'midi'];
  let first: unknown;
  for (const specifier of specifiers) {
    try {
      return await import(specifier);
    } catch (err) {
      first ??= err;
    }
  }
  throw first;
}

/**
 * Finds the machine's MIDI system. Linux without /dev/snd/seq (containers, CI, servers without the
 * snd-seq module) → unavailable, with the reason; the `midi` package missing → unavailable, with how
 * to install it.
 */
export async function detectMidi(options: { readonly seqDevice?: string; readonly load?: () => Promise<unknown> } = {}): Promise<MidiAvailability> {
  const seq = options.seqDevice ?? '/dev/snd/seq';
  if (platform === 'linux' && !existsSync(seq)) {
    return { available: false, reason: `no ALSA sequencer (${seq} is missing): load the snd-seq kernel module or pass /dev/snd into the container; MIDI is off` };
  }
  let mod: unknown;
  try {
    mod = await (options.load ?? loadRtMidi)();
  } catch (err) {
    return {
      available: false,
      reason: `the optional '@julusian/midi' package is not installed or cannot load here (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): npm install @julusian/midi (prebuilt; no compiler needed); MIDI is off`,
    };
  }
  const m = (mod as { default?: RtMidiModule }).default ?? (mod as RtMidiModule);
  if (typeof m.Input !== 'function' || typeof m.Output !== 'function') return { available: false, reason: 'the MIDI package does not look like RtMidi bindings; MIDI is off' };
  return { available: true, backend: rtMidiBackend(m) };
}
