/**
 * Serial DMX: Enttec DMX USB Pro (label-6 messages, the widget makes the DMX timing) and Enttec Open
 * DMX (an FTDI cable: we send break, then start code + 512 slots at 250 kbaud 8N2). A frame is skipped
 * (and counted) while the previous one is still being written, so a slow port never queues stale looks.
 */
import { SerialPort } from 'serialport';
import { EnttecProDmxEncoder, OpenDmxEncoder } from '../../core/dmx/enttec.js';
import { DeviceError } from '../../core/errors.js';
import { type CloseMode, type DmxDriver, type DmxDriverStats, errorText } from './driver.js';

const SERIAL_HINT = 'check the device is plugged in, the path (ls /dev/ttyUSB* /dev/serial/by-id/), and that this user may open it (group dialout)';

abstract class SerialDmxDriver implements DmxDriver {
  readonly stats: DmxDriverStats = { sent: 0, skipped: 0, errors: 0 };
  protected port: SerialPort | undefined;
  protected busy = false;

  constructor(
    readonly description: string,
    protected readonly path: string,
    private readonly settings: { baudRate: number; stopBits: 1 | 2 },
  ) {}

  async open(): Promise<void> {
    const port = new SerialPort({ path: this.path, baudRate: this.settings.baudRate, dataBits: 8, stopBits: this.settings.stopBits, parity: 'none', autoOpen: false });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => {
        if (err) reject(new DeviceError(`${this.description}`, `cannot open serial port ${this.path}: ${err.message}`, SERIAL_HINT, { cause: err }));
        else resolve();
      });
    });
    port.on('error', (err) => this.fail(err));
    port.on('close', () => {
      if (this.port !== undefined) this.fail(new Error(`serial port ${this.path} closed (unplugged?)`));
    });
    this.port = port;
  }

  protected fail(err: unknown): void {
    this.stats.errors++;
    this.stats.lastError = errorText(err);
  }

  /**
   * Sends one frame unless the previous one is still being written (then it is skipped and counted).
   * `transmit` writes the frame and calls `done` once the port has taken it (with an error, if any).
   */
  send(data: Uint8Array): void {
    const port = this.port;
    if (port === undefined) {
      this.fail(new Error(`${this.path} is not open`));
      return;
    }
    if (this.busy) {
      this.stats.skipped++;
      return;
    }
    this.busy = true;
    this.transmit(port, data, (err) => {
      this.busy = false;
      if (err) this.fail(err);
    });
    this.stats.sent++;
  }

  protected abstract transmit(port: SerialPort, data: Uint8Array, done: (err?: Error | null) => void): void;

  async close(_mode: CloseMode): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port === undefined || !port.isOpen) return;
    await new Promise<void>((resolve) => port.drain(() => port.close(() => resolve())));
  }
}

/** Enttec DMX USB Pro (and compatibles speaking the Pro widget API). */
export class EnttecProDriver extends SerialDmxDriver {
  private readonly encoder = new EnttecProDmxEncoder();

  constructor(path: string) {
    // The widget is a USB device: the baud rate is not used on the wire; 115200 is accepted by every tty (and ptys in tests).
    super(`enttec-usb-pro ${path}`, path, { baudRate: 115200, stopBits: 1 });
  }

  protected transmit(port: SerialPort, data: Uint8Array, done: (err?: Error | null) => void): void {
    port.write(this.encoder.encode(data), done);
  }
}

/** Enttec Open DMX: the host generates break and mark-after-break, then writes the frame. */
export class OpenDmxDriver extends SerialDmxDriver {
  private readonly encoder = new OpenDmxEncoder();

  constructor(path: string) {
    super(`open-dmx ${path}`, path, { baudRate: 250000, stopBits: 2 });
  }

  protected transmit(port: SerialPort, data: Uint8Array, done: (err?: Error | null) => void): void {
    const frame = this.encoder.encode(data);
    // Break (≥ 88 µs) then mark-after-break (≥ 8 µs): each ioctl round-trip through libuv takes longer than that.
    port.set({ brk: true, rts: false }, (e1) => {
      if (e1) {
        done(e1);
        return;
      }
      port.set({ brk: false, rts: false }, (e2) => {
        if (e2) {
          done(e2);
          return;
        }
        port.write(frame, done);
      });
    });
  }
}
