// The few client routes need no router library: the path picks the page, links push history.
import { useEffect, useState } from 'react';

export const ROUTES = ['/wall', '/dispatch', '/plan', '/insight', '/admin', '/admin/import', '/login', '/m'] as const;

export function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return path;
}

export function navigate(to: string): void {
  window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
