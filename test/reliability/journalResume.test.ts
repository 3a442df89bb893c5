/**
 * Resume after a crash, as a touring crew meets it: `precue run` on a show folder, an operator console
 * scripting the show (GO, BACK, GOTO and mode changes in every department, each sent once the last has
 * shown on the console), and SIGKILL at a random moment; then `precue run` again on the same folder.
 * Every time, each department must come back at its last fired cue and mode — the state before the
 * command in flight at the kill, or after it — with no cue fired again (the decision log of the
 * restarted engine holds no GO), the console saying it resumed, and the journal readable to the last
 * line.
 *
 * Rounds: `PRECUE_KILL_ROUNDS` (default 6: each round starts an engine; the acceptance run is 100).
 * The seed is printed, and `PRECUE_KILL_SEED` replays a run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { JOURNAL_FILE, readJournal } from '../../engine/core/continuity/journal.js';
import { seededRandom } from '../../engine/core/model/dataset.js';
import { applyDelta, parseServerMessage, type ConsoleCommand, type DeptMode, type EngineSnapshot } from '../../engine/core/protocol/index.js';
import { e2eTokens, spawnEngine, type EngineProcess } from '../e2e/consoleHarness.js';
import { writeTestShow } from './precueProcess.js';

const ROUNDS = Number(process.env.PRECUE_KILL_ROUNDS ?? 6);
const SEED = Number(process.env.PRECUE_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));


interface Position {
  cue: string | null;
  mode: DeptMode;
}

/** An operator console: the snapshot kept current; commands sent without waiting for their answer. */
async function operatorConsole(httpUrl: string): Promise<{ state(): EngineSnapshot | null; send(c: ConsoleCommand): void; close(): void; closed(): boolean }> {
  const ws = new WebSocket(`${httpUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/ws`, { headers: { Authorization: `Bearer ${e2eTokens.operator}` } });
  let snapshot: EngineSnapshot | null = null;
  let closed = false;
  let next = 1;
  ws.on('message', (data: Buffer) => {
    const parsed = parseServerMessage(data.toString('utf8'));
    if (!parsed.ok) return;
    const m = parsed.value;
    if (m.type === 'init') snapshot = m.snapshot;
    else if (m.type === 'delta' && snapshot !== null) snapshot = applyDelta(snapshot, m.delta, m.engineTimeMs);
  });
  ws.on('close', () => (closed = true));
  ws.on('error', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const start = Date.now();
  while (snapshot === null && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
  return {
    state: () => snapshot,
    send: (command) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'command', id: `k${next++}`, command }));
    },
    close: () => ws.close(),
    closed: () => closed,
  };
}

function positions(s: EngineSnapshot): Map<string, Position> {
  return new Map(s.depts.map((d) => [d.id, { cue: d.current, mode: d.mode }]));
}

const same = (a: Position | undefined, b: Position | undefined): boolean => a !== undefined && b !== undefined && a.cue === b.cue && a.mode === b.mode;

/** One scripted command that changes something, and the position it leads to. */
function pickCommand(rand: () => number, s: EngineSnapshot): { command: ConsoleCommand; dept: string; after: Position } {
  const d = s.depts[Math.floor(rand() * s.depts.length)]!;
  const numbers = d.cues.map((c) => c.number);
  const at = d.current === null ? -1 : numbers.indexOf(d.current);
  const r = rand();
  if (r < 0.15) {
    const modes: DeptMode[] = (['manual', 'assist', 'auto'] as const).filter((m) => m !== d.mode);
    const mode = modes[Math.floor(rand() * modes.length)]!;
    return { command: { type: 'set-mode', dept: d.id, mode }, dept: d.id, after: { cue: d.current, mode } };
  }
  if (r < 0.3 && at >= 0) return { command: { type: 'back', dept: d.id }, dept: d.id, after: { cue: at === 0 ? null : numbers[at - 1]!, mode: d.mode } };
  if (r < 0.5) {
    const others = numbers.filter((n) => n !== d.current);
    const cue = others[Math.floor(rand() * others.length)]!;
    return { command: { type: 'goto', dept: d.id, cue }, dept: d.id, after: { cue, mode: d.mode } };
  }
  if (at + 1 < numbers.length) return { command: { type: 'go', dept: d.id }, dept: d.id, after: { cue: numbers[at + 1]!, mode: d.mode } };
  return { command: { type: 'goto', dept: d.id, cue: numbers[0]! }, dept: d.id, after: { cue: numbers[0]!, mode: d.mode } };
}

