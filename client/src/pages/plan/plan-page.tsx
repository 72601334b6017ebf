// /plan — the planner's 15-minute life circles (PRODUCT.md §6): coverage measured on the walking network
// per building and resident, by facility type and community; the uncovered buildings on the map; the
// comparison with GB 50180-2018's straight-line radii; what-if edits (drag, add, remove) answered by the
// server in milliseconds with new figures and rings; saved scenarios; and suggested sites (maximal covering).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PickingInfo } from '@deck.gl/core';
import { FACILITY_TYPES, type FacilityType } from '../../../../common/domain';
import { MapView, type MapHandle } from '../../map/map-view';
import { STREET_VIEW, initialViewFor } from '../../map/street-view';
import { LayerExtentGate, type MapExtent } from '../../map/layer-extent-gate';
import { useScaledStreetLayers } from '../../map/use-view-window';
import { layerCounts, streetLayers } from '../../map/street-layers';
import { reportLayerCounts } from '../../test-hook';
import { CoverageLayer } from '../../layers/coverage-layer/coverage-layer';
import { PlanLayer, type PlanFacilityPoint } from '../../layers/plan-layer/plan-layer';
import { ApiError } from '../../api/http';
import { coverageApi, type CoverageSummary, type FacilityAccess, type Minutes, type RingCollection, type SavedScenario, type ScenarioChange, type SuggestResult, type UncoveredCollection, type WhatIfResult } from './plan-api';
import { addFacility, moveFacility, removeFacility } from './scenario';
import { usePlanText } from './plan-text';
import { AccessSection, UnreachableBuildings, WhatIfAccessNotes } from './plan-access';
import './plan.css';

type Mode = 'select' | 'add';

export function PlanPage() {
  return <LayerExtentGate className="plan-page">{(extent) => <Plan extent={extent} />}</LayerExtentGate>;
}

