/**
 * The show's video outputs, put together: a device link per switcher (OBS, ATEM) and playout server
 * (CasparCG), a VISCA mover per PTZ camera, and the camera director between playback's cue messages
 * and all of them. Every cue message goes through `route`: shots and camera moves to the director
 * (tally hold, move in black, wait for position), switcher and playout messages to their device,
 * everything else to the message sender it was built with.
 *
 * Nothing here waits on a device: each command starts and returns; a device that is down drops its
 * commands (logged, shown on the console) while every other output carries on.
 */
import { asyncScheduler, type SchedulerLike, Subscription } from 'rxjs';
import { deptId } from '../../core/ids.js';
import { createLogger, type Logger } from '../../core/log.js';
import type { TimedMessage } from '../../core/playback/deptPlayback.js';
import type { Playback } from '../../core/playback/playback.js';
import type { CameraState } from '../../core/protocol/devices.js';
import type { OutputMessage, ShowFile } from '../../core/show/schema.js';
import { CameraDirector, shotOfCue } from '../../core/video/cameraDirector.js';
import { DeviceLink, type DeviceLinkOptions } from '../devices/deviceLink.js';
import type { DeviceRegistry } from '../devices/registry.js';
import type { ViscaClient } from '../visca/viscaClient.js';
import { CameraMover } from './cameraMover.js';
import type { PlayoutSession } from './casparcgPlayout.js';
import type { SwitcherSession } from './switcher.js';

/** What the video outputs need from the engine. */
export interface VideoOutputOptions {
  /** The show's VISCA cameras, by `outputs.visca` id (opened by the message outputs). */
  readonly visca: ReadonlyMap<string, ViscaClient>;
  /** Where every other cue message goes (OSC, MIDI, MSC, VISCA messages for cameras without a switcher). */
  readonly fallback: { send(message: OutputMessage): void };
  /** Every device link is added here (the console shows them). */
  readonly registry: DeviceRegistry;
  /** For `passwordEnv` (default: `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Back-off and connect timeout of every device link. */
  readonly link?: DeviceLinkOptions;
  /** Run ATEM's protocol in a worker thread (default true). */
  readonly atemThreaded?: boolean;
  /** Position polling of PTZ cameras (default 100 ms). */
  readonly cameraPollMs?: number;
  readonly log?: Logger;
}

/** The running video outputs. */
export interface VideoOutputs {
  readonly director: CameraDirector;
  /** Cameras and their tally, for the console. */
  readonly cameras: { snapshot(): readonly CameraState[]; readonly states$: CameraDirector['states$'] };
  /** One line per device for the start banner. */
  readonly banner: readonly string[];
  /** Routes one due cue message. Never throws. */
  route(message: TimedMessage): void;
  /** Follows playback's standby cues (for move in black) until unsubscribed. */
  follow(playback: Playback): Subscription;
  /** PANIC: pending cuts and held moves are dropped. */
  panic(): void;
  /** Stops the devices' links and the cameras' position polls. */
  close(): Promise<void>;
}

/**
 * Builds the video outputs of a show; its devices connect when the registry starts them. A device
 * library (atem-connection, obs-websocket-js, casparcg-connection) loads only when the show has one.
 */
