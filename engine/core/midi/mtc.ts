/**
 * MIDI Time Code (MIDI 1.0 detailed specification, "MIDI Time Code"): quarter-frame messages
 * (F1 0nnndddd, eight per two frames), full-frame messages (F0 7F 7F 01 01 hr mn sc fr F7), and a
 * chase decoder that follows incoming MTC, including direction, dropouts and locates.
 */
import { InputError } from '../errors.js';
import { framesToTimecode, nominalFps, rateCode, rateFromCode, realFps, timecodeToFrames, validateTimecode, type Timecode, type TimecodeRate } from './timecode.js';

/** Timecode that returns within this many frames of the freewheel's time re-locks without a jump. */
export const RELOCK_TOLERANCE_FRAMES = 4;

/** One quarter-frame: piece 0..7 and its 4-bit value. */
export interface MtcQuarterFrame {
  readonly piece: number;
  readonly value: number;
}

/** The 8 quarter-frame messages (2 bytes each) that carry `tc`, pieces 0..7 in order. */
export function encodeQuarterFrames(tc: Timecode): Uint8Array[] {
  validateTimecode(tc);
  const rate = rateCode(tc.rate);
  const values = [
    tc.frames & 0x0f,
    (tc.frames >> 4) & 0x01,
    tc.seconds & 0x0f,
    (tc.seconds >> 4) & 0x03,
    tc.minutes & 0x0f,
    (tc.minutes >> 4) & 0x03,
    tc.hours & 0x0f,
    ((tc.hours >> 4) & 0x01) | (rate << 1),
  ];
  return values.map((v, piece) => Uint8Array.of(0xf1, (piece << 4) | v));
}

/** Decodes F1 0nnndddd. */
export function decodeQuarterFrame(bytes: ArrayLike<number>): MtcQuarterFrame {
  if (bytes.length !== 2 || bytes[0] !== 0xf1 || bytes[1]! > 0x7f) throw new InputError('mtc', 'quarter frame must be F1 followed by one data byte');
  return { piece: (bytes[1]! >> 4) & 0x07, value: bytes[1]! & 0x0f };
}

/** Encodes a full-frame message (a locate). */
export function encodeMtcFullFrame(tc: Timecode): Uint8Array {
  validateTimecode(tc);
  return Uint8Array.of(0xf0, 0x7f, 0x7f, 0x01, 0x01, (rateCode(tc.rate) << 5) | tc.hours, tc.minutes, tc.seconds, tc.frames, 0xf7);
}

/** Decodes a full-frame message. */
export function decodeMtcFullFrame(bytes: ArrayLike<number>): Timecode {
  if (bytes.length !== 10 || bytes[0] !== 0xf0 || bytes[1] !== 0x7f || bytes[3] !== 0x01 || bytes[4] !== 0x01 || bytes[9] !== 0xf7) {
    throw new InputError('mtc', 'not an MTC full-frame message (F0 7F <dev> 01 01 hr mn sc fr F7)');
  }
  const hr = bytes[5]!;
  return validateTimecode({ hours: hr & 0x1f, minutes: bytes[6]!, seconds: bytes[7]!, frames: bytes[8]!, rate: rateFromCode((hr >> 5) & 3) });
}

/** What the chase decoder reports. */
export type MtcChaseEvent =
  /**
   * A position: `timecode` is the current frame; `running` false after a full-frame locate;
   * `freewheel` while quarter frames are missing and time runs on by itself.
   */
  | { readonly kind: 'position'; readonly timecode: Timecode; readonly seconds: number; readonly running: boolean; readonly direction: 1 | -1; readonly freewheel?: boolean }
  /** No quarter frames for `dropoutMs`: timecode stopped. */
  | { readonly kind: 'stopped'; readonly timecode: Timecode | undefined };

