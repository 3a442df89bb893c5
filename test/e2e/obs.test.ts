/**
 * Against real OBS Studio (Debian's obs-studio under xvfb-run, WebSocket server on): the engine runs a
 * show whose camera department cuts between three scenes on the beat (120 BPM, a shot every second
 * beat, one of them a 300 ms mix); OBS starts each transition, naming the new program scene, within
 * 100 ms of the fire (a cut lands in the same 100 ms; OBS reports a mix's new program scene at its
 * end, 300 ms later); a cue that
 * would move the camera on program is held until OBS takes that camera off program, and no camera
 * ever receives a move while OBS has it on air. The PTZ camera is a loopback VISCA camera.
 */
import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOscMessage } from '../../engine/core/osc/packet.js';
import { SHOW_VERSION, type ShowFileInput } from '../../engine/core/show/schema.js';
import { startEngine, type RunningEngine } from '../../engine/main.js';
import { FakeViscaCamera } from '../io/video/fakeViscaCamera.js';
import { obsUnavailable, startObs, type RunningObs } from './obsHarness.js';
import { until } from '../io/video/until.js';

const unavailable = obsUnavailable();
if (unavailable !== null) console.warn(`skipping the OBS end-to-end test: ${unavailable}`);

const BEAT_MS = 500;
const SCENES = ['Cam 1', 'Cam 2', 'Wide'];


