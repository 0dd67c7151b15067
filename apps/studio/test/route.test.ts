import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash, sectionIds } from '../src/routing/route';

describe('routes in the URL hash', () => {
  it('round-trips every section of a project whose folder has slashes, spaces and non-ASCII', () => {
    const dir = '/home/mia/LoRA projects/Café #1';
    for (const section of sectionIds) {
      expect(parseRoute(routeHash({ screen: 'project', dir, section }))).toEqual({ screen: 'project', dir, section });
    }
  });

  it('falls back to the Projects screen or the first section on anything else', () => {
    expect(parseRoute('')).toEqual({ screen: 'projects' });
    expect(parseRoute('#/')).toEqual({ screen: 'projects' });
    expect(parseRoute('#/project/')).toEqual({ screen: 'projects' });
    expect(parseRoute('#/project/%E0%A4%A/dataset')).toEqual({ screen: 'projects' });
    expect(parseRoute('#/project/%2Fp/unknown')).toEqual({ screen: 'project', dir: '/p', section: 'dataset' });
    expect(routeHash({ screen: 'projects' })).toBe('#/');
  });

  it('has the Models screen at #/models', () => {
    expect(routeHash({ screen: 'models' })).toBe('#/models');
    expect(parseRoute('#/models')).toEqual({ screen: 'models' });
  });

  it('has Settings at #/settings', () => {
    expect(routeHash({ screen: 'settings' })).toBe('#/settings');
    expect(parseRoute('#/settings')).toEqual({ screen: 'settings' });
  });
});
