import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ClientApi, SignedIn } from '../client/api.js';
import { errorOf } from '../client/errors.js';
import { saveToken, savedToken, tokenFromFragment } from '../state/session.js';
import { Dashboard } from './Dashboard.js';
import { SignIn } from './SignIn.js';

type Session =
  | { phase: 'checking' }
  | { phase: 'out'; reason?: string | undefined; busy?: boolean }
  | { phase: 'in'; client: ClientApi; who: SignedIn | undefined };

interface Props {
  /** A client with no identity yet: a new one for each sign-in, so that a sign-out forgets the token. */
  makeClient(): ClientApi;
  /** Inside the Electron app: the host may have bound this window's identity already. */
  bridged: boolean;
}

export function App({ makeClient, bridged }: Props) {
  const [session, setSession] = useState<Session>({ phase: 'checking' });

  const signOut = useCallback((reason?: string) => {
    saveToken(undefined);
    setSession({ phase: 'out', reason });
  }, []);

  const signIn = useCallback(async (token: string) => {
    setSession({ phase: 'out', busy: true });
    const client = makeClient();
    try {
      const who = await client.auth.setToken(token);
      saveToken(token);
      setSession({ phase: 'in', client, who });
    } catch (err) {
      const { code, message } = errorOf(err);
      saveToken(undefined);
      setSession({ phase: 'out', reason: `Sign-in refused: ${code}: ${message}` });
    }
  }, [makeClient]);

  useEffect(() => {
    const token = tokenFromFragment() ?? savedToken();
    if (token) {
      void signIn(token);
      return;
    }
    if (!bridged) {
      setSession({ phase: 'out' });
      return;
    }
    const client = makeClient();
    client.health.details().then(
      () => setSession({ phase: 'in', client, who: undefined }),
      () => setSession({ phase: 'out' }),
    );
  }, [bridged, makeClient, signIn]);

  // The page leaves at the token's expiry, saying so; the server refuses it from then on anyway.
  const expiresAt = session.phase === 'in' ? session.who?.expiresAt : undefined;
  useEffect(() => {
    if (!expiresAt) return;
    const timer = setTimeout(
      () => signOut(`Your token expired at ${new Date(expiresAt * 1000).toLocaleTimeString()}. Sign in again.`),
      Math.min(expiresAt * 1000 - Date.now(), 2 ** 31 - 1),
    );
    return () => clearTimeout(timer);
  }, [expiresAt, signOut]);

  if (session.phase === 'checking') return <p class="empty">Loading…</p>;
  if (session.phase === 'out') return <SignIn reason={session.reason} busy={session.busy === true} onSubmit={(t) => void signIn(t)} />;
  return <Dashboard client={session.client} who={session.who} onSignOut={signOut} />;
}
