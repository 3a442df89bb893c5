/**
 * VISCA over IP (Sony): an 8-byte header — payload type (2), payload length (2), sequence number (4),
 * big-endian — then a VISCA message (1..16 bytes, ending FF). Builders for the camera commands Precue
 * sends (preset recall/store, pan-tilt drive, zoom) and a decoder for replies (ACK, completion, error).
 */
import { InputError } from '../errors.js';

/** Default UDP port for VISCA over IP. */
export const VISCA_PORT = 52381;

/** Payload types of the VISCA-over-IP header. */
export const ViscaPayloadType = {
  command: 0x0100,
  inquiry: 0x0110,
  reply: 0x0111,
  deviceSetting: 0x0120,
  control: 0x0200,
  controlReply: 0x0201,
} as const;

/** One VISCA-over-IP packet. */
export interface ViscaIpPacket {
  readonly payloadType: number;
  readonly sequence: number;
  readonly payload: Uint8Array;
}

/** Encodes header + payload. */
export function encodeViscaIp(p: ViscaIpPacket): Uint8Array {
  if (p.payload.length < 1 || p.payload.length > 16) throw new InputError('visca', `payload of ${p.payload.length} bytes (1..16)`);
  const out = new Uint8Array(8 + p.payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, p.payloadType);
  v.setUint16(2, p.payload.length);
  v.setUint32(4, p.sequence >>> 0);
  out.set(p.payload, 8);
  return out;
}

