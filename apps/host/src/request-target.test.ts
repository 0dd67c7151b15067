import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from './request-target';

describe('request target', () => {
  it('decodes the path and the query once', () => {
    const target = parseRequestTarget('/media?project=%2Fhome%2Fa%20b&path=cache%2Fthumbs%2F1.jpg&q=a+b&flag#frag');
    expect(target?.path).toBe('/media');
    expect(target?.query.get('project')).toBe('/home/a b');
    expect(target?.query.get('path')).toBe('cache/thumbs/1.jpg');
    expect(target?.query.get('q')).toBe('a b');
    expect(target?.query.get('flag')).toBe('');
    expect(parseRequestTarget('/%25zz?path=%25')).toEqual({ path: '/%zz', query: new URLSearchParams([['path', '%']]) });
    expect(parseRequestTarget('/%2e%2e/x')?.path).toBe('/../x');
  });

  it('refuses broken escapes, bytes that are not UTF-8, and anything that is not a path', () => {
    for (const raw of ['/%zz.js', '/%', '/a%E0%A4%A', '/%C0%AF', '/?x=%', '/?%zz', '/?a=1&b=%G0', 'http://evil.example/', '*', '', undefined]) {
      expect(parseRequestTarget(raw), String(raw)).toBeUndefined();
    }
  });
});