function Plan({ extent }: { extent: MapExtent }) {
  const { p, facility, percent, number } = usePlanText();
  const { data, shown, setMap, viewZoom } = useScaledStreetLayers(extent);
  const [type, setType] = useState<FacilityType>('party_service_center');
  const [minutes, setMinutes] = useState<Minutes>(15);
  const [summary, setSummary] = useState<CoverageSummary | null>(null);
  const [uncovered, setUncovered] = useState<UncoveredCollection | null>(null);
  const [baseRings, setBaseRings] = useState<RingCollection | null>(null);
  const [changes, setChanges] = useState<ScenarioChange[]>([]);
  const [whatIf, setWhatIf] = useState<WhatIfResult | null>(null);
  const [mode, setMode] = useState<Mode>('select');
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [drag, setDrag] = useState<{ id: number; lon: number; lat: number } | null>(null);
  const [suggestion, setSuggestion] = useState<SuggestResult | null>(null);
  const [k, setK] = useState(3);
  const [weight, setWeight] = useState<'residents' | 'incidents'>('residents');
  const [saved, setSaved] = useState<SavedScenario[]>([]);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const mapRef = useRef<MapHandle | null>(null);

  // Base figures, uncovered buildings and rings for the chosen type and band.
  useEffect(() => {
    const ctl = new AbortController();
    setSummary(null);
    const fail = (err: unknown) => (err as Error).name !== 'AbortError' && setError((err as Error).message);
    coverageApi.summary(type, minutes, ctl.signal).then(setSummary, fail);
    coverageApi.uncovered(type, minutes, ctl.signal).then(setUncovered, fail);
    return () => ctl.abort();
  }, [type, minutes]);
  useEffect(() => {
    const ctl = new AbortController();
    coverageApi.isochrones(type, ctl.signal).then(setBaseRings, () => setBaseRings(null));
    return () => ctl.abort();
  }, [type]);
  useEffect(() => {
    coverageApi.scenarios().then((r) => setSaved(r.scenarios), () => undefined);
  }, []);

  // Every edit asks the server at once; the answer carries figures, rings and the server's own time.
  useEffect(() => {
    if (changes.length === 0) {
      setWhatIf(null);
      return;
    }
    let live = true;
    coverageApi.whatIf(changes).then(
      (r) => live && (setWhatIf(r), setError(null)),
      (err: unknown) => live && setError(err instanceof ApiError ? `${err.code}: ${err.message}` : (err as Error).message),
    );
    return () => {
      live = false;
    };
  }, [changes]);

  const scenarioType = whatIf?.types.find((t) => t.type === type) ?? null;
  // How each facility meets the walking network: from the scenario's answer, else from the summary (which
  // lists only the facilities off the network; the others stand on it).
  const baseAccess = useMemo(() => new Map<number, FacilityAccess>((summary?.type === type ? summary.offNetworkFacilities : []).map((f) => [f.id, f])), [summary, type]);
  const facilities = useMemo<PlanFacilityPoint[]>(() => {
    const list: PlanFacilityPoint[] = scenarioType
      ? scenarioType.facilities.map((f) => ({ id: f.id, name: f.name, lon: f.lon, lat: f.lat, virtual: f.virtual, access: f }))
      : (data.facilities?.features ?? [])
          .filter((f) => f.properties.type === type)
          .map((f) => ({ id: f.properties.id, name: f.properties.name, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1], virtual: false, access: baseAccess.get(f.properties.id) }));
    // A facility being dragged has no snap yet: the server answers when it is dropped.
    return drag ? list.map((f) => (f.id === drag.id ? { ...f, lon: drag.lon, lat: drag.lat, access: undefined } : f)) : list;
  }, [scenarioType, data.facilities, type, drag, baseAccess]);
  const offNetwork = scenarioType ? scenarioType.summary15.offNetworkFacilities : summary?.type === type ? summary.offNetworkFacilities : null;
  const facilityAccess = scenarioType ? scenarioType.summary15.facilityAccess : summary?.type === type ? summary.facilityAccess : null;

  const layers = useMemo(
    () => [
      ...streetLayers(shown, null, {
        scale: 1,
        theme: 'light',
        highlightCommunityId: null,
        highlightGridId: null,
        highlightBuildingId: null,
        visible: { facilities: false, coverage: false },
        tiled: extent.tiled,
        viewZoom,
      }),
      ...(scenarioType ? [] : [new CoverageLayer({ id: 'plan-base-rings', data: baseRings, lineWidthPixels: 1.5 })]),
      new PlanLayer({
        id: 'plan',
        facilities,
        selectedFacilityId: selectedId,
        uncovered: scenarioType ? null : uncovered,
        scenarioRings: scenarioType?.rings ?? [],
        suggestions: suggestion?.sites ?? [],
        unreachableWord: p('unreachableWord'),
      }),
    ],
    [shown, extent.tiled, viewZoom, baseRings, scenarioType, facilities, selectedId, uncovered, suggestion, p],
  );
  const accessCounts = useMemo(() => ({
    planFacilitiesWalkAdded: facilities.filter((f) => f.access?.status === 'walk_added').length,
    planFacilitiesUnreachable: facilities.filter((f) => f.access?.status === 'unreachable').length,
  }), [facilities]);
  useEffect(
    () => reportLayerCounts({ ...layerCounts(data, null, extent), planFacilities: facilities.length, uncovered: uncovered?.features.length ?? 0, ...accessCounts }),
    [data, extent, facilities.length, uncovered, accessCounts],
  );

  const isFacility = (info: PickingInfo) => info.layer?.id === 'plan-facilities' && info.object != null;
  const onClick = (info: PickingInfo) => {
    if (mode === 'add' && info.coordinate) {
      setChanges((c) => addFacility(c, type, info.coordinate![0], info.coordinate![1]));
      setMode('select');
      return;
    }
    setSelectedId(isFacility(info) ? (info.object as PlanFacilityPoint).id : null);
  };
  // Hovering a facility hands the drag to deck.gl; anywhere else the map pans as usual.
  const onHover = (info: PickingInfo) => {
    const m = mapRef.current?.map;
    if (!m || drag) return;
    if (isFacility(info)) m.dragPan.disable();
    else m.dragPan.enable();
  };
  const onDragStart = (info: PickingInfo) => {
    if (!isFacility(info) || !info.coordinate) return;
    const f = info.object as PlanFacilityPoint;
    setSelectedId(f.id);
    setDrag({ id: f.id, lon: info.coordinate[0], lat: info.coordinate[1] });
  };
  const onDrag = (info: PickingInfo) => {
    if (drag && info.coordinate) setDrag({ id: drag.id, lon: info.coordinate[0], lat: info.coordinate[1] });
  };
  const onDragEnd = () => {
    if (!drag) return;
    setChanges((c) => moveFacility(c, drag.id, drag.lon, drag.lat));
    setDrag(null);
    mapRef.current?.map.dragPan.enable();
  };

  const runSuggest = useCallback(() => {
    coverageApi.suggest(type, k, weight, minutes).then(setSuggestion, (err: unknown) => setError((err as Error).message));
  }, [type, k, weight, minutes]);
  const adoptSuggestions = () => {
    if (!suggestion) return;
    setChanges((c) => suggestion.sites.reduce((acc, s) => addFacility(acc, type, s.lon, s.lat), c));
    setSuggestion(null);
  };
  const saveScenario = async () => {
    try {
      const s = await coverageApi.save(name.trim(), changes);
      setSaved((list) => [s, ...list]);
      setName('');
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const figures = summary?.street;
  const circle = summary?.circle;
  const selected = facilities.find((f) => f.id === selectedId) ?? null;
  const topUncovered = useMemo(
    () => [...(uncovered?.features ?? [])].sort((a, b) => b.properties.residents - a.properties.residents).slice(0, 8),
    [uncovered],
  );

  return (
    <div className="plan-page" data-testid="plan">
      <aside className="plan-panel">
        <h2>{p('title')}</h2>
        <div className="plan-controls">
          <label>
            {p('facilityType')}
            <select value={type} onChange={(e) => (setType(e.target.value as FacilityType), setSuggestion(null), setSelectedId(null))} data-testid="plan-type">
              {FACILITY_TYPES.map((f) => <option key={f} value={f}>{facility(f)}</option>)}
            </select>
          </label>
          <div className="band-tabs" role="tablist" aria-label={p('band')}>
            {([5, 10, 15] as const).map((m) => (
              <button key={m} type="button" className={m === minutes ? 'active' : undefined} onClick={() => setMinutes(m)}>
                {m} {p('minutes')}
              </button>
            ))}
          </div>
        </div>

        <section>
          <h3>{p('streetFigures')}</h3>
          {!figures ? (
            <p className="muted">{p('loadingFigures')}</p>
          ) : (
            <dl className="plan-figures" data-testid="plan-figures">
              <div>
                <dt>{p('residentsCovered')}</dt>
                <dd>{percent(figures.residentShare)}</dd>
                <small>{number(figures.residentsCovered)} / {number(figures.residents)}</small>
              </div>
              <div>
                <dt>{p('buildingsCovered')}</dt>
                <dd>{percent(figures.buildingShare)}</dd>
                <small>{number(figures.buildingsCovered)} / {number(figures.buildings)}</small>
              </div>
            </dl>
          )}
          {circle && figures && (
            <p className="circle-note" data-testid="circle-note">
              <strong>{p('circleTitle')}</strong>
              <br />
              {p('circleText', {
                r: circle.radiusM,
                circle: number(circle.residentsInCircle),
                min: minutes,
                net: number(figures.residentsCovered),
                over: number(circle.residentsOverstated),
                ratio: circle.overstatementRatio == null ? '—' : `+${percent(circle.overstatementRatio)}`,
              })}
            </p>
          )}
          {summary && figures && <UnreachableBuildings figures={figures} maxM={summary.access.maxM} />}
        </section>

        {summary && <AccessSection rule={summary.access} counts={facilityAccess} list={offNetwork} />}

        {summary && (
          <section>
            <h3>{p('communities')}</h3>
            <table className="plan-table">
              <tbody>
                {[...summary.communities].sort((a, b) => a.residentShare - b.residentShare).map((c) => (
                  <tr key={c.id}>
                    <td>{c.name}</td>
                    <td className="bar-cell">
                      <span className="bar" style={{ width: `${Math.round(c.residentShare * 100)}%` }} />
                    </td>
                    <td className="num">{percent(c.residentShare)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}

        <section>
          <h3>
            {p('uncovered')} <span className="count">{uncovered?.properties.count ?? '…'}</span>
          </h3>
          <p className="muted small">{p('uncoveredNote', { type: facility(type), min: minutes })}</p>
          <ol className="uncovered-list">
            {topUncovered.map((f) => (
              <li key={f.id}>
                <span>
                  {f.properties.name ?? f.properties.code}
                  {f.properties.unreachableByNetwork && <em className="access-tag">{p('offNetworkTag')}</em>}
                </span>
                <span className="num">{number(f.properties.residents)} {p('people')}</span>
              </li>
            ))}
          </ol>
        </section>
      </aside>

      <div className="plan-map">
        <MapView layers={layers} basemapTheme="light" basemapTiled={extent.tiled} initialView={initialViewFor(extent.bbox, { ...STREET_VIEW, zoom: 14.2 })} onClick={onClick} onHover={onHover}
          onDragStart={onDragStart} onDrag={onDrag} onDragEnd={onDragEnd}
          getCursor={({ isHovering, isDragging }) => (mode === 'add' ? 'crosshair' : isDragging ? 'grabbing' : isHovering ? 'pointer' : 'grab')}
          onReady={(h) => {
            mapRef.current = h;
            setMap(h.map);
            if (extent.bbox) h.fitBounds(extent.bbox, 40, 0);
          }} />
        {error && <div className="map-errors" role="alert" onClick={() => setError(null)}>{error}</div>}
      </div>

      <aside className="plan-panel plan-right">
        <section>
          <h3>{p('whatIf')}</h3>
          <p className="muted small">{p('whatIfHint')}</p>
          <div className="plan-buttons">
            <button type="button" className={mode === 'add' ? 'active' : undefined} onClick={() => setMode(mode === 'add' ? 'select' : 'add')} data-testid="plan-add">
              {p('modeAdd')}
            </button>
            <button type="button" disabled={!selected} onClick={() => selected && (setChanges((c) => removeFacility(c, selected.id)), setSelectedId(null))}>
              {p('remove')}
            </button>
            <button type="button" disabled={changes.length === 0} onClick={() => (setChanges([]), setSelectedId(null))}>
              {p('reset')}
            </button>
          </div>
          {selected && (
            <p className="selected-facility">
              {p('selected')}: <strong>{selected.name}</strong> {selected.virtual && <em>{p('virtual')}</em>}
            </p>
          )}
          {changes.length > 0 && (
            <p className="muted small">
              {p('changes')}: {changes.length}
            </p>
          )}
          {whatIf && scenarioType && (
            <>
              <table className="plan-table compare" data-testid="what-if-figures">
                <thead>
                  <tr>
                    <th />
                    <th>{p('base')}</th>
                    <th>{p('scenario')}</th>
                    <th>{p('gained')}</th>
                    <th>{p('lost')}</th>
                  </tr>
                </thead>
                <tbody>
                  {scenarioType.bands.map((b) => (
                    <tr key={b.minutes}>
                      <td>{b.minutes} {p('minutes')}</td>
                      <td className="num">{percent(b.base.residentShare)}</td>
                      <td className="num strong">{percent(b.scenario.residentShare)}</td>
                      <td className="num gain">+{number(b.residentsGained)}</td>
                      <td className="num loss">−{number(b.residentsLost)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {summary && <WhatIfAccessNotes facilities={scenarioType.facilities} changes={changes} maxM={summary.access.maxM} />}
              <p className="muted small" data-testid="server-ms">
                {p('serverMs')}: {whatIf.serverMs.toFixed(1)} ms
              </p>
            </>
          )}
          {changes.length > 0 && (
            <form className="save-form" onSubmit={(e) => (e.preventDefault(), void saveScenario())}>
              <input value={name} onChange={(e) => setName(e.target.value)} placeholder={p('scenarioName')} maxLength={100} required />
              <button type="submit" disabled={!name.trim()}>{p('saveAs')}</button>
            </form>
          )}
          {saved.length > 0 && (
            <>
              <h4>{p('saved')}</h4>
              <ul className="saved-list">
                {saved.slice(0, 10).map((s) => (
                  <li key={s.id}>
                    <button type="button" onClick={() => setChanges(s.changes)}>{s.name}</button>
                    <small>{s.changes.length} {p('changes')}</small>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>

        <section>
          <h3>{p('suggest')}</h3>
          <div className="plan-controls inline">
            <label>
              {p('suggestK')}
              <input type="number" min={1} max={20} value={k} onChange={(e) => setK(Math.max(1, Math.min(20, Number(e.target.value) || 1)))} />
            </label>
            <label>
              {p('weight')}
              <select value={weight} onChange={(e) => setWeight(e.target.value as 'residents' | 'incidents')}>
                <option value="residents">{p('weightResidents')}</option>
                <option value="incidents">{p('weightIncidents')}</option>
              </select>
            </label>
            <button type="button" onClick={runSuggest} data-testid="plan-suggest">{p('run')}</button>
          </div>
          {suggestion && (
            <>
              <ol className="suggest-list" data-testid="suggestions">
                {suggestion.sites.map((s) => (
                  <li key={s.rank}>
                    <span className="rank">{s.rank}</span>
                    {p('newlyCovered')} {number(s.newResidents)} {p('people')}
                  </li>
                ))}
                {suggestion.sites.length === 0 && <li>{p('notEnough')}</li>}
              </ol>
              <p className="muted small">
                {number(suggestion.baseResidentsCovered)} → {number(suggestion.residentsCoveredAfter)} · {p('serverMs')} {suggestion.serverMs.toFixed(0)} ms
              </p>
              {suggestion.sites.length > 0 && <button type="button" onClick={adoptSuggestions}>{p('adopt')}</button>}
            </>
          )}
        </section>
      </aside>
    </div>
  );
}