describe.skipIf(unavailable !== null)('OBS as the show\'s switcher (real OBS Studio)', () => {
  let obs: RunningObs;
  let dir: string;
  let camera: FakeViscaCamera;
  let engine: RunningEngine | undefined;

  beforeAll(async () => {
    obs = await startObs();
    for (const sceneName of SCENES) await obs.client.call('CreateScene', { sceneName });
    await obs.client.call('SetCurrentSceneTransition', { transitionName: 'Cut' });
    await obs.client.call('SetCurrentProgramScene', { sceneName: 'Wide' });
    await new Promise((r) => setTimeout(r, 500)); // let OBS settle on it before the test listens
    camera = await FakeViscaCamera.start({ travelMs: 150 });
    dir = await mkdtemp(join(tmpdir(), 'precue-obs-show-'));
  }, 120_000);

  afterAll(async () => {
    await engine?.stop('clean');
    await camera?.close();
    await obs?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('cuts between three scenes on the beat, follows each fire within 100 ms, and holds a move of the camera on program', async () => {
    process.env['PRECUE_TEST_OBS_PASSWORD'] = obs.password;
    const every = 2 * BEAT_MS;
    const show: ShowFileInput = {
      version: SHOW_VERSION,
      name: 'OBS end to end',
      outputs: {
        visca: [{ id: 'v1', host: '127.0.0.1', port: camera.port }],
        switchers: [{ id: 'obs', kind: 'obs', host: '127.0.0.1', port: obs.port, passwordEnv: 'PRECUE_TEST_OBS_PASSWORD' }],
        cameras: [
          { id: 'cam1', visca: 'v1', switcher: 'obs', input: 'Cam 1' },
          { id: 'cam2', switcher: 'obs', input: 'Cam 2' },
          { id: 'wide', switcher: 'obs', input: 'Wide' },
        ],
      },
      inputs: { osc: { port: 53000, host: '127.0.0.1' } },
      departments: [
        {
          id: 'CAM',
          mode: 'manual',
          cues: [
            { number: '1', autoContinueMs: every, messages: [{ kind: 'shot', target: 'cam1', preset: 1 }] },
            { number: '2', autoContinueMs: every, messages: [{ kind: 'shot', target: 'wide', transition: { style: 'mix', durationMs: 300 } }] },
            { number: '3', autoContinueMs: every, messages: [{ kind: 'shot', target: 'cam2' }] },
            { number: '4', autoContinueMs: every, messages: [{ kind: 'shot', target: 'cam1', preset: 2 }] },
            // Moves the camera that is on program: held until cue 6 takes it off air.
            { number: '5', autoContinueMs: every, messages: [{ kind: 'visca', target: 'v1', action: 'recall', preset: 3 }] },
            { number: '6', messages: [{ kind: 'shot', target: 'wide' }] },
          ],
        },
      ],
    };
    await writeFile(join(dir, 'show.json'), JSON.stringify(show, null, 2));

    // OBS (29) names the new program scene as soon as a transition starts (GetCurrentProgramScene) and
    // reports CurrentProgramSceneChanged when it ends.
    const program: Array<{ scene: string; atMs: number }> = [];
    const started: Array<{ scene: string; atMs: number }> = [];
    obs.client.on('CurrentProgramSceneChanged', (e) => program.push({ scene: e.sceneName, atMs: Date.now() }));
    obs.client.on('SceneTransitionStarted', () => {
      const atMs = Date.now();
      void obs.client.call('GetCurrentProgramScene').then((r) => started.push({ scene: r.currentProgramSceneName, atMs }));
    });

    engine = await startEngine({ showDir: dir, fixturesDir: resolve('fixtures'), console: null, audio: false, model: false, oscInPort: 0 });
    const fires: Array<{ cue: string; atMs: number }> = [];
    engine.pipeline.playback.events$.subscribe((e) => {
      if (e.kind === 'fire' && e.dept === 'CAM') fires.push({ cue: e.cue, atMs: e.tMs });
    });
    const device = (): ReturnType<RunningEngine['devices']['snapshot']>[number] => engine!.devices.snapshot()[0]!;
    await until('the engine to connect to OBS', () => device().health === 'connected', 15_000);
    expect(device()).toMatchObject({ kind: 'obs', problems: [], facts: { program: 'Wide' } });
    // Move in black: cam1 is off air, so it goes to cue 1's framing before the show starts.
    await until('cam1 prepositioned', () => camera.recalls().length === 1);
    expect(camera.recalls()[0]!.preset).toBe(1);
    await new Promise((r) => setTimeout(r, 300)); // it arrives (150 ms travel)

    const oscPort = Number(/OSC control in: 127\.0\.0\.1:(\d+)/.exec(engine.banner.join('\n'))?.[1]);
    const osc = dgram.createSocket('udp4');
    osc.send(encodeOscMessage({ address: '/precue/go/CAM', args: [] }), oscPort, '127.0.0.1');
    await until('cue 6', () => fires.some((f) => f.cue === '6'), 15_000);
    await until('OBS back on the wide shot', () => program.at(-1)?.scene === 'Wide' && program.length >= 5);
    await new Promise((r) => setTimeout(r, 400));
    osc.close();

    // On the beat: each fire one beat pair after the last (the engine's cue timing).
    expect(fires.map((f) => f.cue)).toEqual(['1', '2', '3', '4', '5', '6']);
    for (let i = 1; i < fires.length; i++) expect(Math.abs(fires[i]!.atMs - fires[i - 1]!.atMs - every)).toBeLessThan(30);

    // OBS's program follows each shot within 100 ms: the transition starts, naming the new program
    // scene; a cut lands at once, a 300 ms mix lands 300 ms later.
    const expected: Record<string, { scene: string; mixMs: number }> = {
      '1': { scene: 'Cam 1', mixMs: 0 }, '2': { scene: 'Wide', mixMs: 300 }, '3': { scene: 'Cam 2', mixMs: 0 }, '4': { scene: 'Cam 1', mixMs: 0 }, '6': { scene: 'Wide', mixMs: 0 },
    };
    const latencies: Record<string, { started: number; landed: number }> = {};
    for (const f of fires) {
      const want = expected[f.cue];
      if (want === undefined) continue;
      const start = started.find((p) => p.scene === want.scene && p.atMs >= f.atMs);
      const landed = program.find((p) => p.scene === want.scene && p.atMs >= f.atMs);
      expect(start, `OBS never started a transition to '${want.scene}' for cue ${f.cue}: ${JSON.stringify(started)}`).toBeDefined();
      expect(landed, `OBS never took '${want.scene}' for cue ${f.cue}: ${JSON.stringify(program)}`).toBeDefined();
      latencies[f.cue] = { started: start!.atMs - f.atMs, landed: landed!.atMs - f.atMs - want.mixMs };
    }
    console.info(`OBS program-scene latency per cue, ms (transition started / landed past its length): ${JSON.stringify(latencies)}`);
    for (const [cue, ms] of Object.entries(latencies)) {
      expect(ms.started, `cue ${cue} started`).toBeLessThan(100);
      // A mix ends on OBS's own render clock (software GL on a shared machine): allow it half a beat more.
      expect(ms.landed, `cue ${cue} landed`).toBeLessThan(expected[cue]!.mixMs > 0 ? 150 : 100);
    }
    expect(program.map((p) => p.scene)).toEqual(['Cam 1', 'Wide', 'Cam 2', 'Cam 1', 'Wide']);

    // The move of the camera on program (cue 5) waited until OBS took cam1 off program (cue 6).
    const recalls = camera.recalls();
    expect(recalls.map((r) => r.preset)).toEqual([1, 2, 3]);
    // This test's own OBS client hears OBS's events some ms apart from the engine's client (two sockets,
    // one busy process; 26 ms seen on a loaded 2-core machine): JITTER_MS. The engine itself releases
    // the move on OBS's SceneTransitionEnded, which OBS sends after CurrentProgramSceneChanged.
    const JITTER_MS = 50;
    const cutAway = started.find((p) => p.scene === 'Wide' && p.atMs >= fires[5]!.atMs)!;
    const offAir = program.find((p) => p.scene === 'Wide' && p.atMs >= fires[5]!.atMs)!;
    expect(recalls[2]!.atMs).toBeGreaterThanOrEqual(cutAway.atMs);
    expect(recalls[2]!.atMs).toBeGreaterThanOrEqual(offAir.atMs - JITTER_MS);
    expect(recalls[2]!.atMs - fires[4]!.atMs).toBeGreaterThan(every - 50);
    // No camera move ever reached cam1 while OBS had it on air: from the start of a transition to
    // 'Cam 1' until the transition away from it ended.
    const onAir: Array<[number, number]> = [];
    started.forEach((st) => {
      if (st.scene !== 'Cam 1') return;
      const away = program.find((p) => p.scene !== 'Cam 1' && p.atMs > st.atMs);
      onAir.push([st.atMs, (away?.atMs ?? Infinity) - JITTER_MS]);
    });
    expect(onAir).toHaveLength(2);
    for (const c of camera.commands) for (const [from, to] of onAir) expect(c.atMs < from || c.atMs > to, `a move at ${c.atMs} while cam1 was on air ${from}–${to}`).toBe(true);
    // The console saw the tally: cam1 off air, wide on program.
    expect(engine.cameras.snapshot().map((c) => [c.id, c.program, c.tallyKnown])).toEqual([['cam1', false, true], ['cam2', false, true], ['wide', true, true]]);
  }, 60_000);
});