export async function openVideoOutputs(show: ShowFile, options: VideoOutputOptions, scheduler: SchedulerLike = asyncScheduler): Promise<VideoOutputs> {
  const log = options.log ?? createLogger('io/video');
  const env = options.env ?? process.env;
  const switchers = new Map<string, DeviceLink<SwitcherSession>>();
  const playout = new Map<string, DeviceLink<PlayoutSession>>();
  const movers = new Map<string, CameraMover>();
  const banner: string[] = [];

  const director: CameraDirector = new CameraDirector(
    show,
    {
      move(camera, move, moveId) {
        const mover = movers.get(camera.id);
        if (mover === undefined) {
          queueMicrotask(() => director.arrived(camera.id, moveId, 'unknown'));
          return;
        }
        mover.move(move, (how) => director.arrived(camera.id, moveId, how));
      },
      take(camera, transition) {
        switchers.get(camera.switcher)?.run(`${transition === 'cut' ? 'cut' : transition.style} to ${camera.id}`, (s) => s.take(camera, transition));
      },
      preview(camera) {
        switchers.get(camera.switcher)?.run(`preview ${camera.id}`, (s) => s.preview(camera), { quiet: true });
      },
      forward(message) {
        switch (message.kind) {
          case 'obs':
          case 'atem':
            switchers.get(message.target)?.run(`${message.kind} ${message.action}`, (s) => s.send(message));
            return;
          case 'casparcg':
            playout.get(message.target)?.run(`${message.action} on ${message.channel}-${message.layer}`, (s) => s.send(message));
            return;
          default:
            options.fallback.send(message);
        }
      },
    },
    { log: createLogger('core/video') },
    scheduler,
  );

  for (const sw of show.outputs.switchers) {
    const connector =
      sw.kind === 'obs'
        ? new (await import('./obsSwitcher.js')).ObsConnector(sw, show, director, env)
        : new (await import('./atemSwitcher.js')).AtemConnector(sw, show, director, { threaded: options.atemThreaded ?? true });
    const link = new DeviceLink<SwitcherSession>(connector, { ...options.link, log: createLogger(`io/video/${sw.kind}`) }, scheduler);
    switchers.set(sw.id, link);
    options.registry.add(link);
    // On (re)connecting, the next shot's camera goes back on preview.
    let up = false;
    link.state$.subscribe((st) => {
      const now = st.health === 'connected' || st.health === 'degraded';
      if (now && !up) director.switcherUp(sw.id);
      up = now;
    });
    banner.push(`switcher ${sw.id}: ${sw.kind === 'obs' ? 'OBS' : 'ATEM'} at ${connector.address}${sw.kind === 'atem' ? `, M/E ${sw.mixEffect + 1}` : ''}`);
  }
  for (const p of show.outputs.playout) {
    const { CasparcgConnector } = await import('./casparcgPlayout.js');
    const link = new DeviceLink<PlayoutSession>(new CasparcgConnector(p, show), { ...options.link, log: createLogger('io/video/casparcg') }, scheduler);
    playout.set(p.id, link);
    options.registry.add(link);
    banner.push(`playout ${p.id}: CasparCG at ${p.host}:${p.port}`);
  }
  for (const c of show.outputs.cameras) {
    const client = c.visca !== undefined ? options.visca.get(c.visca) : undefined;
    if (client !== undefined) {
      const mover = new CameraMover(c.id, client, { ...(options.cameraPollMs !== undefined ? { pollMs: options.cameraPollMs } : {}) });
      movers.set(c.id, mover);
      void mover.probe();
    }
    banner.push(`camera ${c.id}: ${c.switcher} input ${JSON.stringify(c.input)}${c.visca !== undefined ? `, PTZ over VISCA '${c.visca}'` : ', fixed'}`);
  }
  if (show.outputs.cameras.length > 0) banner.push('cameras: a move for a camera on program waits until it leaves program (unless the cue says moveLive)');

  return {
    director,
    cameras: { snapshot: () => director.snapshot(), states$: director.states$ },
    banner,
    route(message) {
      director.route(message);
    },
    follow(playback) {
      const sub = new Subscription();
      const update = (dept: string): void => {
        const state = playback.depts.get(deptId(dept))?.state();
        director.setStandby(deptId(dept), shotOfCue(show, dept, state?.standby ?? null));
      };
      for (const d of show.departments) update(d.id);
      sub.add(
        playback.events$.subscribe((e) => {
          if (e.kind === 'fire' || e.kind === 'load' || e.kind === 'home' || e.kind === 'panic') update(e.dept);
        }),
      );
      return sub;
    },
    panic() {
      director.panic();
    },
    async close() {
      for (const m of movers.values()) m.stop();
      director.dispose();
      await Promise.all([...[...switchers.values()].map((l) => l.stop()), ...[...playout.values()].map((l) => l.stop())]);
      log.debug('video outputs closed');
    },
  };
}
