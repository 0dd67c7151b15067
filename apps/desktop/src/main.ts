// Electron main: a window, and a relay between the renderer (IPC) and the services process. No domain logic here.
import { app, BrowserWindow, ipcMain, session, utilityProcess, type UtilityProcess } from 'electron';
import { join } from 'node:path';
import { API_CHANNEL } from './bridge-channel';
import { CONTENT_SECURITY_POLICY } from '@lora-studio/api';

let services: UtilityProcess | undefined;

function startServices(): UtilityProcess {
  const child = utilityProcess.fork(join(__dirname, 'services.cjs'), [], { serviceName: 'LoRA Studio services' });
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
    services = startServices();
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
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  services?.kill();
  if (process.platform !== 'darwin') app.quit();
});
