import { describe, expect, it } from 'vitest';
import { peerOf } from '../../../engine/io/continuity/discovery.js';
import { primaryWsUrl } from '../../../engine/io/continuity/primaryLink.js';

const own = new Set(['127.0.0.1', '192.0.2.2']);
const service = (txt: Record<string, string>, addresses: string[] = ['192.0.2.9']) => ({ name: 'Precue Demo 1234abcd', port: 8080, host: 'desk.local', txt, addresses });

describe('engines heard over mDNS', () => {
  it('lists another engine at the address it announced from, with its show, role and TLS', () => {
    expect(peerOf(service({ engine: 'b', show: 'Demo', role: 'standby', tls: '1', bind: '0.0.0.0' }), 'a', own)).toEqual({ name: 'Precue Demo 1234abcd', show: 'Demo', host: '192.0.2.9', port: 8080, tls: true, role: 'standby' });
    expect(peerOf(service({ engine: 'b', show: 'Demo', bind: '10.0.0.5' }), 'a', own)?.host).toBe('10.0.0.5');
  });

  it('leaves out itself, and a loopback-only console on another machine; lists one on this machine at 127.0.0.1', () => {
    expect(peerOf(service({ engine: 'a', bind: '0.0.0.0' }), 'a', own)).toBeUndefined();
    expect(peerOf(service({ engine: 'b', bind: '127.0.0.1' }), 'a', own)).toBeUndefined();
    expect(peerOf(service({ engine: 'b', bind: '127.0.0.1' }, ['192.0.2.2']), 'a', own)?.host).toBe('127.0.0.1');
  });
});

describe('--backup-of addresses', () => {
  it('takes host:port, [v6]:port or a console URL; refuses anything else with the form to use', () => {
    expect(primaryWsUrl('10.0.0.5:8080')).toBe('ws://10.0.0.5:8080/ws');
    expect(primaryWsUrl('[::1]:8080')).toBe('ws://[::1]:8080/ws');
    expect(primaryWsUrl('wss://desk.local:8443/')).toBe('wss://desk.local:8443/ws');
    expect(() => primaryWsUrl('desk.local')).toThrow(/give the primary's console as host:port/);
    expect(() => primaryWsUrl('10.0.0.5:99999')).toThrow(/host:port/);
  });
});
