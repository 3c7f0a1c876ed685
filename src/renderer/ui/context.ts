import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { SessionOutput } from '../../shared/schemas/session.js';
import type { ClientApi } from '../client/api.js';
import type { Access } from '../state/access.js';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  /** What was tried, e.g. "Stop lucid-api-gateway". */
  title: string;
  /** The manager's code, for a refusal. */
  code?: string;
  message: string;
}

/** Who is signed in, as the server says (`session.get`); `bound`: the host app bound the identity, no token. */
export type Session = SessionOutput & { bound: boolean };

export interface DashboardContext {
  client: ClientApi;
  session: Session;
  /** What to offer, from the session and each host's access. */
  access: Access;
  notify(notice: Omit<Notice, 'id'>): void;
}

export const Dashboard = createContext<DashboardContext | undefined>(undefined);

export function useDashboard(): DashboardContext {
  const value = useContext(Dashboard);
  if (!value) throw new Error('useDashboard outside the dashboard');
  return value;
}
