/**
 * A writer to kill: rewrites one file (or model folder) over and over through the engine's own
 * crash-safe write paths, alternating two known versions, until it is killed. `killPoints.ts`
 * SIGKILLs it at random moments and checks the target is always one whole version.
 *
 *   node --import tsx bench/lib/killWriter.ts <show|tokens|model> <target>
 */
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../engine/io/files/atomicWrite.js';
import { versions } from './killPoints.js';

const [kind, target] = process.argv.slice(2);
if (target === undefined) throw new Error('usage: killWriter <show|tokens|model> <target>');
const root = resolve(import.meta.dirname, '../..');

if (kind === 'show' || kind === 'tokens') {
  const [a, b] = await versions(kind);
  for (let i = 0; ; i++) await writeFileAtomic(target, i % 2 === 0 ? a : b, kind === 'tokens' ? { mode: 0o600 } : {});
} else if (kind === 'model') {
  const { loadModelFolder, saveModelFolder } = await import('../../engine/io/model/modelFolder.js');
  const model = await loadModelFolder(join(root, 'shows/demo/model'));
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) await saveModelFolder(target, model.tfModel, { ...model.meta, createdBy: `killtest ${i % 2 === 0 ? 'A' : 'B'}` }, model.alignment);
}
