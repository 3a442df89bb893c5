/**
 * The running show as the show editor changes it: the stage it records from is playback's last frame,
 * and a new version of the show is compiled for playback before anything changes (a department that
 * cannot compile refuses the edit) and put on only when the editor commits.
 */
import { deptId } from '../ids.js';
import { compileDepartment, type CompiledDept } from '../playback/compile.js';
import type { Playback } from '../playback/playback.js';
import type { ShowFile } from '../show/schema.js';
import type { DeptChange, EditTarget } from './showEditor.js';

/** An `EditTarget` over a show's playback. `file` names the show file in compile errors. */
export function playbackEditTarget(playback: Playback, file = 'show.json'): EditTarget {
  return {
    stage(dept) {
      // A lighting department (one that set levels when the show started) records; video or sound cues
      // have no look of their own. Nothing is on stage before the first frame.
      const d = playback.depts.get(deptId(dept));
      const shown = playback.shown;
      if (d === undefined || d.fades === null || shown === undefined) return undefined;
      return { slots: shown, discrete: playback.space.discrete };
    },
    live(dept) {
      return playback.depts.get(deptId(dept))?.state().current ?? null;
    },
    prepare(show: ShowFile, changes: readonly DeptChange[], updateLive: boolean) {
      const compiled: { id: string; program: CompiledDept }[] = [];
      for (const c of changes) {
        const index = show.departments.findIndex((d) => d.id === c.dept);
        const dept = show.departments[index];
        if (dept === undefined) throw new Error(`there is no department '${c.dept}'`);
        const program = compileDepartment(dept, index, playback.space, file);
        if (program.hasLevels && playback.depts.get(deptId(dept.id))?.fades === null) throw new Error(`${dept.id} set no levels when the show started (give it its first look in show.json and restart)`);
        compiled.push({ id: dept.id, program });
      }
      return () => {
        for (const c of compiled) playback.reprogram(deptId(c.id), c.program, updateLive);
      };
    },
  };
}
