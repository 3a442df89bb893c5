/** Capturing our own loopback traffic with tshark, for the tests that judge packets by its dissectors. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';

/** Why tshark cannot capture on lo here, or undefined when it can. */
export function tsharkCanCapture(): string | undefined {
  const r = spawnSync('tshark', ['-D'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error !== undefined) return 'tshark is not installed (apt-get install tshark)';
  if (!/\blo\b/.test(r.stdout)) return `tshark cannot capture on lo: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  return undefined;
}

/** Starts capturing `filter` on lo into `pcap`; resolves once tshark says it is capturing. Stop it with SIGINT. */
export async function startCapture(filter: string, pcap: string, maxSeconds: number): Promise<ChildProcess> {
  const tshark = spawn('tshark', ['-i', 'lo', '-f', filter, '-w', pcap, '-a', `duration:${maxSeconds}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tshark did not start capturing: ${err}`)), 15_000);
    tshark.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('Capturing on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return tshark;
}

/** A UDP port free on 127.0.0.1 right now. */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}
