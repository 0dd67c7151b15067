/** The sections of a project, in workflow order; each is a tab of the project frame and a URL segment. */
export const sectionIds = ['dataset', 'captions', 'train', 'compare', 'generate', 'export'] as const;
export type SectionId = (typeof sectionIds)[number];

export type Route = { screen: 'projects' } | { screen: 'models' } | { screen: 'settings' } | { screen: 'project'; dir: string; section: SectionId };

function isSectionId(value: string): value is SectionId {
  return (sectionIds as readonly string[]).includes(value);
}

/**
 * The view lives in the URL hash (`#/project/<encoded dir>/dataset`) so a reload, or a link, keeps it.
 * The folder is one encoded segment because it contains slashes itself.
 */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'project' && parts[1]) {
    let dir: string;
    try {
      dir = decodeURIComponent(parts[1]);
    } catch {
      return { screen: 'projects' };
    }
    const section = parts[2] && isSectionId(parts[2]) ? parts[2] : 'dataset';
    return { screen: 'project', dir, section };
  }
  if (parts[0] === 'models') return { screen: 'models' };
  if (parts[0] === 'settings') return { screen: 'settings' };
  return { screen: 'projects' };
}

export function routeHash(route: Route): string {
  if (route.screen === 'project') return `#/project/${encodeURIComponent(route.dir)}/${route.section}`;
  return route.screen === 'projects' ? '#/' : `#/${route.screen}`;
}
