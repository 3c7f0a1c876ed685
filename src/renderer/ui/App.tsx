import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ClientApi } from '../client/api.js';
import { errorOf } from '../client/errors.js';
import { saveToken, savedToken, tokenFromFragment } from '../state/session.js';
import type { Session } from './context.js';
import { Dashboard } from './Dashboard.js';
import { SignIn } from './SignIn.js';

type Phase =
  | { phase: 'checking' }
  | { phase: 'out'; reason?: string | undefined; busy?: boolean }
  | { phase: 'in'; client: ClientApi; session: Session };

interface Props {
  /** A client with no identity yet: a new one for each sign-in, so that a sign-out forgets the token. */
  makeClient(): ClientApi;
  /** Inside the Electron app: the host may have bound this window's identity already. */
  bridged: boolean;
}

export function App({ makeClient, bridged }: Props) {
  const [phase, setPhase] = useState<Phase>({ phase: 'checking' });

  const signOut = useCallback((reason?: string) => {
    saveToken(undefined);
    setPhase({ phase: 'out', reason });
  }, []);

  const signIn = useCallback(async (token: string) => {
    setPhase({ phase: 'out', busy: true });
    const client = makeClient();
    try {
      await client.auth.setToken(token);
      const who = await client.session.get();
      saveToken(token);
      setPhase({ phase: 'in', client, session: { ...who, bound: false } });
    } catch (err) {
      const { code, message } = errorOf(err);
      saveToken(undefined);
      setPhase({ phase: 'out', reason: `Sign-in refused: ${code}: ${message}` });
    }
  }, [makeClient]);

  useEffect(() => {
    const token = tokenFromFragment() ?? savedToken();
    if (token) {
      void signIn(token);
      return;
    }
    if (!bridged) {
      setPhase({ phase: 'out' });
      return;
    }
    // A window the host app bound: the server says who it is, and what it may do.
    const client = makeClient();
    client.session.get().then(
      (who) => setPhase({ phase: 'in', client, session: { ...who, bound: true } }),
      () => setPhase({ phase: 'out' }),
    );
  }, [bridged, makeClient, signIn]);

  // The page leaves at the token's expiry, saying so; the server refuses it from then on anyway.
  const expiresAt = phase.phase === 'in' ? phase.session.expiresAt : null;
  useEffect(() => {
    if (!expiresAt) return;
    const at = Date.parse(expiresAt);
    const timer = setTimeout(
      () => signOut(`Your token expired at ${new Date(at).toLocaleTimeString()}. Sign in again.`),
      Math.min(at - Date.now(), 2 ** 31 - 1),
    );
    return () => clearTimeout(timer);
  }, [expiresAt, signOut]);

  if (phase.phase === 'checking') return <p class="empty">Loading…</p>;
  if (phase.phase === 'out') return <SignIn reason={phase.reason} busy={phase.busy === true} onSubmit={(t) => void signIn(t)} />;
  return <Dashboard client={phase.client} session={phase.session} onSignOut={signOut} />;
}
