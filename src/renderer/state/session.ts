/**
 * Where the page keeps its token: for this tab only (sessionStorage), so that a reload stays signed
 * in and closing the tab signs out. A development run's link carries it in the URL's fragment,
 * which a browser never sends to a server; the page takes it out of the address bar at once.
 */
const KEY = 'lucid-docker.token';
const FRAGMENT = /^#token=([A-Za-z0-9._-]+)$/;

export function tokenFromFragment(): string | undefined {
  const match = FRAGMENT.exec(location.hash);
  if (!match) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  return match[1];
}

export function savedToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveToken(token: string | undefined): void {
  try {
    if (token === undefined) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // Storage refused (a sandboxed frame): the session lasts as long as the page.
  }
}