/**
 * Follows incoming MTC. After eight consecutive quarter frames (forward 0→7 or backward 7→0) it knows
 * the time; as sent, that is the frame when piece 0 went out, so it reports that time plus two frames
 * (forward), then advances one frame per four quarter frames. Full frames locate at once.
 *
 * Dropouts: when quarter frames stop for `dropoutMs`, `check(nowMs)` freewheels — time runs on at the
 * frame rate (positions marked `freewheel`) for up to `freewheelMs`, as a console chasing timecode does
 * through a glitch on the line — then reports a stop. Timecode that comes back within the window where
 * the freewheel says it should be re-locks seamlessly; anywhere else it is a jump.
 */
export class MtcChaseDecoder {
  private readonly pieces = new Int8Array(8).fill(-1);
  private lastPiece = -1;
  private lastValue = 0;
  private direction: 1 | -1 = 1;
  private count = 0;
  private frames: number | undefined;
  private rate: TimecodeRate = 30;
  private quarter = 0;
  private lastQuarterMs = -Infinity;
  private running = false;
  /** When `frames` was last set from timecode or advanced (ms), for the freewheel. */
  private framesAtMs = 0;
  private freewheeling = false;
  /** After a re-lock behind the freewheel: no position is reported until time passes this frame again. */
  private holdBelow: number | undefined;

  constructor(
    readonly dropoutMs = 100,
    /** How long time runs on through a dropout (0: stop at once). */
    readonly freewheelMs = 0,
  ) {}

  /** True while quarter frames are missing and time runs on by itself. */
  get isFreewheeling(): boolean {
    return this.freewheeling;
  }

  /** The last known position, if any. */
  get position(): Timecode | undefined {
    return this.frames === undefined ? undefined : framesToTimecode(this.frames, this.rate);
  }

  /** Whether quarter frames are arriving. */
  isRunning(nowMs: number): boolean {
    return this.running && nowMs - this.lastQuarterMs <= this.dropoutMs;
  }

  /** Feeds one quarter frame. Returns a position when the time is known or advances a frame. */
  quarterFrame(q: MtcQuarterFrame, nowMs: number): MtcChaseEvent | undefined {
    this.lastQuarterMs = nowMs;
    const last = this.lastPiece;
    let dir: 1 | -1 | 0 = 0;
    if (last !== -1 && q.piece === ((last + 1) & 7)) dir = 1;
    else if (last !== -1 && q.piece === ((last + 7) & 7)) dir = -1;
    if (dir === 0 || (this.count > 1 && dir !== this.direction)) {
      // Out of sequence (a dropped message, a direction change, the first message): collect afresh.
      this.pieces.fill(-1);
      this.count = 0;
      this.running = dir !== 0 && this.running;
      if (dir !== 0 && last !== -1) {
        this.pieces[last] = this.lastValue;
        this.count = 1;
      }
    }
    if (dir !== 0) this.direction = dir;
    this.pieces[q.piece] = q.value;
    this.count++;
    this.lastPiece = q.piece;
    this.lastValue = q.value;
    const complete = this.direction === 1 ? q.piece === 7 : q.piece === 0;
    if (complete && this.count >= 8) {
      const p = this.pieces;
      const rate = rateFromCode((p[7]! >> 1) & 3);
      const tc = {
        frames: p[0]! | ((p[1]! & 1) << 4),
        seconds: p[2]! | ((p[3]! & 3) << 4),
        minutes: p[4]! | ((p[5]! & 3) << 4),
        hours: p[6]! | ((p[7]! & 1) << 4),
        rate,
      };
      this.count = 0;
      this.pieces.fill(-1);
      if (tc.frames >= nominalFps(rate) || tc.seconds > 59 || tc.minutes > 59 || tc.hours > 23) return undefined;
      this.rate = rate;
      // The eight pieces carry the time at which piece 0 (forward) was sent; by the time the block is
      // complete two frames have passed, so the current frame is that time + 2 (− 2 running backwards).
      const frames = timecodeToFrames(tc) + 2 * this.direction;
      if (this.freewheeling && this.frames !== undefined && Math.abs(frames - this.frames) <= RELOCK_TOLERANCE_FRAMES) {
        // Re-lock: timecode came back where the freewheel said. Never report time going backwards
        // (a cue the freewheel already fired would fire again): wait until it passes that frame.
        if ((frames - this.frames) * this.direction < 0) this.holdBelow = this.frames;
      }
      this.frames = frames;
      this.framesAtMs = nowMs;
      this.quarter = 0;
      this.running = true;
      this.freewheeling = false;
      return this.report(true);
    }
    if (this.running && this.frames !== undefined) {
      this.quarter += 1;
      if (this.quarter >= 4) {
        this.frames += this.direction;
        this.framesAtMs = nowMs;
        this.quarter = 0;
        return this.report(true);
      }
    }
    return undefined;
  }

