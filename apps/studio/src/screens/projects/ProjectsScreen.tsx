import { routeHash } from '../../routing/route';
import { CreateProjectForm } from './CreateProjectForm';
import { RecentProjectList } from './RecentProjectList';

export function ProjectsScreen() {
  return (
    <main className="projects-screen" data-testid="projects-screen">
      <header className="app-header">
        <h1 className="app-title">LoRA Studio</h1>
        <span className="app-subtitle">Train LoRA adapters for FLUX.2-class image models</span>
        <a className="button models-link" href={routeHash({ screen: 'models' })} data-testid="open-models">
          Base models
        </a>
        <a className="button" href={routeHash({ screen: 'settings' })} data-testid="open-settings">
          Settings
        </a>
      </header>
      <div className="projects-layout">
        <RecentProjectList />
        <CreateProjectForm />
      </div>
    </main>
  );
}
