/**
 * The show's audio input as blocks: a WAV file (in real time, looped if asked, as one continuous time
 * base with a tracker reset at each loop), live capture through arecord/sox/ffmpeg, or raw PCM on
 * standard input.
 */
import { resolve } from 'node:path';
import { asyncScheduler, concat, defer, map, repeat, type Observable, type SchedulerLike } from 'rxjs';
import { AUDIO_BLOCK_SAMPLES, type AudioBlock } from '../../core/audio/types.js';
import type { AudioSourceConfig } from '../../core/show/schema.js';
import { captureBlocks } from './capture.js';
import { checkPcmLayout, pcmBlocks } from './pcmStream.js';
import { playRecording, readWavFile } from './wavFile.js';

/** A source ready to subscribe, and one line saying what it is. */
export interface ShowAudio {
  readonly blocks$: Observable<AudioBlock>;
  readonly description: string;
}

/** Opens the show's audio source. A missing or broken WAV rejects with a clear error naming the file. */
export async function openShowAudio(source: AudioSourceConfig, showDir: string, scheduler: SchedulerLike = asyncScheduler): Promise<ShowAudio> {
  switch (source.kind) {
    case 'file': {
      const path = resolve(showDir, source.path);
      const wav = await readWavFile(path);
      const pace = source.realtime ? 'realtime' : 'fast';
      const once = (loop: number): Observable<AudioBlock> =>
        playRecording(wav, { pace, blockSize: AUDIO_BLOCK_SAMPLES }, scheduler).pipe(map((b) => (loop === 0 ? b : { ...b, t: b.t + loop * wav.durationS })));
      let loop = 0;
      const blocks$ = source.loop ? defer(() => once(loop++)).pipe(repeat()) : concat(once(0));
      return { blocks$, description: `${source.path} (${wav.durationS.toFixed(1)} s, ${wav.sampleRate} Hz${source.realtime ? ', real time' : ', as fast as possible'}${source.loop ? ', looped' : ''})` };
    }
    case 'capture':
      return {
        blocks$: captureBlocks({ ...(source.device !== undefined ? { device: source.device } : {}), ...(source.tool !== undefined ? { tool: source.tool } : {}) }),
        description: `live capture from ${source.device ?? 'the default device'}${source.tool !== undefined ? ` via ${source.tool}` : ''}`,
      };
    case 'stdin': {
      const layout = checkPcmLayout(source.rate, source.channels, source.format);
      return { blocks$: pcmBlocks(process.stdin, layout), description: `raw PCM on standard input (${source.rate} Hz, ${source.channels} ch, ${source.format})` };
    }
    default:
      throw new Error(`unknown audio source ${JSON.stringify(source)}`);
  }
}
