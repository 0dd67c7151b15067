/** Everything the services push to the UI without being asked, name → payload. */
export interface ServerEvents {
  /** The recent-projects list or a project's settings changed (another window, the CLI). */
  'projects-changed': { dir: string | null };
}
export type ServerEventName = keyof ServerEvents;
