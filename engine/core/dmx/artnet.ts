/**
 * Art-Net 4 packet encoding (Art-Net 4 specification, Artistic Licence): ArtDmx and ArtPoll, plus
 * decoders used by tests and by anything that listens. Encoders write into preallocated buffers so
 * the frame clock allocates nothing per frame.
 */
import { InputError } from '../errors.js';

/** The UDP port Art-Net uses for everything. */
export const ARTNET_PORT = 6454;
/** Art-Net protocol revision we speak. */
export const ARTNET_PROTOCOL_VERSION = 14;
/** ArtDmx header length; the DMX data follows. */
export const ARTDMX_HEADER_BYTES = 18;

/** Art-Net opcodes we encode or decode (little-endian on the wire). */
export const ArtOpCode = { Poll: 0x2000, PollReply: 0x2100, Dmx: 0x5000, Sync: 0x5200 } as const;

const ID = [0x41, 0x72, 0x74, 0x2d, 0x4e, 0x65, 0x74, 0x00]; // "Art-Net\0"

/** Net (0..127), Sub-Net (0..15) and Universe (0..15): together the 15-bit Port-Address. */
export interface ArtnetAddress {
  readonly net: number;
  readonly subnet: number;
  readonly universe: number;
}

/** The 15-bit Port-Address of net/subnet/universe; throws InputError when a part is out of range. */
export function artnetPortAddress(a: ArtnetAddress): number {
  const ok = (v: number, max: number): boolean => Number.isInteger(v) && v >= 0 && v <= max;
  if (!ok(a.net, 127) || !ok(a.subnet, 15) || !ok(a.universe, 15)) {
    throw new InputError('art-net', `address net ${a.net} subnet ${a.subnet} universe ${a.universe} is out of range (net 0..127, subnet 0..15, universe 0..15)`);
  }
  return (a.net << 8) | (a.subnet << 4) | a.universe;
}

/** Splits a 15-bit Port-Address back into net/subnet/universe. */
export function splitPortAddress(portAddress: number): ArtnetAddress {
  return { net: (portAddress >> 8) & 0x7f, subnet: (portAddress >> 4) & 0x0f, universe: portAddress & 0x0f };
}

/**
 * Encodes ArtDmx packets for one Port-Address into one preallocated buffer. `encode` copies the
 * channel data and stamps the sequence (1..255, wrapping, never 0 — 0 would disable reordering).
 */
export class ArtDmxEncoder {
  /** The packet buffer; valid up to the length `encode` returns. */
  readonly packet: Uint8Array;
  private sequence = 0;

  constructor(
    address: ArtnetAddress,
    /** Channels per packet, even, 2..512 (Art-Net requires an even length). */
    readonly channels = 512,
  ) {
    if (!Number.isInteger(channels) || channels < 2 || channels > 512 || channels % 2 !== 0) {
      throw new InputError('art-net', `ArtDmx length ${channels} must be even and 2..512`);
    }
    const pa = artnetPortAddress(address);
    const p = new Uint8Array(ARTDMX_HEADER_BYTES + channels);
    p.set(ID, 0);
    p[8] = ArtOpCode.Dmx & 0xff;
    p[9] = ArtOpCode.Dmx >> 8;
    p[10] = 0;
    p[11] = ARTNET_PROTOCOL_VERSION;
    p[12] = 0; // sequence, set per packet
    p[13] = 0; // physical input port
    p[14] = pa & 0xff; // SubUni
    p[15] = (pa >> 8) & 0x7f; // Net
    p[16] = channels >> 8;
    p[17] = channels & 0xff;
    this.packet = p;
  }

  /** Copies `data` (channel 1 at index 0) into the packet, bumps the sequence; returns the packet length. */
  encode(data: Uint8Array): number {
    this.sequence = this.sequence >= 255 ? 1 : this.sequence + 1;
    this.packet[12] = this.sequence;
    const n = Math.min(this.channels, data.length);
    this.packet.set(n === data.length ? data : data.subarray(0, n), ARTDMX_HEADER_BYTES);
    if (n < this.channels) this.packet.fill(0, ARTDMX_HEADER_BYTES + n);
    return this.packet.length;
  }

  /** The sequence number of the last encoded packet (0 before the first). */
  get lastSequence(): number {
    return this.sequence;
  }
}

/** Encodes an ArtPoll (controller discovery; Art-Net 4 nodes answer with ArtPollReply). */
export function encodeArtPoll(options: { readonly flags?: number; readonly diagPriority?: number } = {}): Uint8Array {
  const p = new Uint8Array(14);
  p.set(ID, 0);
  p[8] = ArtOpCode.Poll & 0xff;
  p[9] = ArtOpCode.Poll >> 8;
  p[10] = 0;
  p[11] = ARTNET_PROTOCOL_VERSION;
  p[12] = (options.flags ?? 0) & 0xff;
  p[13] = (options.diagPriority ?? 0x10) & 0xff;
  return p;
}

/** A decoded Art-Net packet (the kinds we use). */
export type ArtnetPacket =
  | { readonly op: 'dmx'; readonly sequence: number; readonly physical: number; readonly portAddress: number; readonly data: Uint8Array }
  | { readonly op: 'poll'; readonly flags: number; readonly diagPriority: number }
  | { readonly op: 'other'; readonly opCode: number };

/** Decodes an Art-Net packet; throws InputError on anything that is not Art-Net or is truncated. */
export function decodeArtnet(bytes: Uint8Array): ArtnetPacket {
  if (bytes.length < 12 || ID.some((b, i) => bytes[i] !== b)) throw new InputError('art-net', 'not an Art-Net packet (bad ID)');
  const opCode = bytes[8]! | (bytes[9]! << 8);
  if (opCode === ArtOpCode.Dmx) {
    if (bytes.length < ARTDMX_HEADER_BYTES) throw new InputError('art-net', 'truncated ArtDmx header');
    const length = (bytes[16]! << 8) | bytes[17]!;
    if (length < 2 || length > 512 || bytes.length < ARTDMX_HEADER_BYTES + length) {
      throw new InputError('art-net', `ArtDmx length ${length} does not fit the ${bytes.length}-byte packet`);
    }
    return {
      op: 'dmx',
      sequence: bytes[12]!,
      physical: bytes[13]!,
      portAddress: bytes[14]! | ((bytes[15]! & 0x7f) << 8),
      data: bytes.slice(ARTDMX_HEADER_BYTES, ARTDMX_HEADER_BYTES + length),
    };
  }
  if (opCode === ArtOpCode.Poll) {
    if (bytes.length < 14) throw new InputError('art-net', 'truncated ArtPoll');
    return { op: 'poll', flags: bytes[12]!, diagPriority: bytes[13]! };
  }
  return { op: 'other', opCode };
}
