import { parseArgs } from 'node:util';
import { editGrid, gridMeter, gridPeriod, type BeatGrid, type GridEdit } from '../../core/audio/beatGrid.js';
import { UsageError } from '../../core/errors.js';
import { analyzeTakeGrids, gridFileOf, readBeatGrid, writeBeatGrid } from '../../io/takes/beatGrid.js';
import type { Command } from '../command.js';

function describe(grid: BeatGrid): string {
  const period = gridPeriod(grid);
  const first = grid.beats.find(([, b]) => b === 0);
  return [
    `${grid.beats.length} beats`,
    period > 0 ? `${(60 / period).toFixed(1)} BPM` : 'no tempo',
    `${gridMeter(grid)} beats per bar`,
    first !== undefined ? `first downbeat at ${first[0].toFixed(3)} s` : 'no downbeat',
    grid.edits.length > 0 ? `edits: ${grid.edits.join(', ')}` : 'uncorrected',
  ].join(', ');
}

function numberArg(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`precue grid: ${flag} needs a number, got '${value ?? ''}'.`);
  return n;
}

export const command: Command = {
  name: ['grid'],
  summary: "a take's beat grid: analyse it (offline, look-ahead), show it, correct it as DJ software does",
  help: `Usage: precue grid <take> [<take>...] [--analyze] [edits...]

A rehearsal take's beat grid (beats.json beside cues.jsonl: every beat and its place in the bar) is
what the live tracker uses, through the score follower, as its prior on tempo, meter and phase. This
command analyses a take's audio into a grid (the learned tracker with look-ahead: the best path over
the whole take), prints it, and applies corrections in the order given, writing beats.json each time.
Takes named together are analysed together: takes of one song agree on the level of their beat (one
heard at half the tempo the others agree on is decoded again at theirs, and says so), and a named
take's stored grid — a corrected one — sets that level.

Options:
  --analyze          analyse the audio and replace the grid (done anyway when the take has none)
  --shift-half       move every beat half a beat later (the grid sat on the off-beats)
  --double           twice as many beats (the grid was at half tempo)
  --halve            every other beat (the grid was at double tempo)
  --downbeat <s>     make the beat nearest this time (seconds) a downbeat; renumber the bars
  --meter <n>        bars of n beats, counted from the first downbeat
  --nudge <ms>       move every beat by this many milliseconds (earlier: --nudge=-20)

Examples:
  precue grid shows/demo/takes/demo --analyze
  precue grid takes/rehearsal-2 --double --downbeat 12.48
  precue grid takes/rehearsal-2 takes/rehearsal-3   (3 has no beats.json yet: analysed at 2's level)
`,
  async run(args, ctx) {
    let tokens;
    let positionals: string[];
    try {
      const parsed = parseArgs({
        args: [...args],
        allowPositionals: true,
        strict: true,
        tokens: true,
        options: {
          analyze: { type: 'boolean' },
          'shift-half': { type: 'boolean', multiple: true },
          double: { type: 'boolean', multiple: true },
          halve: { type: 'boolean', multiple: true },
          downbeat: { type: 'string', multiple: true },
          meter: { type: 'string', multiple: true },
          nudge: { type: 'string', multiple: true },
        },
      });
      tokens = parsed.tokens;
      positionals = parsed.positionals;
    } catch (err) {
      throw new UsageError(`precue grid: ${err instanceof Error ? err.message : String(err)}. See 'precue grid --help'.`);
    }
    if (positionals.length === 0) throw new UsageError("precue grid: name a take folder, e.g. 'precue grid shows/demo/takes/demo'.");
    // Edits in command-line order.
    const edits: GridEdit[] = [];
    let analyze = false;
    for (const t of tokens) {
      if (t.kind !== 'option') continue;
      switch (t.name) {
        case 'analyze':
          analyze = true;
          break;
        case 'shift-half':
          edits.push({ kind: 'shift-half' });
          break;
        case 'double':
          edits.push({ kind: 'double' });
          break;
        case 'halve':
          edits.push({ kind: 'halve' });
          break;
        case 'downbeat':
          edits.push({ kind: 'downbeat', atS: numberArg('--downbeat', t.value) });
          break;
        case 'meter': {
          const n = numberArg('--meter', t.value);
          if (!Number.isInteger(n) || n < 1 || n > 16) throw new UsageError(`precue grid: --meter must be a whole number of beats 1–16, got '${t.value ?? ''}'.`);
          edits.push({ kind: 'meter', beatsPerBar: n });
          break;
        }
        case 'nudge':
          edits.push({ kind: 'nudge', ms: numberArg('--nudge', t.value) });
          break;
      }
    }
    const stored: (BeatGrid | undefined)[] = [];
    for (const take of positionals) stored.push(analyze ? undefined : await readBeatGrid(take));
    // Takes analysed now are analysed together: one song's takes agree on their beat's level, and a
    // named take's stored grid sets it.
    const analysed = stored.some((g) => g === undefined) ? await analyzeTakeGrids(positionals.map((dir, i) => ({ dir, ...(stored[i] !== undefined ? { keep: stored[i] } : {}) }))) : [];
    for (const [i, take] of positionals.entries()) {
      let grid = stored[i];
      if (grid === undefined) {
        const fresh = analysed[i]!;
        grid = fresh.grid;
        await writeBeatGrid(take, grid);
        ctx.stdout(`${take}: analysed — ${describe(grid)}\n`);
        if (fresh.note !== undefined) ctx.stdout(`  ${fresh.note}\n`);
      } else if (edits.length === 0) ctx.stdout(`${take}: ${describe(grid)}\n`);
      for (const e of edits) grid = editGrid(grid, e);
      if (edits.length > 0) {
        await writeBeatGrid(take, grid);
        ctx.stdout(`${take}: ${describe(grid)}\n`);
      }
      ctx.stdout(`  ${gridFileOf(take)}\n`);
    }
    return 0;
  },
};
