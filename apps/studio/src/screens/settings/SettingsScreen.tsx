import { useEffect } from 'react';
import { routeHash } from '../../routing/route';
import { useStudio } from '../../store';
import { ComputeSettingsForm } from './ComputeSettingsForm';
import { WorkersPanel } from './WorkersPanel';
import './settings.css';

/** The studio's own settings (kept with the app, not in any project): where runs train, and the queue's workers. */
export function SettingsScreen() {
  const loadCompute = useStudio((s) => s.loadCompute);
  useEffect(() => void loadCompute(), [loadCompute]);
  return (
    <main className="settings-screen" data-testid="settings-screen">
      <header className="app-header">
        <a className="back-link" href={routeHash({ screen: 'projects' })} data-testid="settings-back">
          ← Projects
        </a>
        <h1 className="app-title">Settings</h1>
        <span className="app-subtitle">For this studio, in every project</span>
      </header>
      <div className="settings-layout">
        <ComputeSettingsForm />
        <WorkersPanel />
      </div>
    </main>
  );
}
