import { useState } from 'preact/hooks';

/** Paste a token; the reason the last session ended, if any, is said above the field. */
export function SignIn({ reason, busy, onSubmit }: { reason: string | undefined; busy: boolean; onSubmit(token: string): void }) {
  const [token, setToken] = useState('');
  return (
    <main class="signin">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onSubmit(token.trim());
        }}
        aria-labelledby="signin-title"
      >
        <h1 id="signin-title">Lucid Docker</h1>
        {reason && (
          <p role="alert" class="error" data-signin-reason>
            {reason}
          </p>
        )}
        <label for="token">Access token</label>
        <textarea
          id="token"
          name="token"
          rows={4}
          autoComplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken((e.currentTarget as HTMLTextAreaElement).value)}
          placeholder="eyJhbGciOi…"
        />
        <p class="muted">
          A JWT from your administrator, or from <code>npm run token</code>. It is kept for this tab only. A development run of{' '}
          <code>npm start</code> prints a link that signs in directly.
        </p>
        <button type="submit" class="primary" disabled={busy || !token.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
