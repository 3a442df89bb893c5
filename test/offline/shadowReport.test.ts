/**
 * `precue report` on a take without a decision log: the demo take replayed through the demo model on
 * the offline clock, every department in manual, the take's cues fired as the operator's GOs. The run
 * journal scores shadow mode exactly as it does live. The model never trained on this take.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportFolder, writeFolderReport } from '../../engine/io/runs/folderReport.js';

const take = resolve('shows/demo/takes/demo');
const present = existsSync(join(take, 'audio.wav'));

describe.skipIf(!present)('the report of the demo take, replayed in shadow mode', () => {
  it('predicted every operator GO but the opening cues within ±100 ms, and says so in the summary', async () => {
    const r = await reportFolder(take);
    expect(r.from).toBe('shadow replay');
    for (const d of r.report.depts) {
      const gos = r.log.decisions.filter((x) => x.dept === d.id && x.shadow !== undefined);
      expect(d.shadow.gos).toBe(gos.length);
      // The opening cue goes at 0.055 s, before the model has heard anything: not predicted.
      const missed = gos.filter((x) => !x.shadow!.within100ms).map((x) => x.cue);
      expect(missed).toEqual(['1']);
      expect(d.summary).toMatch(new RegExp(`^${d.id} would have fired ${gos.length - 1} of ${gos.length} cues within ±100 ms`));
      for (const x of gos) expect(x.mode).toBe('manual');
    }
    const out = mkdtempSync(join(tmpdir(), 'precue-report-'));
    const files = await writeFolderReport(r, out);
    const html = readFileSync(files.html, 'utf8');
    expect(html).toContain('No decision log here');
    expect(html).toContain('time (m:ss)');
  }, 120_000);
});
