/** `precue report`: the post-show report of a run (or of a take, replayed through the model in shadow mode). */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { compareReports } from '../../core/runs/report.js';
import { reportFolder, writeFolderReport } from '../../io/runs/folderReport.js';
import { parseCommandArgs, type Command } from '../command.js';
import { EXIT } from '../exitCodes.js';

const help = `Usage: precue report <run or take folder> [--out <dir>] [--model <dir>] [--compare <folder> [--compare-model <dir>]] [--json]

Writes report.html (one self-contained page: no scripts, no external references) and timeline.png
into --out (default: the folder itself):
  - a summary per department ("LX would have fired 9 of 10 cues within ±100 ms; one miss at 1:12");
  - a timeline per department of the rehearsal's cues, what the model would have fired and what went,
    over the waveform (when the run kept its audio) and the bar grid, and the model's confidence;
  - every override, late or early GO, miss and false fire with its time and reason, and every decision
    with who made it, the mode, where the music was and the prediction it overrode;
  - F1 and timing error per department, and shadow mode's score: how many of the operator's GOs the
    model had predicted within ±100 ms and ±1 beat, and its mean lead;
  - the fixtures' usage in the run, and maintenance hints past the show's thresholds.

A run folder is read from its decisions.jsonl (a log cut short by a crash reads up to the crash). A take
without one (such as shows/demo/takes/demo) is replayed through the show's model (or --model) on the
offline clock with every department in manual and the take's cues fired as the operator's GOs.

Options:
  --out <dir>     where to write report.html and timeline.png (default: the folder)
  --model <dir>   the model to replay a take through (default: the show's, beside the take)
  --compare <dir> compare with an earlier run (or take) department by department: shadow mode's
                  score before and now, and whether it got better (after retraining on a run, say)
  --compare-model <dir>  the model to replay --compare through when it is a take (default: --model's)
  --json          also print the report's figures as one JSON object

Example:
  precue report shows/demo/takes/run-20260131-204512
  precue report shows/demo/takes/demo --out /tmp/demo-report
`;

export const command: Command = {
  name: ['report'],
  summary: 'the post-show report of a run or take: timeline, overrides and misses, shadow-mode score',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('report', args, {
      out: { type: 'string' },
      model: { type: 'string' },
      json: { type: 'boolean', default: false },
      compare: { type: 'string' },
      'compare-model': { type: 'string' },
    });
    const dir = positionals[0];
    if (dir === undefined || positionals.length > 1) throw new UsageError("precue report: give one run or take folder, e.g. 'precue report shows/demo/takes/demo'.");
    const r = await reportFolder(dir, { ...(values.model !== undefined ? { model: values.model } : {}), progress: (l) => ctx.stderr(`precue report: ${l}\n`) });
    const compareModel = values['compare-model'] ?? values.model;
    const before = values.compare === undefined ? undefined : await reportFolder(values.compare, { ...(compareModel !== undefined ? { model: compareModel } : {}), progress: (l) => ctx.stderr(`precue report: ${l}\n`) });
    const out = resolve(values.out ?? dir);
    await mkdir(out, { recursive: true });
    const files = await writeFolderReport(r, out, before);
    if (before !== undefined) {
      for (const c of compareReports(before.report, r.report)) {
        ctx.stdout(`${c.id}: ${c.verdict === 'the same' ? 'the same as' : `${c.verdict} than`} ${before.report.run} — operator GOs predicted within ±100 ms ${c.before.hits} before, ${c.after.hits} now; F1 ${c.before.f1.toFixed(3)} → ${c.after.f1.toFixed(3)}\n`);
      }
    }
    for (const s of r.report.summary) ctx.stdout(`${s}\n`);
    for (const h of r.hints) ctx.stdout(`maintenance: ${h.text}\n`);
    ctx.stdout(`report    ${files.html}\ntimeline  ${files.png}\n`);
    if (values.json) {
      const depts = r.report.depts.map((d) => ({ id: d.id, modes: d.modes, metrics: d.metrics, shadow: d.shadow, events: d.events, summary: d.summary }));
      ctx.stdout(`${JSON.stringify({ run: r.report.run, from: r.from, clean: r.report.clean, durationS: r.report.durationS, depts, hints: r.hints })}\n`);
    }
    return EXIT.ok;
  },
};
