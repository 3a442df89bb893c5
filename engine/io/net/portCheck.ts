/** Start-up checks for the ports a command is about to open, so a clash fails fast with one line. */
import { createServer } from 'node:net';
import { DeviceError } from '../../core/errors.js';

/** Resolves when `host:port` can be listened on now (it is released at once); else a DeviceError naming it. */
export async function assertTcpPortFree(host: string, port: number, what: string, hint: string): Promise<void> {
  await new Promise<void>((resolveCheck, rejectCheck) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const detail = err.code === 'EADDRINUSE' ? 'the port is already in use' : err.code === 'EADDRNOTAVAIL' ? 'this machine has no such address' : err.code === 'EACCES' ? 'not allowed to listen there' : err.message;
      rejectCheck(new DeviceError(`${what} ${host}:${port}`, detail, err.code === 'EADDRINUSE' ? hint : 'check --host', { cause: err }));
    });
    probe.listen(port, host, () => probe.close(() => resolveCheck()));
  });
}
