// /dispatch — the dispatcher's desk (PRODUCT.md §1, §5): the queue with live SLA timers, the map with
// every open incident, and a drawer for the clicked incident with its ranked candidates and the closed-
// loop actions. All of it follows the live event stream, so several dispatchers (and the wall) see every
// change as it is committed; two dispatchers can never both win an assignment (the server answers 409).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PickingInfo } from '@deck.gl/core';
import type { CandidatesDto } from '../../../../common/incidents';
import type { IncidentLive } from '../../../../common/realtime';
import { MapView, type MapHandle } from '../../map/map-view';
import { STREET_VIEW, initialViewFor } from '../../map/street-view';
import { LayerExtentGate, type MapExtent } from '../../map/layer-extent-gate';
import { useScaledStreetLayers } from '../../map/use-view-window';
import { layerCounts, streetLayers, type LiveLayerData } from '../../map/street-layers';
import { LAYER_IDS } from '../../map/pick-unit';
import { reportLayerCounts } from '../../test-hook';
import { useLive } from '../../wall/use-live';
import { DispatchLayer, type DispatchCandidatePoint } from '../../layers/dispatch-layer/dispatch-layer';
import { IncidentQueue, queueRows, type QueueFilter } from './incident-queue';
import { IncidentDrawer } from './incident-drawer';
import { useDispatchText } from './dispatch-text';
import { slaOf } from './sla';
import './dispatch.css';

function useNow(periodMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(t);
  }, [periodMs]);
  return now;
}

function isIncidentPick(info: PickingInfo): info is PickingInfo<IncidentLive> {
  const id = info.layer?.id ?? '';
  return (id === LAYER_IDS.incidents || id.startsWith(`${LAYER_IDS.incidents}-`)) && typeof (info.object as IncidentLive | undefined)?.id === 'number';
}

export function DispatchPage() {
  return <LayerExtentGate className="dispatch-page">{(extent) => <Dispatch extent={extent} />}</LayerExtentGate>;
}

function Dispatch({ extent }: { extent: MapExtent }) {
  const { d } = useDispatchText();
  const { data, shown, setMap, viewZoom } = useScaledStreetLayers(extent);
  const live = useLive();
  const now = useNow(1000);
  const [filter, setFilter] = useState<QueueFilter>({ stage: 'all', category: '', severity: '' });
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [candidates, setCandidates] = useState<CandidatesDto | null>(null);
  const [focusPersonId, setFocusPersonId] = useState<number | null>(null);
  const mapRef = useRef<MapHandle | null>(null);

  const incidents = live.state.incidents;
  const rows = useMemo(() => queueRows(incidents.values(), filter, now), [incidents, filter, now]);
  const selected = selectedId != null ? incidents.get(selectedId) : undefined;
  const overdue = useMemo(() => [...incidents.values()].filter((i) => slaOf(i.dueAt, i.status, now).level === 'overdue').length, [incidents, now]);

  const communityName = useMemo(() => {
    const names = new Map((data.communities?.features ?? []).map((f) => [f.properties.id, f.properties.name]));
    return (id: number) => names.get(id) ?? '';
  }, [data.communities]);

  // The map shows what the queue shows (filtered), so a click on the map and a row agree.
  const liveData = useMemo<LiveLayerData | null>(
    () => (live.loaded ? { incidents: rows, violations: [], parking: [], workers: [...live.state.workers.values()], pulsingSince: new Map(), timeMs: 0 } : null),
    [live.loaded, rows, live.state.workers],
  );
  const candidatePoints = useMemo<DispatchCandidatePoint[]>(
    () =>
      (candidates?.candidates ?? [])
        .filter((c) => c.position)
        .map((c) => ({ personId: c.personId, rank: c.rank, position: c.position!, available: c.available, route: c.route?.coordinates ?? null })),
    [candidates],
  );
  const effectiveFocus = focusPersonId ?? candidates?.candidates.find((c) => c.available)?.personId ?? null;
  const layers = useMemo(
    () => [
      ...streetLayers(shown, liveData, {
        scale: 1,
        theme: 'light',
        highlightCommunityId: null,
        highlightGridId: selected?.gridId ?? null,
        highlightBuildingId: null,
        visible: { violations: false, parking: false, coverage: false, facilities: false },
        tiled: extent.tiled,
        viewZoom,
      }),
      new DispatchLayer({ id: 'dispatch', selected: selected ? [selected.lon, selected.lat] : null, candidates: candidatePoints, focusPersonId: effectiveFocus, scale: 1 }),
    ],
    [shown, liveData, selected, candidatePoints, effectiveFocus, extent.tiled, viewZoom],
  );
  useEffect(() => reportLayerCounts(layerCounts(data, liveData, extent)), [data, liveData, extent]);

  const select = useCallback((id: number | null) => {
    setSelectedId(id);
    setCandidates(null);
    setFocusPersonId(null);
  }, []);
  const onClick = (info: PickingInfo) => {
    if (isIncidentPick(info) && info.object) select(info.object.id);
    else if (info.layer?.id.startsWith('dispatch-candidates')) setFocusPersonId((info.object as DispatchCandidatePoint).personId);
  };
  // Bring a queue selection into view.
  useEffect(() => {
    if (selected && mapRef.current) {
      const m = mapRef.current.map;
      if (!m.getBounds().contains([selected.lon, selected.lat])) mapRef.current.flyTo({ longitude: selected.lon, latitude: selected.lat, zoom: Math.max(m.getZoom(), 15.5) }, 800);
    }
    // only when the selection changes, not on every live update of it
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedId]);

  return (
    <div className="dispatch-page" data-testid="dispatch">
      <IncidentQueue rows={rows} filter={filter} onFilter={setFilter} selectedId={selectedId} onSelect={select} nowMs={now} communityName={communityName} />
      <div className="dispatch-map">
        <MapView layers={layers} basemapTheme="light" basemapTiled={extent.tiled} initialView={initialViewFor(extent.bbox, { ...STREET_VIEW, zoom: 14.2 })} onClick={onClick}
          onReady={(h) => {
            mapRef.current = h;
            setMap(h.map);
            if (extent.bbox) h.fitBounds(extent.bbox, 40, 0);
          }} />
        <div className="dispatch-summary">
          <span>{d('openCount')} {rows.length}</span>
          <span className={overdue ? 'overdue' : ''}>{d('overdueCount')} {overdue}</span>
          {!live.connected && live.loaded && <span className="offline">⚠</span>}
        </div>
        {selectedId == null && <div className="map-hint">{d('selectHint')}</div>}
      </div>
      {selectedId != null && (
        <IncidentDrawer incidentId={selectedId} liveVersion={selected?.version} nowMs={now} communityName={communityName}
          onCandidates={setCandidates} focusPersonId={effectiveFocus} onFocusPerson={setFocusPersonId} onClose={() => select(null)} />
      )}
    </div>
  );
}
