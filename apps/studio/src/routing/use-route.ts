import { useSyncExternalStore } from 'react';
import { parseRoute, routeHash, type Route } from './route';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const currentHash = () => window.location.hash;

/** The current view, re-rendering on back/forward and on links. */
export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, currentHash));
}

export function navigate(route: Route): void {
  window.location.hash = routeHash(route);
}
