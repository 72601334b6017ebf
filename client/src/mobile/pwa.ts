// Makes /m installable: the web manifest link and the app-shell service worker, added only on the phone app
// so desk pages and the wall are unchanged. No third-party service is involved.
export function installPwa(): void {
  if (!document.querySelector('link[rel="manifest"]')) {
    const link = document.createElement('link');
    link.rel = 'manifest';
    link.href = '/manifest.webmanifest';
    document.head.appendChild(link);
    const theme = document.createElement('meta');
    theme.name = 'theme-color';
    theme.content = '#b91c1c';
    document.head.appendChild(theme);
  }
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/m-sw.js', { scope: '/m' }).catch(() => undefined);
  }
}
