import type { ReactNode } from 'react';
import { sectionGuide } from '../guide';
import type { SectionId } from '../routing/route';

/** What a section says before it has anything to show, in the guide's words, with an optional next step. */
export function SectionEmptyState({ section, children }: { section: SectionId; children?: ReactNode }) {
  const guide = sectionGuide[section];
  return (
    <div className="empty-state">
      <p className="empty-title">{guide.emptyTitle}</p>
      <p className="empty-text">{guide.emptyText}</p>
      {children}
    </div>
  );
}
