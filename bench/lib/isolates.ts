/**
 * The worker threads of this process, seen through the inspector (`NodeWorker` domain): each one's
 * heap, and a full garbage collection in each on request. A worker that allocates slowly may go an
 * hour without a major collection, so its garbage reads as growth in the process's RSS; a soak that
 * collects every isolate before it samples measures what is kept, and names the isolate that keeps it.
 *
 * Nothing here reaches into the engine: the inspector attaches to the workers the engine starts.
 */
import { Session } from 'node:inspector/promises';

/** One isolate's heap, MB. */
export interface IsolateHeap {
  /** `main`, or the worker's script (file name) or inspector title. */
  readonly name: string;
  readonly usedMB: number;
  readonly totalMB: number;
}

interface WorkerInfo {
  readonly title: string;
  readonly url: string;
}

const mb = (n: number): number => Math.round((n / 1048576) * 10) / 10;

/** An inspector session on this process that follows its workers. */
export class Isolates {
  private readonly workers = new Map<string, WorkerInfo>();
  private readonly pending = new Map<number, (m: { result?: unknown; error?: { message: string } }) => void>();
  private nextId = 1;

  private constructor(private readonly session: Session) {
    session.on('NodeWorker.attachedToWorker', (m) => {
      const p = m.params as { sessionId: string; workerInfo: WorkerInfo };
      this.workers.set(p.sessionId, p.workerInfo);
    });
    session.on('NodeWorker.detachedFromWorker', (m) => this.workers.delete((m.params).sessionId));
    session.on('NodeWorker.receivedMessageFromWorker', (m) => {
      const p = m.params as { message: string };
      const reply = JSON.parse(p.message) as { id?: number; result?: unknown; error?: { message: string } };
      if (reply.id === undefined) return;
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
  }

  /** Attaches to every worker of this process, present and future. */
  static async attach(): Promise<Isolates> {
    const session = new Session();
    session.connect();
    const isolates = new Isolates(session);
    await session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    return isolates;
  }

  private call(sessionId: string, method: string): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer from the worker in 10 s`));
      }, 10_000);
      this.pending.set(id, (m) => {
        clearTimeout(timer);
        if (m.error !== undefined) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result);
      });
      this.session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method }) }).catch(reject);
    });
  }

  /** The worker's name (`[worker 3] frameClockWorker` → `frameClockWorker`), else its script, else its title. */
  private static nameOf(info: WorkerInfo): string {
    const named = /^\[worker \d+\] (.+)$/.exec(info.title);
    if (named !== null) return named[1]!;
    const file = info.url.split('/').pop();
    return file !== undefined && file !== '' ? file : info.title;
  }

  /** A full collection in every worker (the caller collects the main thread's own heap). */
  async collectWorkers(): Promise<void> {
    for (const sessionId of [...this.workers.keys()]) await this.call(sessionId, 'HeapProfiler.collectGarbage').catch(() => undefined);
  }

  /** Every worker's heap (a worker that does not answer is left out). */
  async workerHeaps(): Promise<IsolateHeap[]> {
    const heaps: IsolateHeap[] = [];
    for (const [sessionId, info] of [...this.workers]) {
      const r = (await this.call(sessionId, 'Runtime.getHeapUsage').catch(() => undefined)) as { usedSize: number; totalSize: number } | undefined;
      if (r !== undefined) heaps.push({ name: Isolates.nameOf(info), usedMB: mb(r.usedSize), totalMB: mb(r.totalSize) });
    }
    return heaps;
  }

  async close(): Promise<void> {
    await this.session.post('NodeWorker.disable').catch(() => undefined);
    this.session.disconnect();
  }
}
