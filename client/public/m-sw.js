// Service worker of the grid worker app (/m): caches the app shell so the app opens without a network.
// Pages and built assets: network first, the cached copy when offline. API calls and Socket.IO are never
// cached (state comes from the server; changes made offline wait in the page's IndexedDB outbox).
const CACHE = 'gcc-m-shell-v1';
self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(['/m', '/manifest.webmanifest', '/m-icon.svg'])).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()),
  );
});
self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/socket.io') || url.pathname.startsWith('/open311')) return;
  event.respondWith(
    fetch(req)
      .then((res) => {
        if (res.ok) {
          const copy = res.clone();
          void caches.open(CACHE).then((c) => c.put(req, copy));
        }
        return res;
      })
      .catch(() => caches.match(req).then((hit) => hit ?? (req.mode === 'navigate' ? caches.match('/m') : undefined)).then((r) => r ?? Response.error())),
  );
});
