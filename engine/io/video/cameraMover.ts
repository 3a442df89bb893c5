/**
 * Moves one PTZ camera over its VISCA link and finds out when it has arrived, for the camera
 * director: after a preset recall or an absolute move it polls the camera's pan-tilt position
 * (VISCA inquiry) until the camera says it is there — at the target for an absolute move; for a
 * preset, completed and standing still (two equal readings in a row) — then reports `arrived`. A
 * camera that does not answer inquiries reports `unknown` at once, so the cut does not wait on it.
 */
import { createLogger, type Logger } from '../../core/log.js';
import {
  decodePanTiltPosition,
  decodeZoomPosition,
  viscaAbsolutePosition,
  viscaPanTilt,
  viscaPanTiltInquiry,
  viscaPresetRecall,
  viscaZoom,
  viscaZoomDirect,
  viscaZoomInquiry,
} from '../../core/visca/visca.js';
import type { Arrival, CameraMove } from '../../core/video/cameraDirector.js';
import type { ViscaClient } from '../visca/viscaClient.js';

/** Polling of a camera's position. */
export interface CameraMoverOptions {
  /** Between position inquiries (default 100 ms). */
  readonly pollMs?: number;
  /** Stop polling after this long (default 15 s; the director's settle limit cuts long before). */
  readonly giveUpMs?: number;
  /** Pan/tilt units within which an absolute move counts as arrived (default 2). */
  readonly tolerance?: number;
  readonly log?: Logger;
}

/** Moves one camera and reports its arrival. */
export class CameraMover {
  /** Bumped by every move: a poll of an older move stops. */
  private generation = 0;
  /** False once the camera failed to answer an inquiry: later moves report `unknown` at once. */
  private answersInquiries = true;
  /** False once the camera failed to answer a zoom inquiry (a camera without one still reports pan and tilt). */
  private answersZoom = true;
  private readonly pollMs: number;
  private readonly giveUpMs: number;
  private readonly tolerance: number;
  private readonly log: Logger;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly cameraId: string,
    private readonly client: ViscaClient,
    options: CameraMoverOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 100;
    this.giveUpMs = options.giveUpMs ?? 15_000;
    this.tolerance = options.tolerance ?? 2;
    this.log = options.log ?? createLogger('io/video/camera');
  }

  /** Starts a move; `done` is called once with how it ended (never for a drive, which has no end). */
  move(move: CameraMove, done: (how: Arrival) => void): void {
    const generation = ++this.generation;
    if (this.timer !== undefined) clearTimeout(this.timer);
    let completed = false;
    const fail = (err: unknown): void => this.log.warn(`camera '${this.cameraId}': ${err instanceof Error ? err.message : String(err)}`);
    switch (move.kind) {
      case 'drive': {
        const m = move.message;
        const payload = m.action === 'zoom' ? viscaZoom(m.direction, m.speed) : viscaPanTilt(m.direction, m.panSpeed, m.tiltSpeed);
        this.client.send(payload).catch(fail);
        return;
      }
      case 'preset':
        this.client.send(viscaPresetRecall(move.preset)).then((r) => { completed = r.completed; }, fail);
        break;
      case 'position': {
        const { pan, tilt, zoom } = move.position;
        this.client.send(viscaAbsolutePosition(pan, tilt)).then((r) => { completed = r.completed; }, fail);
        if (zoom !== undefined) this.client.send(viscaZoomDirect(zoom)).catch(fail);
        break;
      }
    }
    if (!this.answersInquiries) {
      done('unknown');
      return;
    }
    const started = Date.now();
    let previous: string | null = null;
    const poll = (): void => {
      if (generation !== this.generation) return;
      this.read().then(
        (where) => {
          if (generation !== this.generation) return;
          const key = `${where.pan},${where.tilt},${where.zoom ?? ''}`;
          let there: boolean;
          if (move.kind === 'position') {
            const t = move.position;
            there = Math.abs(where.pan - t.pan) <= this.tolerance && Math.abs(where.tilt - t.tilt) <= this.tolerance && (t.zoom === undefined || where.zoom === undefined || Math.abs(where.zoom - t.zoom) <= this.tolerance * 8);
          } else {
            there = completed && previous === key;
          }
          previous = key;
          if (there) {
            done('arrived');
            return;
          }
          if (Date.now() - started > this.giveUpMs) {
            this.log.warn(`camera '${this.cameraId}' did not settle within ${this.giveUpMs} ms`);
            done('unknown');
            return;
          }
          this.timer = setTimeout(poll, this.pollMs);
        },
        (err: unknown) => {
          if (generation !== this.generation) return;
          this.noInquiries(err);
          done('unknown');
        },
      );
    };
    this.timer = setTimeout(poll, this.pollMs);
  }

  private async read(): Promise<{ pan: number; tilt: number; zoom?: number }> {
    const pt = decodePanTiltPosition(await this.client.inquire(viscaPanTiltInquiry()));
    if (!this.answersZoom) return pt;
    try {
      return { ...pt, zoom: decodeZoomPosition(await this.client.inquire(viscaZoomInquiry())) };
    } catch {
      this.answersZoom = false;
      return pt;
    }
  }

  /**
   * Asks the camera where it is once, so a camera that does not answer inquiries is known before the
   * first shot (which then does not wait for it). Never rejects.
   */
  async probe(): Promise<boolean> {
    try {
      await this.read();
      return true;
    } catch (err) {
      this.noInquiries(err);
      return false;
    }
  }

  private noInquiries(err: unknown): void {
    if (this.answersInquiries) this.log.warn(`camera '${this.cameraId}' does not answer position inquiries (${err instanceof Error ? err.message : String(err)}): cuts will not wait for it`);
    this.answersInquiries = false;
  }

  /** Stops polling. */
  stop(): void {
    this.generation++;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
