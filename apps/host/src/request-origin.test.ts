import { describe, expect, it } from 'vitest';
import { checkOrigin, hostHeaderAccepted } from './request-origin';

describe('Host header', () => {
  it('on loopback, accepts the loopback names of the listening port only', () => {
    const listen = { host: '127.0.0.1', port: 4100 };
    for (const ok of ['127.0.0.1:4100', 'localhost:4100', '[::1]:4100', 'LocalHost:4100']) expect(hostHeaderAccepted(ok, listen), ok).toBe(true);
    for (const bad of ['evil.example:4100', '127.0.0.1:4101', '127.0.0.1', '127.0.0.2:4100', 'localhost:4100:1', '', 'a b:4100', undefined]) {
      expect(hostHeaderAccepted(bad, listen), String(bad)).toBe(false);
    }
  });

  it('with --host NAME, accepts that name (an IPv6 address in brackets) and not the loopback names', () => {
    expect(hostHeaderAccepted('studio.lan:4100', { host: 'studio.lan', port: 4100 })).toBe(true);
    expect(hostHeaderAccepted('localhost:4100', { host: 'studio.lan', port: 4100 })).toBe(false);
    expect(hostHeaderAccepted('[fd00::5]:4100', { host: 'fd00::5', port: 4100 })).toBe(true);
    expect(hostHeaderAccepted('[::1]:4100', { host: '::1', port: 4100 })).toBe(true);
    expect(hostHeaderAccepted('localhost:4100', { host: '::1', port: 4100 })).toBe(true);
  });

  it('on port 80 a Host without a port is the same address', () => {
    expect(hostHeaderAccepted('localhost', { host: '127.0.0.1', port: 80 })).toBe(true);
  });

  it('bound wide (0.0.0.0, ::), accepts any well-formed name and port, since the user chose to be reachable', () => {
    expect(hostHeaderAccepted('studio.example:8080', { host: '0.0.0.0', port: 4100 })).toBe(true);
    expect(hostHeaderAccepted('192.168.1.20:4100', { host: '::', port: 4100 })).toBe(true);
    expect(hostHeaderAccepted('bad/host', { host: '0.0.0.0', port: 4100 })).toBe(false);
  });
});

describe('Origin header', () => {
  it('is own only for http:// and exactly the Host the request named', () => {
    expect(checkOrigin({ host: '127.0.0.1:4100', origin: 'http://127.0.0.1:4100' })).toBe('own');
    expect(checkOrigin({ host: 'localhost', origin: 'http://localhost:80' })).toBe('own');
    expect(checkOrigin({ host: '127.0.0.1:4100' })).toBe('absent');
    for (const origin of ['http://127.0.0.1:4101', 'https://127.0.0.1:4100', 'null', 'http://localhost:4100', 'http://127.0.0.1:4100/x', '']) {
      expect(checkOrigin({ host: '127.0.0.1:4100', origin }), origin).toBe('foreign');
    }
  });
});