const ready = /console: (https?:\/\/[^\s#]+\/)/;
const args = (dir: string): string[] => ['bin/precue.js', 'run', dir, '--no-audio', '--no-model', '--osc-in-port', '0', '--port', '0'];

describe(`kill -9 at random moments of a scripted show, then restart (${ROUNDS} rounds, seed ${SEED})`, () => {
  let dir = '';
  let engine: EngineProcess | undefined;
  afterAll(async () => {
    await engine?.kill('SIGKILL');
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('resumes every department at its last fired cue and mode, fires nothing again, and the journal always reads to its last line', async () => {
    const rand = seededRandom(SEED);
    dir = await mkdtemp(join(tmpdir(), 'precue-kill-'));
    // Modes do not fire anything here (no model): only the script moves the stacks.
    await writeTestShow(dir, { edit: (show) => void (show as { outputs: { universes: Array<{ driver: Record<string, unknown> }> } }).outputs.universes.forEach((u) => (u.driver = { kind: 'null' })) });
    let expected: Map<string, Position> | undefined;
    let inFlight: { dept: string; after: Position } | undefined;
    let commands = 0;
    let viaInFlight = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      engine = await spawnEngine(args(dir), ready, 60_000);
      const desk = await operatorConsole(engine.url);
      const s = desk.state();
      expect(s, engine.output()).not.toBeNull();
      const now = positions(s!);
      const log = s!.log.filter((e) => e.action === 'go' || e.action === 'goto' || e.action === 'back');
      if (expected !== undefined) {
        // Resumed where it stood: before the command in flight, or after it.
        for (const [dept, before] of expected) {
          const got = now.get(dept);
          const after = inFlight?.dept === dept ? inFlight.after : undefined;
          if (!same(got, before) && same(got, after)) viaInFlight++;
          expect(same(got, before) || same(got, after), `round ${round} (seed ${SEED}): ${dept} resumed at ${JSON.stringify(got)}, expected ${JSON.stringify(before)}${after !== undefined ? ` or ${JSON.stringify(after)}` : ''}\n${engine.output()}`).toBe(true);
        }
        expect(log, 'a cue was fired again on restart').toEqual([]);
        const anyCue = [...expected.values()].some((p) => p.cue !== null);
        if (anyCue) expect(s!.continuity?.resumed, 'the console says it resumed').not.toBeNull();
        // The journal reads to its last line.
        const journal = readJournal(await readFile(join(dir, JOURNAL_FILE), 'utf8'));
        expect(journal.skipped, `round ${round}: journal lines skipped`).toEqual([]);
      }
      if (round === ROUNDS) break;
      // Script the show and kill the engine at a random moment of it.
      const killAfterMs = 150 + rand() * 1500;
      const started = Date.now();
      expected = positions(desk.state()!);
      inFlight = undefined;
      while (Date.now() - started < killAfterMs) {
        const pick = pickCommand(rand, desk.state()!);
        inFlight = { dept: pick.dept, after: pick.after };
        desk.send(pick.command);
        commands++;
        // The next command goes once this one shows on the console (or the kill comes first).
        while (Date.now() - started < killAfterMs && !same(positions(desk.state()!).get(pick.dept), pick.after)) await new Promise((r) => setTimeout(r, 2));
        if (!same(positions(desk.state()!).get(pick.dept), pick.after)) break;
        expected = positions(desk.state()!);
        inFlight = undefined;
        await new Promise((r) => setTimeout(r, rand() * 40));
      }
      await engine.kill('SIGKILL');
      desk.close();
    }
    console.log(`${ROUNDS} kills (seed ${SEED}): ${commands} scripted commands; every department resumed at its last cue and mode (${viaInFlight} time(s) the command in flight at the kill had already reached the journal); no cue re-fired; no journal line unreadable`);
  }, 60_000 + ROUNDS * 30_000);
});
