/**
 * A small Standard MIDI File reader and writer, enough to cut, rearrange and re-time POP909 songs.
 *
 * The reader turns every track into timed events in seconds (the tempo map applied); the writer emits a
 * format-0 file at a fixed tempo, so seconds map to ticks exactly (1 tick = 1/1920 s).
 */

/** One channel message or meta event, timed in seconds from the start of the file. */
export interface MidiEvent {
  readonly t: number;
  /** Status byte with channel (0x80..0xEF) for channel messages; 0xFF for meta; 0xF0/0xF7 for sysex. */
  readonly status: number;
  /** Data bytes (channel messages: 1 or 2 bytes; meta: the payload). */
  readonly data: Uint8Array;
  /** Meta type when `status === 0xff`. */
  readonly metaType?: number;
}

/** A note with its on and off time, the unit that is cut and moved. */
export interface MidiNote {
  readonly channel: number;
  readonly key: number;
  readonly velocity: number;
  readonly on: number;
  readonly off: number;
}

/** A parsed song: notes plus the other channel messages (program, controllers, pitch bend). */
export interface MidiSong {
  readonly notes: MidiNote[];
  /** Non-note channel messages in time order. */
  readonly controls: MidiEvent[];
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  u8(): number {
    const v = this.bytes[this.pos];
    if (v === undefined) throw new Error(`MIDI file truncated at byte ${this.pos}`);
    this.pos += 1;
    return v;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  u32(): number {
    return ((this.u8() << 24) >>> 0) + (this.u8() << 16) + (this.u8() << 8) + this.u8();
  }
  vlq(): number {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.u8();
      v = (v << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) return v;
    }
    throw new Error(`bad variable-length quantity at byte ${this.pos}`);
  }
  tag(): string {
    return String.fromCharCode(this.u8(), this.u8(), this.u8(), this.u8());
  }
  bytesN(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw new Error(`MIDI chunk overruns the file at byte ${this.pos}`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

interface TickEvent {
  tick: number;
  order: number;
  status: number;
  data: Uint8Array;
  metaType?: number;
}

/** Parses an SMF (format 0 or 1, PPQ division) into timed events. Throws on a malformed file. */
export function readSmf(bytes: Uint8Array): MidiEvent[] {
  const r = new Reader(bytes);
  if (r.tag() !== 'MThd') throw new Error('not a MIDI file (no MThd header)');
  const headerLen = r.u32();
  const start = r.pos;
  r.u16(); // format
  const tracks = r.u16();
  const division = r.u16();
  if ((division & 0x8000) !== 0) throw new Error('SMPTE time division is not supported');
  r.pos = start + headerLen;
  const events: TickEvent[] = [];
  let order = 0;
  for (let tr = 0; tr < tracks && r.pos < bytes.length; tr++) {
    const tag = r.tag();
    const len = r.u32();
    const end = r.pos + len;
    if (tag !== 'MTrk') {
      r.pos = end;
      continue;
    }
    let tick = 0;
    let running = 0;
    while (r.pos < end) {
      tick += r.vlq();
      let status = r.u8();
      if (status < 0x80) {
        if (running === 0) throw new Error(`running status without a previous status at byte ${r.pos}`);
        r.pos -= 1;
        status = running;
      }
      if (status === 0xff) {
        const type = r.u8();
        const data = r.bytesN(r.vlq());
        events.push({ tick, order: order++, status, data, metaType: type });
        if (type === 0x2f) break;
      } else if (status === 0xf0 || status === 0xf7) {
        events.push({ tick, order: order++, status, data: r.bytesN(r.vlq()) });
      } else {
        running = status;
        const kind = status & 0xf0;
        const n = kind === 0xc0 || kind === 0xd0 ? 1 : 2;
        events.push({ tick, order: order++, status, data: r.bytesN(n).slice() });
      }
    }
    r.pos = end;
  }
  events.sort((a, b) => a.tick - b.tick || a.order - b.order);
  // Apply the tempo map (tempo events may sit in any track of a format-1 file).
  let usPerQn = 500000;
  let lastTick = 0;
  let lastT = 0;
  const out: MidiEvent[] = [];
  for (const e of events) {
    const t = lastT + ((e.tick - lastTick) * usPerQn) / division / 1e6;
    lastTick = e.tick;
    lastT = t;
    if (e.status === 0xff && e.metaType === 0x51 && e.data.length === 3) {
      usPerQn = ((e.data[0] ?? 0) << 16) | ((e.data[1] ?? 0) << 8) | (e.data[2] ?? 0);
    }
    out.push(e.metaType === undefined ? { t, status: e.status, data: e.data } : { t, status: e.status, data: e.data, metaType: e.metaType });
  }
  return out;
}

/** Pairs note-ons with note-offs; keeps other channel messages as controls. */
export function toSong(events: readonly MidiEvent[]): MidiSong {
  const open = new Map<number, { on: number; velocity: number }[]>();
  const notes: MidiNote[] = [];
  const controls: MidiEvent[] = [];
  for (const e of events) {
    if (e.status >= 0xf0) continue;
    const kind = e.status & 0xf0;
    const channel = e.status & 0x0f;
    const key = e.data[0] ?? 0;
    const vel = e.data[1] ?? 0;
    const id = channel * 128 + key;
    if (kind === 0x90 && vel > 0) {
      const list = open.get(id) ?? [];
      list.push({ on: e.t, velocity: vel });
      open.set(id, list);
    } else if (kind === 0x80 || (kind === 0x90 && vel === 0)) {
      const first = open.get(id)?.shift();
      if (first !== undefined) notes.push({ channel, key, velocity: first.velocity, on: first.on, off: e.t });
    } else {
      controls.push(e);
    }
  }
  notes.sort((a, b) => a.on - b.on);
  return { notes, controls };
}

function vlq(n: number): number[] {
  const out = [n & 0x7f];
  let v = n >>> 7;
  while (v > 0) {
    out.unshift((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  return out;
}

/** Ticks per second of files written by `writeSmf` (960 PPQ at 120 BPM). */
export const TICKS_PER_SECOND = 1920;

/** Writes notes and controls as a format-0 SMF at 120 BPM, 960 PPQ (times rounded to 1/1920 s). */
export function writeSmf(song: MidiSong): Uint8Array {
  const timed: { tick: number; rank: number; bytes: number[] }[] = [];
  for (const c of song.controls) timed.push({ tick: Math.round(c.t * TICKS_PER_SECOND), rank: 0, bytes: [c.status, ...c.data] });
  for (const n of song.notes) {
    const on = Math.round(n.on * TICKS_PER_SECOND);
    const off = Math.max(on + 1, Math.round(n.off * TICKS_PER_SECOND));
    timed.push({ tick: on, rank: 2, bytes: [0x90 | n.channel, n.key, Math.max(1, Math.min(127, n.velocity))] });
    timed.push({ tick: off, rank: 1, bytes: [0x80 | n.channel, n.key, 0] });
  }
  timed.sort((a, b) => a.tick - b.tick || a.rank - b.rank);
  const track: number[] = [0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20];
  let last = 0;
  for (const e of timed) {
    track.push(...vlq(Math.max(0, e.tick - last)), ...e.bytes);
    last = Math.max(last, e.tick);
  }
  track.push(0x00, 0xff, 0x2f, 0x00);
  const header = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x03, 0xc0];
  const len = track.length;
  return Uint8Array.from([...header, 0x4d, 0x54, 0x72, 0x6b, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff, ...track]);
}
