/**
 * The CasparCG output through casparcg-connection against a loopback AMCP stand-in: every command a
 * show can send is asserted message for message as the server receives it, the server's refusals
 * (unknown clip, channel) are failed commands with its reason, names the server lacks are reported on
 * connect, and a dropped connection — or a server that goes away and comes back — is re-established.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SHOW_VERSION, showFileSchema, type OutputMessage, type ShowFileInput } from '../../../engine/core/show/schema.js';
import { casparcgMessageSchema, type CasparcgMessage } from '../../../engine/core/show/video.js';
import { DeviceLink } from '../../../engine/io/devices/deviceLink.js';
import { CasparcgConnector, templateName, type PlayoutSession } from '../../../engine/io/video/casparcgPlayout.js';
import { CasparcgStandIn } from './casparcgStandIn.js';
import { until } from './until.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


function setup(port: number, messages: OutputMessage[] = []) {
  const input: ShowFileInput = {
    version: SHOW_VERSION,
    name: 'playout',
    outputs: { playout: [{ id: 'caspar', kind: 'casparcg', host: '127.0.0.1', port }] },
    departments: [{ id: 'VID', cues: [{ number: '1', messages }] }],
  };
  const show = showFileSchema.parse(input);
  const link = new DeviceLink<PlayoutSession>(new CasparcgConnector(show.outputs.playout[0]!, show), { backoff: { minMs: 100, maxMs: 400, factor: 2 }, connectTimeoutMs: 2000 });
  cleanups.push(() => link.stop());
  link.start();
  return link;
}

/** A CasparCG cue message to 'caspar', as the show file's schema reads it. */
const message = (m: Record<string, unknown>): CasparcgMessage => casparcgMessageSchema.parse({ kind: 'casparcg', target: 'caspar', ...m });

/** Every CasparCG message a show can send, and the AMCP line the server must receive. */
const EVERY_COMMAND: Array<[CasparcgMessage, string]> = [
  [message({ action: 'load', channel: 1, layer: 10, clip: 'AMB', loop: false }), 'LOADBG 1-10 "AMB"'],
  [message({ action: 'load', channel: 1, layer: 10, clip: 'INTRO/OPENER', loop: true }), 'LOADBG 1-10 "INTRO/OPENER" LOOP'],
  [message({ action: 'play', channel: 1, layer: 10, loop: false }), 'PLAY 1-10'],
  [message({ action: 'play', channel: 2, layer: 5, clip: 'CHORUS_LOOP', loop: true }), 'PLAY 2-5 "CHORUS_LOOP" LOOP'],
  [message({ action: 'stop', channel: 1, layer: 10 }), 'STOP 1-10'],
  [message({ action: 'template-add', channel: 1, layer: 20, cgLayer: 1, template: 'LOWER_THIRD', playOnLoad: true, data: { f0: 'Jane Doe', f1: 'Vocals' } }), 'CG 1-20 ADD 1 "LOWER_THIRD" 1 "{\\"f0\\":\\"Jane Doe\\",\\"f1\\":\\"Vocals\\"}"'],
  [message({ action: 'template-add', channel: 1, layer: 21, cgLayer: 2, template: 'graphics/SCORE', playOnLoad: false }), 'CG 1-21 ADD 2 "graphics/SCORE" 0'],
  [message({ action: 'template-update', channel: 1, layer: 20, cgLayer: 1, data: { f0: 'John "JJ" Smith', score: 3 } }), 'CG 1-20 UPDATE 1 "{\\"f0\\":\\"John \\\\\\"JJ\\\\\\" Smith\\",\\"score\\":3}"'],
  [message({ action: 'template-stop', channel: 1, layer: 20, cgLayer: 1 }), 'CG 1-20 STOP 1'],
];

