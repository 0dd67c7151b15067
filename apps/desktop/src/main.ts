// Electron main: a window, and a relay between the renderer (IPC) and the services process. No domain logic here.
import { app, BrowserWindow, ipcMain, net, protocol, session, shell, utilityProcess, type UtilityProcess } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// The path module alone: main must not load the store's native SQLite binding.
import { confinedPathOrUndefined } from '@lora-studio/store/paths';
import { pathToFileURL } from 'node:url';
import { RestartPolicy } from './restart-policy';
import { API_CHANNEL, SERVICES_STATE_CHANNEL, SHOW_IN_FOLDER_CHANNEL } from './bridge-channel';
import { CONTENT_SECURITY_POLICY, type ServicesState } from '@lora-studio/api';

let services: UtilityProcess | undefined;
const restarts = new RestartPolicy();

// Project media (thumbnails, samples) for the sandboxed renderer: lora-media://media?project=<dir>&path=<relative>.
// Only files inside a folder that really is a project are served.
// CORS-enabled so a mask drawn into a canvas (the mask painter) leaves the canvas readable: the renderer is a file://
// page, and every lora-media image is cross-origin to it.
protocol.registerSchemesAsPrivileged([{ scheme: 'lora-media', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);

async function withCors(response: Promise<Response>): Promise<Response> {
  const res = await response;
  const headers = new Headers(res.headers);
  headers.set('access-control-allow-origin', '*');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

function handleMedia(request: Request): Response | Promise<Response> {
  const url = new URL(request.url);
  const project = url.searchParams.get('project');
  const rel = url.searchParams.get('path');
  if (!project || !rel || !existsSync(join(project, 'project.sqlite'))) return new Response('not found', { status: 404 });
  // By real path, as browser mode's /media: a link inside the project that leads out of it is not served.
  const file = confinedPathOrUndefined(project, rel);
  if (!file) return new Response('not found', { status: 404 });
  return withCors(net.fetch(pathToFileURL(file).toString()));
}

/** Tells every window's transport whether the services can answer (see ipcTransport in the studio). */
function broadcastServicesState(state: ServicesState): void {
  for (const w of BrowserWindow.getAllWindows()) w.webContents.send(SERVICES_STATE_CHANNEL, state);
}

function startServices(): UtilityProcess {
  const child = utilityProcess.fork(join(__dirname, 'services.cjs'), [], { serviceName: 'LoRA Studio services' });
  // Frames posted from now on wait in the new process's port until it listens, so the renderer may send again.
  child.once('spawn', () => broadcastServicesState('open'));
  child.on('message', (msg: { windowId?: number; frame: unknown } | { kind: 'event' }) => {
    if ('windowId' in msg && msg.windowId !== undefined) {
      BrowserWindow.fromId(msg.windowId)?.webContents.send(API_CHANNEL, msg.frame);
    } else {
      for (const w of BrowserWindow.getAllWindows()) w.webContents.send(API_CHANNEL, msg);
    }
  });
  child.on('exit', (code) => {
    services = undefined;
    if (code !== 0) console.error(`LoRA Studio services stopped (exit ${code}); restarting.`);
    if (!app.isReady() || BrowserWindow.getAllWindows().length === 0) return;
    // Requests in flight died with the process: the renderer fails them and holds new ones until 'open'.
    broadcastServicesState('reconnecting');
    setTimeout(() => {
      if (!services && BrowserWindow.getAllWindows().length > 0) services = startServices();
    }, restarts.crashed(Date.now()));
  });
  return child;
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'LoRA Studio',
    backgroundColor: '#15171c',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  // No remote content: nothing navigates away from the bundled renderer, no new windows.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void win.loadFile(join(__dirname, '..', '..', 'studio', 'dist', 'index.html'));
}

app.whenReady().then(() => {
  protocol.handle('lora-media', handleMedia);
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  services = startServices();
  ipcMain.on(API_CHANNEL, (event, frame: unknown) => {
    const win = BrowserWindow.fromWebContents(event.sender);
    if (!win) return;
    services ??= startServices();
    services.postMessage({ windowId: win.id, frame });
  });
  ipcMain.on(SHOW_IN_FOLDER_CHANNEL, (_event, path: unknown) => {
    if (typeof path === 'string' && existsSync(path)) shell.showItemInFolder(path);
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  services?.kill();
  if (process.platform !== 'darwin') app.quit();
});
