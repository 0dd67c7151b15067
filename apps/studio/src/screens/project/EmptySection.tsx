import { sectionGuide } from '../../guide';
import type { SectionId } from '../../routing/route';

/** What a section will hold, in the guide's words, until the section has content. */
export function EmptySection({ section }: { section: SectionId }) {
  const guide = sectionGuide[section];
  return (
    <section className="empty-section" data-testid={`section-${section}`} aria-labelledby="section-title">
      <h2 id="section-title">{guide.label}</h2>
      <div className="empty-state">
        <p className="empty-title">{guide.emptyTitle}</p>
        <p className="empty-text">{guide.emptyText}</p>
      </div>
    </section>
  );
}
