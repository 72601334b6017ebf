// React binding of the live store: one store per page mount, read with useSyncExternalStore.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { LiveStore, type LiveView } from '../live/live-store';
import { fromSnapshot } from '../live/reconcile';
import { api } from '../api/http';
import type { LiveSnapshot } from '../../../common/realtime';
import { reportLive } from '../test-hook';

/** `?live=off`: the same page from one snapshot over HTTP and no socket (the `wall` benchmark's baseline). */
const LIVE_OFF = new URLSearchParams(window.location.search).get('live') === 'off';

/**
 * `holdSocket`: while true, only the snapshot is loaded and the socket waits (the wall holds it until its map
 * has loaded; LiveStore.start says why); it opens when this turns false, or after SOCKET_HOLD_MAX_MS.
 */
export function useLive(opts: { holdSocket?: boolean } = {}): LiveView {
  const [store] = useState(() => new LiveStore());
  const hold = opts.holdSocket ?? false;
  const [frozen, setFrozen] = useState<LiveView | null>(null);
  useEffect(() => {
    if (LIVE_OFF) {
      let cancelled = false;
      // live updates switched off on purpose: shown as connected so the page looks the same (no stale banner)
      api.get<LiveSnapshot>('/api/live/snapshot').then(
        (snap) => !cancelled && setFrozen({ ...store.getView(), state: fromSnapshot(snap), loaded: true, connected: true }),
        (err: Error) => !cancelled && setFrozen({ ...store.getView(), error: err.message }),
      );
      return () => {
        cancelled = true;
      };
    }
    store.start({ holdSocket: true });
    return () => store.stop();
  }, [store]);
  useEffect(() => {
    if (!LIVE_OFF && !hold) store.openSocket();
  }, [store, hold]);
  const streamed = useSyncExternalStore(store.subscribe, store.getView);
  const view = frozen ?? streamed;
  useEffect(() => {
    reportLive({
      lastEventId: view.loaded ? view.state.lastEventId : null,
      connected: view.connected,
      incidentIds: () => [...store.getView().state.incidents.keys()],
      incidentVersion: (id) => store.getView().state.incidents.get(id)?.version ?? null,
      liveTrace: store.trace,
    });
  }, [view, store]);
  return view;
}
