/**
 * The rehearsal loop end to end, as at a desk: `precue run shows/demo` (real-time audio, the model
 * listening) with every department put in `assist` over OSC, a scripted operator firing over OSC —
 * one GO late, one on time, one cue skipped, one fired out of order — then `kill -9`. The run's
 * decisions.jsonl must read back whole up to the kill, and `precue report` on it must name each of
 * those GOs, render the timeline (PNG) and write a self-contained page.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeOscMessage, type OscArg } from '../../engine/core/osc/packet.js';
import { parseRunLog } from '../../engine/core/runs/runLog.js';

const root = resolve(import.meta.dirname, '../..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a run of the demo in assist with a scripted operator, killed with -9', () => {
  it('leaves a decision log that reads back, and precue report names every GO', async () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'precue-runs-'));
    const child = spawn(process.execPath, ['bin/precue.js', 'run', 'shows/demo', '--no-journal', '--no-console', '--osc-in-port', '0', '--artnet-port', '9', '--artnet-discovery-port', '0'], {
      cwd: root,
      env: { ...process.env, PRECUE_RUNS_DIR: runsDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    const osc = dgram.createSocket('udp4');
    try {
      const started = Date.now();
      while (!/OSC control in: 127\.0\.0\.1:(\d+)/.test(out) && Date.now() - started < 40_000 && child.exitCode === null) await sleep(50);
      const port = Number(/OSC control in: 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
      expect(port, out).toBeGreaterThan(0);
      const send = (path: string, ...args: OscArg[]): void => osc.send(encodeOscMessage({ address: path, args }), port, '127.0.0.1');
      // The run's start line says where audio time 0 is on the engine's (wall) clock.
      const runDir = join(runsDir, readdirSync(runsDir)[0]!);
      const start = parseRunLog(readFileSync(join(runDir, 'decisions.jsonl'), 'utf8'), 'decisions.jsonl').log!.start;
      for (const d of ['LX', 'VID', 'CAM']) send(`/dept/${d}/mode`, 'assist');
      send('/dept/CAM/go'); // CAM's opening cue (the model cannot predict it before the music)
      // The script, in audio seconds (the demo take's cues are at 10.722, 21.389, 32.055 …).
      const script: Array<[number, string]> = [
        [10.722 + 0.6, '/dept/LX/go'], //           LX 2: late by 600 ms (more than a beat at 177 BPM)
        [10.722, '/dept/CAM/go'], //                CAM 2: on time
        [21.389, '/dept/LX/cue/4/start'], //        LX: cue 4 instead of 3, out of order
        [21.389 + 0.15, '/dept/CAM/go'], //         CAM 3: 150 ms late, within a beat
        //                                          VID 2 at 21.389: skipped (nobody fires it)
        [32.055, '/dept/CAM/go'], //                CAM 4: on time
      ];
      script.sort((a, b) => a[0] - b[0]);
      for (const [atS, path] of script) {
        const wait = start.audioOffsetMs + atS * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
        send(path);
      }
      await sleep(1500);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const text = readFileSync(join(runDir, 'decisions.jsonl'), 'utf8');
      const { log, problems } = parseRunLog(text, 'decisions.jsonl');
      expect(problems).toEqual([]);
      expect(log!.end).toBeUndefined(); // killed: no clean stop
      const osc$ = log!.decisions.filter((d) => d.source === 'osc' && (d.action === 'go' || d.action === 'goto'));
      expect(osc$.map((d) => `${d.dept} ${d.cue}`)).toEqual(['CAM 1', 'CAM 2', 'LX 2', 'LX 4', 'CAM 3', 'CAM 4']);
      for (const d of osc$) expect(d.mode).toBe('assist');
      // Each GO carries shadow mode's verdict; the late one and the out-of-order one say so.
      const verdict = (dept: string, cue: string) => osc$.find((d) => d.dept === dept && d.cue === cue)!.shadow!;
      expect(verdict('LX', '2').leadMs!).toBeGreaterThan(300);
      expect(verdict('LX', '2').within100ms).toBe(false);
      expect(verdict('LX', '4').predicted).toBeNull();
      expect(verdict('CAM', '4').withinBeat).toBe(true);
      expect(log!.modes.filter((m) => m.mode === 'assist').map((m) => m.dept).sort()).toEqual(['LX', 'VID']);

      const reportDir = mkdtempSync(join(tmpdir(), 'precue-report-'));
      const rep = spawnSync(process.execPath, ['bin/precue.js', 'report', runDir, '--out', reportDir, '--json'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(rep.status, rep.stderr).toBe(0);
      const json = JSON.parse(rep.stdout.trim().split('\n').pop()!) as { clean: boolean; depts: { id: string; shadow: { gos: number }; events: { kind: string; cue?: string; t: number }[] }[] };
      expect(json.clean).toBe(false);
      const events = (dept: string) => json.depts.find((d) => d.id === dept)!.events.map((e) => `${e.kind} ${e.cue ?? ''}`);
      expect(events('LX')).toContain('late 2');
      expect(events('LX')).toContain('override 4');
      expect(events('VID')).toContain('skipped 2');
      expect(json.depts.find((d) => d.id === 'CAM')!.shadow.gos).toBe(4);
      const html = readFileSync(join(reportDir, 'report.html'), 'utf8');
      for (const s of ['late', 'override', 'skipped', 'no clean stop', '<svg']) expect(html).toContain(s);
      // Self-contained: nothing it loads from elsewhere.
      expect(html).not.toMatch(/<script|<link|src="http|href="http|url\(http/);
      expect(existsSync(join(reportDir, 'timeline.png'))).toBe(true);
      expect(readFileSync(join(reportDir, 'timeline.png')).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      osc.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
