// React binding of the live store: one store per page mount, read with useSyncExternalStore.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { LiveStore, type LiveView } from '../live/live-store';
import { fromSnapshot } from '../live/reconcile';
import { api } from '../api/http';
import type { LiveSnapshot } from '../../../common/realtime';
import { reportLive } from '../test-hook';

/** `?live=off`: the same page from one snapshot over HTTP and no socket (the `wall` benchmark's baseline). */
const LIVE_OFF = new URLSearchParams(window.location.search).get('live') === 'off';

export function useLive(): LiveView {
  const [store] = useState(() => new LiveStore());
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
    store.start();
    return () => store.stop();
  }, [store]);
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