/** Decodes header + payload; throws InputError when the lengths do not match. */
export function decodeViscaIp(bytes: Uint8Array): ViscaIpPacket {
  if (bytes.length < 9) throw new InputError('visca', `packet of ${bytes.length} bytes is shorter than header + 1`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = v.getUint16(2);
  if (length < 1 || length > 16 || bytes.length !== 8 + length) throw new InputError('visca', `payload length ${length} does not match the ${bytes.length}-byte packet`);
  return { payloadType: v.getUint16(0), sequence: v.getUint32(4), payload: bytes.slice(8) };
}

/** The RESET-sequence-number control command payload (send with payload type `control`). */
export const VISCA_RESET_SEQUENCE = Uint8Array.of(0x01);

function addr(camera: number): number {
  if (!Number.isInteger(camera) || camera < 1 || camera > 7) throw new InputError('visca', `camera address ${camera} is outside 1..7`);
  return 0x80 | camera;
}

/** Preset recall (`81 01 04 3F 02 pp FF`). */
export function viscaPresetRecall(preset: number, camera = 1): Uint8Array {
  return Uint8Array.of(addr(camera), 0x01, 0x04, 0x3f, 0x02, presetByte(preset), 0xff);
}

/** Preset store/set (`81 01 04 3F 01 pp FF`). */
export function viscaPresetStore(preset: number, camera = 1): Uint8Array {
  return Uint8Array.of(addr(camera), 0x01, 0x04, 0x3f, 0x01, presetByte(preset), 0xff);
}

function presetByte(preset: number): number {
  if (!Number.isInteger(preset) || preset < 0 || preset > 254) throw new InputError('visca', `preset ${preset} is outside 0..254`);
  return preset;
}

/** Pan-tilt drive directions. */
export type ViscaDirection = 'up' | 'down' | 'left' | 'right' | 'up-left' | 'up-right' | 'down-left' | 'down-right' | 'stop';

const DIRECTION_BYTES: Readonly<Record<ViscaDirection, readonly [number, number]>> = {
  up: [0x03, 0x01],
  down: [0x03, 0x02],
  left: [0x01, 0x03],
  right: [0x02, 0x03],
  'up-left': [0x01, 0x01],
  'up-right': [0x02, 0x01],
  'down-left': [0x01, 0x02],
  'down-right': [0x02, 0x02],
  stop: [0x03, 0x03],
};

/** Pan-tilt drive (`81 01 06 01 VV WW XX YY FF`), pan speed 1..24, tilt speed 1..20. */
export function viscaPanTilt(direction: ViscaDirection, panSpeed: number, tiltSpeed: number, camera = 1): Uint8Array {
  if (!Number.isInteger(panSpeed) || panSpeed < 1 || panSpeed > 24) throw new InputError('visca', `pan speed ${panSpeed} is outside 1..24`);
  if (!Number.isInteger(tiltSpeed) || tiltSpeed < 1 || tiltSpeed > 20) throw new InputError('visca', `tilt speed ${tiltSpeed} is outside 1..20`);
  const d = DIRECTION_BYTES[direction];
  return Uint8Array.of(addr(camera), 0x01, 0x06, 0x01, panSpeed, tiltSpeed, d[0], d[1], 0xff);
}

/** Zoom: `tele`/`wide` at a variable speed 0..7 (standard speed when omitted), or `stop`. */
export function viscaZoom(direction: 'tele' | 'wide' | 'stop', speed?: number, camera = 1): Uint8Array {
  if (speed !== undefined && (!Number.isInteger(speed) || speed < 0 || speed > 7)) throw new InputError('visca', `zoom speed ${speed} is outside 0..7`);
  let b: number;
  if (direction === 'stop') b = 0x00;
  else if (speed === undefined) b = direction === 'tele' ? 0x02 : 0x03;
  else b = (direction === 'tele' ? 0x20 : 0x30) | speed;
  return Uint8Array.of(addr(camera), 0x01, 0x04, 0x07, b, 0xff);
}

/**
 * What a command does to the camera, for coalescing a queue: a newer command with the same key makes
 * an older queued one pointless (the latest pan-tilt drive or stop wins, the latest zoom, the latest
 * preset recall). Undefined for commands that must each go out (preset store, anything unknown).
 */
export function viscaCommandKey(payload: Uint8Array): 'pan-tilt' | 'zoom' | 'recall' | undefined {
  if (payload.length < 5 || payload[1] !== 0x01) return undefined;
  const [, , category, command] = payload;
  if (category === 0x06 && command === 0x01) return 'pan-tilt';
  if (category === 0x04 && command === 0x07) return 'zoom';
  if (category === 0x04 && command === 0x3f && payload[4] === 0x02) return 'recall';
  return undefined;
}

/** Meaning of VISCA error codes. */
export const VISCA_ERRORS: Readonly<Record<number, string>> = {
  0x01: 'message length error',
  0x02: 'syntax error',
  0x03: 'command buffer full',
  0x04: 'command cancelled',
  0x05: 'no socket',
  0x41: 'command not executable',
};

/** A decoded camera reply. */
export type ViscaReply =
  | { readonly kind: 'ack'; readonly socket: number }
  | { readonly kind: 'completion'; readonly socket: number; readonly data: Uint8Array }
  | { readonly kind: 'error'; readonly socket: number; readonly code: number; readonly reason: string };

/** Decodes a VISCA reply message (`y0 4z FF`, `y0 5z … FF`, `y0 6z ee FF`). */
export function decodeViscaReply(payload: Uint8Array): ViscaReply {
  if (payload.length < 3 || (payload[0]! & 0x8f) !== 0x80 || payload[payload.length - 1] !== 0xff) {
    throw new InputError('visca', 'reply must be y0 … FF');
  }
  const kind = payload[1]! & 0xf0;
  const socket = payload[1]! & 0x0f;
  if (kind === 0x40) return { kind: 'ack', socket };
  if (kind === 0x50) return { kind: 'completion', socket, data: payload.slice(2, -1) };
  if (kind === 0x60) {
    const code = payload[2] ?? 0;
    return { kind: 'error', socket, code, reason: VISCA_ERRORS[code] ?? `error 0x${code.toString(16)}` };
  }
  throw new InputError('visca', `unknown reply type 0x${kind.toString(16)}`);
}

/** Four nibbles `0p 0q 0r 0s` of a 16-bit value (two's complement for negatives). */
function nibbles16(value: number): number[] {
  const v = value & 0xffff;
  return [(v >> 12) & 0x0f, (v >> 8) & 0x0f, (v >> 4) & 0x0f, v & 0x0f];
}

function fromNibbles(bytes: Uint8Array, at: number, signed: boolean): number {
  let v = 0;
  for (let i = 0; i < 4; i++) v = (v << 4) | ((bytes[at + i] ?? 0) & 0x0f);
  return signed && v >= 0x8000 ? v - 0x10000 : v;
}

function checkPosition(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new InputError('visca', `${name} ${value} is outside ${min}..${max}`);
}

/**
 * Pan-tilt to an absolute position (`81 01 06 02 VV WW 0Y 0Y 0Y 0Y 0Z 0Z 0Z 0Z FF`), in the camera's
 * own units (signed 16-bit), pan speed 1..24, tilt speed 1..20.
 */
export function viscaAbsolutePosition(pan: number, tilt: number, panSpeed = 24, tiltSpeed = 20, camera = 1): Uint8Array {
  checkPosition('pan', pan, -32768, 32767);
  checkPosition('tilt', tilt, -32768, 32767);
  checkPosition('pan speed', panSpeed, 1, 24);
  checkPosition('tilt speed', tiltSpeed, 1, 20);
  return Uint8Array.of(addr(camera), 0x01, 0x06, 0x02, panSpeed, tiltSpeed, ...nibbles16(pan), ...nibbles16(tilt), 0xff);
}

/** Zoom to an absolute position (`81 01 04 47 0p 0q 0r 0s FF`), 0 (wide) upward in the camera's units. */
export function viscaZoomDirect(zoom: number, camera = 1): Uint8Array {
  checkPosition('zoom', zoom, 0, 65535);
  return Uint8Array.of(addr(camera), 0x01, 0x04, 0x47, ...nibbles16(zoom), 0xff);
}

/** Pan-tilt position inquiry (`81 09 06 12 FF`; send with payload type `inquiry`). */
export function viscaPanTiltInquiry(camera = 1): Uint8Array {
  return Uint8Array.of(addr(camera), 0x09, 0x06, 0x12, 0xff);
}

/** Zoom position inquiry (`81 09 04 47 FF`; send with payload type `inquiry`). */
export function viscaZoomInquiry(camera = 1): Uint8Array {
  return Uint8Array.of(addr(camera), 0x09, 0x04, 0x47, 0xff);
}

/** Decodes a pan-tilt position inquiry's completion data (`0p 0p 0p 0p 0t 0t 0t 0t`). */
export function decodePanTiltPosition(data: Uint8Array): { pan: number; tilt: number } {
  if (data.length !== 8) throw new InputError('visca', `pan-tilt position reply of ${data.length} bytes (expected 8)`);
  return { pan: fromNibbles(data, 0, true), tilt: fromNibbles(data, 4, true) };
}

/** Decodes a zoom position inquiry's completion data (`0p 0q 0r 0s`). */
export function decodeZoomPosition(data: Uint8Array): number {
  if (data.length !== 4) throw new InputError('visca', `zoom position reply of ${data.length} bytes (expected 4)`);
  return fromNibbles(data, 0, false);
}

/** Encodes a pan-tilt position reply's data, as a camera sends it (for test cameras and tools). */
export function encodePanTiltPosition(pan: number, tilt: number): Uint8Array {
  return Uint8Array.of(...nibbles16(pan), ...nibbles16(tilt));
}
