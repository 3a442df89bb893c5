/** Worker thread body for `replayPool`: replays one take per message and posts its events back. */
import { parentPort } from 'node:worker_threads';
import { replayAudio } from './replay.js';
import type { ListeningSettings } from '../../core/audio/types.js';
import type { PerformerEvent } from '../../core/model/types.js';

parentPort?.on('message', (msg: { id: number; audioPath: string; performer: PerformerEvent[]; settings?: Partial<ListeningSettings> }) => {
  replayAudio(msg.audioPath, msg.performer, msg.settings ?? {}).then(
    (replay) => parentPort?.postMessage({ id: msg.id, replay }),
    (err: unknown) => parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
