import { useEffect } from 'react';
import type { ConnectionState } from '../client';
import { routeHash } from '../routing/route';
import { useStudio } from '../store';

const connectionText: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Connection lost, reconnecting…',
};

/**
 * Bottom line: is the studio reachable, which compute device would training use (and why not a faster one), and —
 * when Settings → Compute sends runs to a run queue — which queue.
 */
export function StatusBar() {
  const connection = useStudio((s) => s.connection);
  const info = useStudio((s) => s.appInfo);
  const infoError = useStudio((s) => s.appInfoError);
  const compute = useStudio((s) => s.compute);
  const loadCompute = useStudio((s) => s.loadCompute);
  const device = info?.computeDevice;
  // Asked again on every (re)connection: another window may have changed the setting meanwhile.
  useEffect(() => {
    if (connection === 'open') void loadCompute();
  }, [connection, loadCompute]);
  const deviceTooltip = device
    ? [`Execution provider: ${device.provider}`, ...device.fallbacks].join('\n')
    : (infoError ?? 'Asking the studio…');

  return (
    <footer className="status-bar" data-testid="status-bar">
      <span className={`status-connection ${connection}`} data-testid="status-connection" data-state={connection} role="status">
        <span className="status-dot" aria-hidden="true" />
        {connectionText[connection]}
      </span>
      <span className="status-spacer" />
      {info && <span className="status-item">{info.mode === 'desktop' ? 'Desktop' : 'Browser mode'}</span>}
      <span className="status-item status-device" data-testid="status-device" title={deviceTooltip} tabIndex={0}>
        Compute: {device ? device.label : infoError ? 'unknown' : '…'}
        {device && device.fallbacks.length > 0 && (
          <span className="status-fallback-mark" aria-label={`${device.fallbacks.length} reasons a faster device was not used`}>
            i
          </span>
        )}
      </span>
      {compute?.target === 'queue' && (
        <a className="status-item status-runs-on" href={routeHash({ screen: 'settings' })} data-testid="status-runs-on" title={compute.redisUrl}>
          Runs on the queue "{compute.queueName}"
        </a>
      )}
      {info && <span className="status-item status-version">v{info.version}</span>}
    </footer>
  );
}
