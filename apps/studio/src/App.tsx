import { StatusBar } from './components/StatusBar';
import { useRoute } from './routing/use-route';
import { ModelsScreen } from './screens/models/ModelsScreen';
import { ProjectFrame } from './screens/project/ProjectFrame';
import { ProjectsScreen } from './screens/projects/ProjectsScreen';
import { SettingsScreen } from './screens/settings/SettingsScreen';

export function App() {
  const route = useRoute();
  return (
    <div className="app">
      {route.screen === 'project' ? (
        <ProjectFrame dir={route.dir} section={route.section} />
      ) : route.screen === 'models' ? (
        <ModelsScreen />
      ) : route.screen === 'settings' ? (
        <SettingsScreen />
      ) : (
        <ProjectsScreen />
      )}
      <StatusBar />
    </div>
  );
}
