import { sectionGuide } from '../../guide';
import { routeHash, sectionIds, type SectionId } from '../../routing/route';

/** The workflow's steps, in order, as links: each one is a URL, so reload and back/forward keep the view. */
export function SectionTabs({ dir, current }: { dir: string; current: SectionId }) {
  return (
    <nav className="section-tabs" aria-label="Project sections">
      {sectionIds.map((id, i) => (
        <a
          key={id}
          className={`section-tab${id === current ? ' active' : ''}`}
          href={routeHash({ screen: 'project', dir, section: id })}
          aria-current={id === current ? 'page' : undefined}
          data-testid={`section-tab-${id}`}
        >
          <span className="section-step">{i + 1}</span>
          {sectionGuide[id].label}
        </a>
      ))}
    </nav>
  );
}