  /** Feeds a full-frame locate. */
  fullFrame(tc: Timecode): MtcChaseEvent | undefined {
    this.holdBelow = undefined;
    this.rate = tc.rate;
    this.frames = timecodeToFrames(tc);
    this.quarter = 0;
    this.running = false;
    this.freewheeling = false;
    this.lastPiece = -1;
    this.count = 0;
    this.pieces.fill(-1);
    return this.report(false);
  }

  /**
   * Call regularly (every few tens of ms). Once quarter frames have been missing for `dropoutMs`:
   * advances the position at the frame rate (one event per frame gained) until `freewheelMs` more
   * have passed, then reports the stop.
   */
  check(nowMs: number): MtcChaseEvent | undefined {
    if (!this.running || nowMs - this.lastQuarterMs <= this.dropoutMs) return undefined;
    if (nowMs - this.lastQuarterMs <= this.dropoutMs + this.freewheelMs && this.frames !== undefined) {
      this.freewheeling = true;
      // Re-collect a full time when quarter frames come back.
      this.lastPiece = -1;
      this.count = 0;
      const gained = Math.floor(((nowMs - this.framesAtMs) * realFps(this.rate)) / 1000);
      if (gained < 1) return undefined;
      this.frames += gained * this.direction;
      this.framesAtMs += (gained * 1000) / realFps(this.rate);
      return this.report(true, true);
    }
    this.running = false;
    this.freewheeling = false;
    this.lastPiece = -1;
    this.count = 0;
    return { kind: 'stopped', timecode: this.position };
  }

  private report(running: boolean, freewheel = false): MtcChaseEvent | undefined {
    const frames = this.frames ?? 0;
    if (this.holdBelow !== undefined) {
      if (running && (frames - this.holdBelow) * this.direction <= 0) return undefined;
      this.holdBelow = undefined;
    }
    const timecode = framesToTimecode(frames, this.rate);
    return { kind: 'position', timecode, seconds: frames / realFps(this.rate), running, direction: this.direction, ...(freewheel ? { freewheel: true } : {}) };
  }
}

/**
 * Generates MTC for a running clock: call `at(seconds)` on each tick with the transport position and it
 * returns the quarter-frame messages due since the last call (at most 8 per call; a jump sends a full
 * frame instead).
 */
export class MtcGenerator {
  private nextQuarter: number | undefined;
  private block: Uint8Array[] = [];
  private blockStart = -1;

  constructor(readonly rate: TimecodeRate) {}

  /** Messages to send now for transport position `seconds`. */
  at(seconds: number): Uint8Array[] {
    const qps = realFps(this.rate) * 4; // quarter frames per second
    const target = Math.floor(seconds * qps + 1e-9);
    if (this.nextQuarter === undefined || target < this.nextQuarter - 1 || target > this.nextQuarter + 8) {
      // Locate: full frame, then restart quarter frames on the next even frame.
      const frame = Math.floor(seconds * realFps(this.rate) + 1e-9);
      const startFrame = frame + (frame % 2);
      this.nextQuarter = startFrame * 4;
      this.blockStart = -1;
      return [encodeMtcFullFrame(framesToTimecode(frame, this.rate))];
    }
    const out: Uint8Array[] = [];
    while (this.nextQuarter <= target) {
      const q = this.nextQuarter;
      const blockFrame = Math.floor(q / 8) * 2; // quarter frames start a new time on even frames
      if (blockFrame !== this.blockStart) {
        this.block = encodeQuarterFrames(framesToTimecode(blockFrame, this.rate));
        this.blockStart = blockFrame;
      }
      out.push(this.block[q % 8]!);
      this.nextQuarter++;
    }
    return out;
  }
}
