import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ClientApi } from '../client/api.js';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  /** What was tried, e.g. "Stop lucid-api-gateway". */
  title: string;
  /** The manager's code, for a refusal. */
  code?: string;
  message: string;
}

export interface DashboardContext {
  client: ClientApi;
  /** The role the token names; undefined for an identity the host app bound. */
  role: string | undefined;
  /** The hosts the token is narrowed to, if it is. */
  hosts: readonly string[] | undefined;
  notify(notice: Omit<Notice, 'id'>): void;
}

export const Dashboard = createContext<DashboardContext | undefined>(undefined);

export function useDashboard(): DashboardContext {
  const value = useContext(Dashboard);
  if (!value) throw new Error('useDashboard outside the dashboard');
  return value;
}
