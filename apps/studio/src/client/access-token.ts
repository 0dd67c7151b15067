const STORAGE_KEY = 'lora-studio-token';

/**
 * Browser mode: the host prints a URL with `?token=`. Keep the token for this tab (a reload, or a hash change,
 * must keep working) and take it out of the address bar so it does not end up in history or screenshots.
 */
export function takeAccessToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(STORAGE_KEY);
}
