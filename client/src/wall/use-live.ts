// React binding of the live store: one store per page mount, read with useSyncExternalStore.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { LiveStore, type LiveView } from '../live/live-store';
import { reportLive } from '../test-hook';

export function useLive(): LiveView {
  const [store] = useState(() => new LiveStore());
  useEffect(() => {
    store.start();
    return () => store.stop();
  }, [store]);
  const view = useSyncExternalStore(store.subscribe, store.getView);
  useEffect(() => {
    reportLive({
      lastEventId: view.loaded ? view.state.lastEventId : null,
      connected: view.connected,
      incidentIds: () => [...store.getView().state.incidents.keys()],
    });
  }, [view, store]);
  return view;
}
