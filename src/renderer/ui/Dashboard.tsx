import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ClientApi } from '../client/api.js';
import { accessOf, mayReadAudit } from '../state/access.js';
import { NO_FILTERS, type Filters } from '../state/filters.js';
import { useLiveContainers } from '../state/live-containers.js';
import { StatsHistory, useStatsStream } from '../state/stats-history.js';
import { useThrottled } from '../state/throttle.js';
import { AuditView } from './AuditView.js';
import { ComposeView } from './ComposeView.js';
import { ContainerDetail } from './ContainerDetail.js';
import { ContainersView } from './ContainersView.js';
import { Dashboard as DashboardCtx, type DashboardContext, type Notice, type Session } from './context.js';
import { runControl, type ControlAction } from './control.js';
import { GroupsView } from './GroupsView.js';
import { HostsView } from './HostsView.js';
import { Notices } from './Notices.js';
import { SwarmView } from './SwarmView.js';
import { ThemeToggle } from './ThemeToggle.js';

type Tab = 'containers' | 'groups' | 'compose' | 'hosts' | 'swarm' | 'audit';

declare global {
  interface Window {
    /**
     * For scripts and tests: the same control path as a row's button, also for a container the
     * page offers no button for, so that the server's refusal can be seen.
     */
    lucidDashboard?: { control(action: ControlAction, name: string): Promise<boolean> };
  }
}

interface Props {
  client: ClientApi;
  session: Session;
  onSignOut(reason?: string): void;
}

export function Dashboard({ client, session, onSignOut }: Props) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const nextNotice = useRef(1);
  const notify = useCallback((n: Omit<Notice, 'id'>) => {
    setNotices((list) => [...list.slice(-4), { ...n, id: nextNotice.current++ }]);
  }, []);
  const live = useLiveContainers(client, (message) => onSignOut(`The manager no longer accepts your token (${message}). Sign in again.`));
  // Read again with the hosts: a host's access is part of what a row offers.
  const access = useMemo(() => accessOf(session, live.hosts), [session, live.hosts]);
  const ctx = useMemo<DashboardContext>(() => ({ client, session, access, notify }), [client, session, access, notify]);
  const [tab, setTab] = useState<Tab>('containers');
  const [history] = useState(() => new StatsHistory());
  // The small charts' stream runs while the containers are shown: it keeps the manager sampling every running container.
  const statsProblem = useStatsStream(client, history, tab === 'containers');
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [openId, setOpenId] = useState<string | undefined>();
  // Views that read groups, projects or the trail again do so when a container of a
  // group, a compose project or a swarm service changes state, at most once a second: not for every event of a busy engine.
  const grouped = useMemo(
    () =>
      [...live.containers.values()]
        .filter((c) => c.group !== null || c.labels['com.docker.compose.project'] !== undefined || c.labels['com.docker.swarm.service.name'] !== undefined)
        .map((c) => `${c.id}:${c.state}:${c.health}`)
        .join(),
    [live.containers],
  );
  const changes = useThrottled(grouped, 1000);
  const opened = openId ? live.containers.get(openId) : undefined;

  useEffect(() => {
    window.lucidDashboard = {
      control: (action, name) => {
        const target = [...live.containers.values()].find((c) => c.name === name);
        return runControl(ctx, action, target ?? { id: name, name });
      },
    };
  }, [ctx, live.containers]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement;
      if (e.key === 'Escape' && openId) setOpenId(undefined);
      else if (e.key === '/' && !typing) {
        e.preventDefault();
        setTab('containers');
        setOpenId(undefined);
        requestAnimationFrame(() => document.querySelector<HTMLInputElement>('input[data-shortcut="/"]')?.focus());
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [openId]);

  const tabs: [Tab, string][] = [
    ['containers', 'Containers'],
    ['groups', 'Groups'],
    ['compose', 'Compose'],
    ['hosts', 'Hosts'],
    // A worker alone shows the tab too: it says why there is no cluster to show.
    ...([...live.hosts.values()].some((h) => h.info?.swarmManager || h.info?.swarm?.role === 'worker') ? ([['swarm', 'Swarm']] as [Tab, string][]) : []),
    ...(mayReadAudit(access) ? ([['audit', 'Audit']] as [Tab, string][]) : []),
  ];

  return (
    <DashboardCtx.Provider value={ctx}>
      <header class="top">
        <h1>Lucid Docker</h1>
        <nav aria-label="Views">
          {tabs.map(([id, label]) => (
            <button
              key={id}
              type="button"
              class="tab"
              aria-current={tab === id ? 'page' : undefined}
              onClick={() => {
                setTab(id);
                setOpenId(undefined);
              }}
            >
              {label}
            </button>
          ))}
        </nav>
        <span class="spacer" />
        <span class={`connection ${live.connection}`} role="status" data-connection={live.connection}>
          {live.connection === 'live' ? 'Live' : live.connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
        <span class="who">
          {session.sub} <span class="muted">({session.role})</span>
          {session.bound && <span class="muted"> · signed in by the app</span>}
        </span>
        <ThemeToggle />
        {!session.bound && (
          <button type="button" class="quiet" onClick={() => onSignOut()}>
            Sign out
          </button>
        )}
      </header>
      {live.connection === 'reconnecting' && (
        <p class="banner bad" role="alert" data-banner="connection">
          Connection to the manager lost{live.lostReason ? ` (${live.lostReason})` : ''}. Reconnecting; the list may be out of date until then.
        </p>
      )}
      {[...live.hosts.values()]
        .filter((h) => h.state === 'down')
        .map((h) => (
          <p key={h.name} class="banner bad" role="alert" data-banner="host">
            Host {h.name} is down{h.reason ? `: ${h.reason}` : ''}. Its containers show their last known state.
          </p>
        ))}
      <Notices notices={notices} dismiss={(id) => setNotices((l) => l.filter((n) => n.id !== id))} />
      <main class="content">
        {tab === 'containers' &&
          (opened ? (
            <ContainerDetail summary={opened} onBack={() => setOpenId(undefined)} />
          ) : (
            <ContainersView live={live} history={history} statsProblem={statsProblem} filters={filters} setFilters={setFilters} onOpen={setOpenId} />
          ))}
        {tab === 'groups' && <GroupsView changes={changes} />}
        {tab === 'compose' && <ComposeView changes={changes} />}
        {tab === 'hosts' && <HostsView hosts={live.hosts} containers={live.containers} />}
        {tab === 'swarm' && <SwarmView hosts={live.hosts} />}
        {tab === 'audit' && <AuditView changes={changes} />}
      </main>
    </DashboardCtx.Provider>
  );
}