describe('CasparCG output (casparcg-connection against a loopback AMCP server)', () => {
  it('connects, lists the server, and sends every command a show can send message for message', async () => {
    const server = await CasparcgStandIn.start();
    cleanups.push(() => server.close());
    const link = setup(server.port, EVERY_COMMAND.map(([m]) => m));
    await until('connected', () => link.state.health === 'connected');
    expect(server.received.slice(0, 4).sort()).toEqual(['CLS', 'INFO', 'TLS', 'VERSION']);
    expect(link.state).toMatchObject({ problems: [], facts: { version: '2.3.3 8c1ba1b stable', channels: 2, clips: 3, templates: 2 } });
    for (const [m, line] of EVERY_COMMAND) {
      const before = server.received.length;
      let done = false;
      link.run(m.action, (s) => s.send(m).finally(() => { done = true; }));
      await until(`${m.action} answered`, () => done);
      expect(server.received.slice(before), JSON.stringify(m)).toEqual([line]);
    }
    expect(link.stats).toMatchObject({ sent: EVERY_COMMAND.length, failed: 0 });
  });

  it('turns a refusal into a failed command with the server\'s reason, and reports missing names on connect', async () => {
    const server = await CasparcgStandIn.start({ clips: ['AMB'], templates: [], channels: 1 });
    cleanups.push(() => server.close());
    const link = setup(server.port, [
      message({ action: 'play', channel: 1, layer: 10, clip: 'NOPE', loop: false }),
      message({ action: 'template-add', channel: 2, layer: 20, cgLayer: 1, template: 'LOWER_THIRD', playOnLoad: true }),
    ]);
    await until('connected', () => link.state.health === 'degraded');
    expect(link.state.problems).toEqual([
      "show.json departments[0].cues[0].messages[0].clip: CasparCG 'caspar' has no clip 'NOPE' (expected one of \"AMB\")",
      "show.json departments[0].cues[0].messages[1].channel: CasparCG 'caspar' has 1 channel (expected channel from 1 to 1)",
      "show.json departments[0].cues[0].messages[1].template: CasparCG 'caspar' has no template 'LOWER_THIRD' (expected one of (none))",
    ]);
    let error = '';
    link.run('play NOPE', (s) => s.send(message({ action: 'play', channel: 1, layer: 10, clip: 'NOPE', loop: false })).catch((e: unknown) => { error = String(e); throw e; }));
    await until('the refusal', () => error !== '');
    expect(error).toMatch(/play on 1-10: the server answered 404/);
    await until('the failure on the console', () => link.state.detail !== null);
    expect(link.state.detail).toMatch(/^play NOPE failed: play on 1-10: the server answered 404/);
  });

  it('re-establishes a dropped connection, and one to a server that went away and came back', async () => {
    let server = await CasparcgStandIn.start();
    const port = server.port;
    cleanups.push(() => server.close());
    const link = setup(port);
    await until('connected', () => link.state.health === 'connected');
    server.dropClients();
    await until('the drop', () => link.state.health === 'retrying');
    expect(link.state.detail).toBe('connection lost: the server closed the connection');
    await until('re-connected', () => link.state.health === 'connected');
    expect(server.connections).toBe(2);
    // The server goes away: attempts fail and back off; it comes back on the same port.
    await server.close();
    await until('down', () => link.state.health === 'retrying' && link.state.attempts >= 2, 8000);
    server = await CasparcgStandIn.start({}, port);
    await until('re-connected to the new server', () => link.state.health === 'connected', 8000);
    const before = server.received.length;
    let done = false;
    link.run('play', (s) => s.send(message({ action: 'play', channel: 1, layer: 10, clip: 'AMB', loop: false })).finally(() => { done = true; }));
    await until('play answered', () => done);
    expect(server.received.slice(before)).toEqual(['PLAY 1-10 "AMB"']);
  }, 30_000);

  it('reads template names from both TLS formats', () => {
    expect(templateName('LOWER_THIRD')).toBe('LOWER_THIRD');
    expect(templateName('"graphics/SCORE" 1234 20230101000000')).toBe('graphics/SCORE');
  });
});
