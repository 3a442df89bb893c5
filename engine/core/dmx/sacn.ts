/**
 * sACN / ANSI E1.31-2018 packet encoding: data packets (per-source priority, per-packet sequence,
 * synchronisation address, stream-terminated option), synchronisation packets, universe discovery
 * packets (§8: which universes a source sends, every 10 s), the multicast address of a universe, and a
 * decoder for tests. Encoders write into preallocated buffers.
 */
import { InputError } from '../errors.js';

/** The UDP port E1.31 uses. */
export const SACN_PORT = 5568;
/** Length of a full data packet (512 slots). */
export const SACN_DATA_HEADER_BYTES = 126;

const ACN_PID = [0x41, 0x53, 0x43, 0x2d, 0x45, 0x31, 0x2e, 0x31, 0x37, 0x00, 0x00, 0x00]; // "ASC-E1.17\0\0\0"
const VECTOR_ROOT_E131_DATA = 0x00000004;
const VECTOR_ROOT_E131_EXTENDED = 0x00000008;
const VECTOR_E131_DATA_PACKET = 0x00000002;
const VECTOR_E131_EXTENDED_SYNCHRONIZATION = 0x00000001;
const VECTOR_E131_EXTENDED_DISCOVERY = 0x00000002;
const VECTOR_UNIVERSE_DISCOVERY_UNIVERSE_LIST = 0x00000001;

/** The universe discovery packets go to (E1.31 §8), outside the data universes' 1..63999. */
export const SACN_DISCOVERY_UNIVERSE = 64214;
/** Its multicast group. */
export const SACN_DISCOVERY_ADDRESS = '239.255.250.214';
/** How often a source announces its universes (E1.31 E131_UNIVERSE_DISCOVERY_INTERVAL). */
export const SACN_DISCOVERY_INTERVAL_MS = 10_000;
/** Universes listed per discovery page. */
export const SACN_DISCOVERY_PAGE_SIZE = 512;
const VECTOR_DMP_SET_PROPERTY = 0x02;

/** E1.31 framing options bits. */
export const SacnOptions = { preview: 0x80, streamTerminated: 0x40, forceSynchronization: 0x20 } as const;

/** The multicast group of a universe: 239.255.{hi}.{lo}. */
export function sacnMulticastAddress(universe: number): string {
  checkUniverse(universe);
  return `239.255.${(universe >> 8) & 0xff}.${universe & 0xff}`;
}

function checkUniverse(universe: number): void {
  if (!Number.isInteger(universe) || universe < 1 || universe > 63999) {
    throw new InputError('sacn', `universe ${universe} is outside 1..63999`);
  }
}

function u16(p: Uint8Array, at: number, v: number): void {
  p[at] = (v >> 8) & 0xff;
  p[at + 1] = v & 0xff;
}
function u32(p: Uint8Array, at: number, v: number): void {
  p[at] = (v >>> 24) & 0xff;
  p[at + 1] = (v >>> 16) & 0xff;
  p[at + 2] = (v >>> 8) & 0xff;
  p[at + 3] = v & 0xff;
}

