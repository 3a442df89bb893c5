/**
 * A loopback stand-in for a CasparCG server, speaking AMCP as CasparCG 2.3 does (learned from
 * casparcg-connection's connection and deserializer code): one command per line ending CRLF, each
 * tagged `REQ <id>` by the client and answered `RES <id> <code> <COMMAND> OK|FAILED`; `201` carries
 * one data line, `200` data lines ended by an empty line. VERSION, CLS (media), TLS (templates) and
 * INFO (channels) answer from its library; LOADBG/PLAY/STOP/CG answer 202, or 404 for media it lacks
 * and 401 for a channel it does not have. Every command is recorded as the client sent it.
 */
import net from 'node:net';

/** What the stand-in serves. */
export interface CasparStandInOptions {
  readonly clips?: readonly string[];
  readonly templates?: readonly string[];
  readonly channels?: number;
}

/** A running stand-in. */
export class CasparcgStandIn {
  /** Every command line received, without its `REQ <id> ` tag. */
  readonly received: string[] = [];
  /** Connections accepted (one per (re)connection). */
  connections = 0;
  private server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly clips: readonly string[];
  private readonly templates: readonly string[];
  private readonly channels: number;

  private constructor(
    server: net.Server,
    options: CasparStandInOptions,
  ) {
    this.server = server;
    this.clips = options.clips ?? ['AMB', 'INTRO/OPENER', 'CHORUS_LOOP'];
    this.templates = options.templates ?? ['LOWER_THIRD', 'graphics/SCORE'];
    this.channels = options.channels ?? 2;
  }

  static async start(options: CasparStandInOptions = {}, port = 0): Promise<CasparcgStandIn> {
    const standIn = new CasparcgStandIn(net.createServer(), options);
    await standIn.listen(port);
    return standIn;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  private async listen(port: number): Promise<void> {
    this.server.on('connection', (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  private accept(socket: net.Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        const end = buffer.indexOf('\r\n');
        if (end < 0) break;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        socket.write(this.answer(line));
      }
    });
  }

  private answer(line: string): string {
    const tagged = /^REQ (\S+) (.*)$/.exec(line);
    const id = tagged?.[1];
    const command = tagged?.[2] ?? line;
    this.received.push(command);
    const res = id !== undefined ? `RES ${id} ` : '';
    const verb = command.split(' ')[0]!.toUpperCase();
    const ok = (code: number, name: string, data?: readonly string[]): string =>
      `${res}${code} ${name} OK\r\n${data === undefined ? '' : code === 201 ? `${data[0]}\r\n` : `${data.join('\r\n')}${data.length > 0 ? '\r\n' : ''}\r\n`}`;
    const failed = (code: number, name: string): string => `${res}${code} ${name} FAILED\r\n`;
    switch (verb) {
      case 'VERSION':
        return ok(201, 'VERSION', ['2.3.3 8c1ba1b stable']);
      case 'CLS':
        return ok(200, 'CLS', this.clips.map((c) => `"${c}" MOVIE 6445960 20230609071314 268 1/25`));
      case 'TLS':
        return ok(200, 'TLS', this.templates);
      case 'INFO':
        return ok(200, 'INFO', Array.from({ length: this.channels }, (_, i) => `${i + 1} 1080p5000 PLAYING`));
      case 'LOADBG':
      case 'PLAY':
      case 'STOP':
      case 'CG': {
        const channel = Number(/^\S+ (\d+)/.exec(command)?.[1] ?? '0');
        if (channel < 1 || channel > this.channels) return failed(401, verb);
        const clip = /"([^"]+)"/.exec(command)?.[1];
        if ((verb === 'LOADBG' || verb === 'PLAY') && clip !== undefined && !this.clips.some((c) => c.toUpperCase() === clip.toUpperCase())) return failed(404, verb);
        return ok(202, verb);
      }
      default:
        return `${res}400 ERROR\r\n${command}\r\n`;
    }
  }

  /** Closes every client connection (the server keeps listening). */
  dropClients(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** Stops listening and closes every connection (the server went away). */
  async close(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
