/** The web host's access token for this tab: taken once from the address, kept in sessionStorage, never in a cookie. */

const storageKey = 'cos-sync-token';
let remembered: string | null = null;

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the token lives in memory for this page only
  }
}

/**
 * Returns the token of this tab. The first call takes it from the address (`?token=…` as printed by `cos-sync
 * serve`, or `#token=…` as the status page passes it to the upload window), keeps it in sessionStorage — scoped to
 * this origin, port included, and to this tab, unlike a cookie, which every port of 127.0.0.1 would receive — and
 * removes it from the address bar. Null when the tab never got one.
 */
export function sessionToken(): string | null {
  const url = new URL(window.location.href);
  const hash = new URLSearchParams(url.hash.slice(1));
  const given = url.searchParams.get('token') ?? hash.get('token');
  if (given) {
    remembered = given;
    storage()?.setItem(storageKey, given);
    url.searchParams.delete('token');
    hash.delete('token');
    const rest = hash.toString();
    window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${rest ? `#${rest}` : ''}`);
  }
  return storage()?.getItem(storageKey) ?? remembered;
}

/** `page` with this tab's token in the fragment (never sent to a server), for a window the page opens itself. */
export function withSessionToken(page: string): string {
  const token = sessionToken();
  return token ? `${page}#token=${encodeURIComponent(token)}` : page;
}
