/** The tray icon: overall state in its tooltip, and a menu to open windows, pause/resume all, and quit. */
import { Menu, Tray, nativeImage } from 'electron';
import type { AppSnapshot } from '../../core/app/contract.ts';

/** What the tray menu can do. */
export interface TrayActions {
  openStatus(): void;
  openUpload(): void;
  pauseAll(): void;
  resumeAll(): void;
  quit(): void;
}

/** Creates the tray; returns an updater to call with each new snapshot. */
export function createTray(iconFile: string, actions: TrayActions): { update(snapshot: AppSnapshot): void; destroy(): void } {
  const tray = new Tray(nativeImage.createFromPath(iconFile));
  const render = (snapshot: AppSnapshot | null): void => {
    const paused = snapshot?.allPaused ?? false;
    tray.setToolTip(`COS Sync — ${snapshot?.overall.message ?? 'starting'}`);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: snapshot ? snapshot.overall.message : 'Starting…', enabled: false },
        { type: 'separator' },
        { label: 'Open COS Sync', click: actions.openStatus },
        { label: 'Upload files…', click: actions.openUpload },
        paused ? { label: 'Resume all', click: actions.resumeAll } : { label: 'Pause all', click: actions.pauseAll },
        { type: 'separator' },
        { label: 'Quit COS Sync', click: actions.quit },
      ]),
    );
  };
  tray.on('click', actions.openStatus);
  render(null);
  return { update: render, destroy: () => tray.destroy() };
}
