import { useEffect } from 'react';
import { routeHash } from '../../routing/route';
import { useStudio } from '../../store';
import { AddModelForm } from './AddModelForm';
import { ModelList } from './ModelList';
import '../compare/shared.css';
import './models.css';

/** The base models the studio can train on: the embedded default and every model added to the library. */
export function ModelsScreen() {
  const loadModels = useStudio((s) => s.loadModels);
  useEffect(() => void loadModels(), [loadModels]);
  return (
    <main className="models-screen" data-testid="models-screen">
      <header className="app-header">
        <a className="back-link" href={routeHash({ screen: 'projects' })} data-testid="models-back">
          ← Projects
        </a>
        <h1 className="app-title">Base models</h1>
        <span className="app-subtitle">What each project can train on</span>
      </header>
      <div className="projects-layout">
        <ModelList />
        <AddModelForm />
      </div>
    </main>
  );
}