/** Parses a CID written as a UUID string (with or without dashes) into 16 bytes. */
export function parseCid(cid: string): Uint8Array {
  const hex = cid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new InputError('sacn', `CID '${cid}' is not a UUID (32 hex digits)`);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** What identifies an sACN source and stream. */
export interface SacnStreamOptions {
  /** 1..63999. */
  readonly universe: number;
  /** 16-byte component identifier (stable per source; a UUID). */
  readonly cid: Uint8Array;
  /** Shown by receivers; truncated to 63 UTF-8 bytes. */
  readonly sourceName: string;
  /** 0..200, default 100. */
  readonly priority?: number;
  /** Synchronisation universe (0 = none). */
  readonly syncUniverse?: number;
  /** Slots per packet, 1..512 (default 512). */
  readonly channels?: number;
}

function writeRoot(p: Uint8Array, vector: number, cid: Uint8Array): void {
  u16(p, 0, 0x0010);
  u16(p, 2, 0x0000);
  p.set(ACN_PID, 4);
  u16(p, 16, 0x7000 | (p.length - 16));
  u32(p, 18, vector);
  p.set(cid.subarray(0, 16), 22);
}

/** Encodes E1.31 data packets for one universe into one preallocated buffer. */
export class SacnDataEncoder {
  /** The packet buffer. */
  readonly packet: Uint8Array;
  private sequence = 255;
  readonly channels: number;

  constructor(readonly options: SacnStreamOptions) {
    checkUniverse(options.universe);
    const priority = options.priority ?? 100;
    if (!Number.isInteger(priority) || priority < 0 || priority > 200) throw new InputError('sacn', `priority ${priority} is outside 0..200`);
    const sync = options.syncUniverse ?? 0;
    if (sync !== 0) checkUniverse(sync);
    if (options.cid.length !== 16) throw new InputError('sacn', 'CID must be 16 bytes');
    const channels = options.channels ?? 512;
    if (!Number.isInteger(channels) || channels < 1 || channels > 512) throw new InputError('sacn', `slot count ${channels} is outside 1..512`);
    this.channels = channels;
    const p = new Uint8Array(SACN_DATA_HEADER_BYTES + channels);
    writeRoot(p, VECTOR_ROOT_E131_DATA, options.cid);
    u16(p, 38, 0x7000 | (p.length - 38));
    u32(p, 40, VECTOR_E131_DATA_PACKET);
    const name = new TextEncoder().encode(options.sourceName);
    let n = Math.min(63, name.length);
    while (n > 0 && n < name.length && (name[n]! & 0xc0) === 0x80) n--; // do not cut a UTF-8 sequence
    p.set(name.subarray(0, n), 44); // rest of the 64 bytes stays 0 (null-terminated)
    p[108] = priority;
    u16(p, 109, sync);
    p[111] = 0;
    p[112] = 0;
    u16(p, 113, options.universe);
    u16(p, 115, 0x7000 | (p.length - 115));
    p[117] = VECTOR_DMP_SET_PROPERTY;
    p[118] = 0xa1;
    u16(p, 119, 0x0000);
    u16(p, 121, 0x0001);
    u16(p, 123, channels + 1);
    p[125] = 0x00; // start code
    this.packet = p;
  }

  /**
   * Changes the priority of the following packets (E1.31 §6.2.3: receivers follow the highest priority
   * among live sources, packet by packet). A hot standby raises it to take over.
   */
  setPriority(priority: number): void {
    if (!Number.isInteger(priority) || priority < 0 || priority > 200) throw new InputError('sacn', `priority ${priority} is outside 0..200`);
    this.packet[108] = priority;
  }

  /** The priority stamped on the packets. */
  get priority(): number {
    return this.packet[108]!;
  }

  /**
   * Copies `data` (slot 1 at index 0) and stamps the next sequence number and `options` bits
   * (`SacnOptions`). Returns the packet length.
   */
  encode(data: Uint8Array, options = 0): number {
    this.sequence = (this.sequence + 1) & 0xff;
    this.packet[111] = this.sequence;
    this.packet[112] = options & 0xff;
    const n = Math.min(this.channels, data.length);
    this.packet.set(n === data.length ? data : data.subarray(0, n), SACN_DATA_HEADER_BYTES);
    if (n < this.channels) this.packet.fill(0, SACN_DATA_HEADER_BYTES + n);
    return this.packet.length;
  }

  /** Sequence number of the last encoded packet. */
  get lastSequence(): number {
    return this.sequence;
  }
}

/** Encodes E1.31 synchronisation packets (49 bytes) for one sync universe. */
export class SacnSyncEncoder {
  /** The packet buffer. */
  readonly packet = new Uint8Array(49);
  private sequence = 255;

  constructor(
    readonly syncUniverse: number,
    cid: Uint8Array,
  ) {
    checkUniverse(syncUniverse);
    const p = this.packet;
    writeRoot(p, VECTOR_ROOT_E131_EXTENDED, cid);
    u16(p, 38, 0x7000 | (p.length - 38));
    u32(p, 40, VECTOR_E131_EXTENDED_SYNCHRONIZATION);
    u16(p, 45, syncUniverse);
    u16(p, 47, 0);
  }

  /** Stamps the next sequence number; returns the packet length. */
  encode(): number {
    this.sequence = (this.sequence + 1) & 0xff;
    this.packet[44] = this.sequence;
    return this.packet.length;
  }
}

/**
 * Encodes the universe discovery packets (one per page of 512) listing `universes` (sorted, deduplicated).
 * A source that sends no universes still announces an empty list.
 */
export function encodeUniverseDiscovery(cid: Uint8Array, sourceName: string, universes: readonly number[]): Uint8Array[] {
  if (cid.length !== 16) throw new InputError('sacn', 'CID must be 16 bytes');
  const list = [...new Set(universes)].sort((a, b) => a - b);
  for (const u of list) checkUniverse(u);
  const pages = Math.max(1, Math.ceil(list.length / SACN_DISCOVERY_PAGE_SIZE));
  if (pages > 256) throw new InputError('sacn', `${list.length} universes need more than 256 discovery pages`);
  const name = new TextEncoder().encode(sourceName);
  let n = Math.min(63, name.length);
  while (n > 0 && n < name.length && (name[n]! & 0xc0) === 0x80) n--;
  const out: Uint8Array[] = [];
  for (let page = 0; page < pages; page++) {
    const chunk = list.slice(page * SACN_DISCOVERY_PAGE_SIZE, (page + 1) * SACN_DISCOVERY_PAGE_SIZE);
    const p = new Uint8Array(120 + 2 * chunk.length);
    writeRoot(p, VECTOR_ROOT_E131_EXTENDED, cid);
    u16(p, 38, 0x7000 | (p.length - 38));
    u32(p, 40, VECTOR_E131_EXTENDED_DISCOVERY);
    p.set(name.subarray(0, n), 44);
    u16(p, 112, 0x7000 | (p.length - 112));
    u32(p, 114, VECTOR_UNIVERSE_DISCOVERY_UNIVERSE_LIST);
    p[118] = page;
    p[119] = pages - 1;
    chunk.forEach((u, i) => u16(p, 120 + 2 * i, u));
    out.push(p);
  }
  return out;
}

/** A decoded E1.31 packet. */
export type SacnPacket =
  | {
      readonly kind: 'data';
      readonly cid: Uint8Array;
      readonly sourceName: string;
      readonly priority: number;
      readonly syncUniverse: number;
      readonly sequence: number;
      readonly options: number;
      readonly universe: number;
      readonly startCode: number;
      readonly data: Uint8Array;
    }
  | { readonly kind: 'sync'; readonly cid: Uint8Array; readonly sequence: number; readonly syncUniverse: number }
  | { readonly kind: 'discovery'; readonly cid: Uint8Array; readonly sourceName: string; readonly page: number; readonly lastPage: number; readonly universes: readonly number[] };

/** Decodes an E1.31 data or sync packet; throws InputError on anything else. */
export function decodeSacn(bytes: Uint8Array): SacnPacket {
  if (bytes.length < 49 || ACN_PID.some((b, i) => bytes[4 + i] !== b)) throw new InputError('sacn', 'not an E1.31 packet (bad ACN identifier)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rootVector = view.getUint32(18);
  const cid = bytes.slice(22, 38);
  if (rootVector === VECTOR_ROOT_E131_EXTENDED) {
    const framing = view.getUint32(40);
    if (framing === VECTOR_E131_EXTENDED_DISCOVERY) {
      if (bytes.length < 120 || view.getUint32(114) !== VECTOR_UNIVERSE_DISCOVERY_UNIVERSE_LIST || (bytes.length - 120) % 2 !== 0) throw new InputError('sacn', 'malformed universe discovery packet');
      const nameBytes = bytes.subarray(44, 108);
      const end = nameBytes.indexOf(0);
      const universes: number[] = [];
      for (let at = 120; at < bytes.length; at += 2) universes.push(view.getUint16(at));
      return { kind: 'discovery', cid, sourceName: new TextDecoder().decode(end < 0 ? nameBytes : nameBytes.subarray(0, end)), page: bytes[118]!, lastPage: bytes[119]!, universes };
    }
    if (framing !== VECTOR_E131_EXTENDED_SYNCHRONIZATION) throw new InputError('sacn', 'unsupported extended packet');
    return { kind: 'sync', cid, sequence: bytes[44]!, syncUniverse: view.getUint16(45) };
  }
  if (rootVector !== VECTOR_ROOT_E131_DATA || bytes.length < SACN_DATA_HEADER_BYTES) throw new InputError('sacn', `unsupported root vector ${rootVector}`);
  const count = view.getUint16(123);
  if (count < 1 || bytes.length < 125 + count) throw new InputError('sacn', `property count ${count} does not fit the ${bytes.length}-byte packet`);
  const nameBytes = bytes.subarray(44, 108);
  const end = nameBytes.indexOf(0);
  return {
    kind: 'data',
    cid,
    sourceName: new TextDecoder().decode(end < 0 ? nameBytes : nameBytes.subarray(0, end)),
    priority: bytes[108]!,
    syncUniverse: view.getUint16(109),
    sequence: bytes[111]!,
    options: bytes[112]!,
    universe: view.getUint16(113),
    startCode: bytes[125]!,
    data: bytes.slice(126, 125 + count),
  };
}
