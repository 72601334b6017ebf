// /wall — the command hall's display (PRODUCT.md §1): the street on a dark map with every live layer,
// the street's figures, incidents by status, the 14-day trend, a live ticker, "数据更新于 hh:mm:ss", a stale
// banner while disconnected, and scenes rotating through the communities. Nobody touches it; it runs for
// weeks, so everything is sized from the viewport and nothing grows without bound.
import { useEffect, useMemo, useRef, useState } from 'react';
import { MapView, type MapHandle } from '../map/map-view';
import { STREET_BBOX, STREET_VIEW, initialViewFor } from '../map/street-view';
import { LayerExtentGate, type MapExtent } from '../map/layer-extent-gate';
import { useScaledStreetLayers } from '../map/use-view-window';
import { layerCounts, streetLayers, type LiveLayerData } from '../map/street-layers';
import { reportLayerCounts } from '../test-hook';
import { useI18n, LanguageSwitch } from '../i18n/i18n';
import { SampleBadge, useStreetName } from '../panels/sample-badge';
import { useDataset } from '../dataset/use-dataset';
import { UnitPanel } from '../panels/unit-panel';
import { useLive } from './use-live';
import { KpiPanel } from './kpi-panel';
import { TrendChart } from './trend-chart';
import { Ticker } from './ticker';
import { StatusBars } from './status-bars';
import { scenesOf, useSceneRotation } from './scene-rotation';
import { formatHm, formatHms } from './time-format';

/** Pixel sizes on the map scale with the screen: 1 at 1920 px wide, 2 at 3840 px. */
function useViewportScale(): number {
  const [scale, setScale] = useState(() => Math.min(3, Math.max(1, window.innerWidth / 1920)));
  useEffect(() => {
    const onResize = () => setScale(Math.min(3, Math.max(1, window.innerWidth / 1920)));
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  return scale;
}

/** Animation clock for pulses: ticks (~12 fps: smooth enough for a ring, light on software-rendered walls) only while something pulses. */
function usePulseClock(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    let raf = 0;
    let last = 0;
    const tick = (t: number) => {
      if (t - last >= 80) {
        last = t;
        setNow(Date.now());
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [active]);
  return now;
}

function useClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

const PULSE_MS = 60_000;
const NO_PULSES: ReadonlyMap<number, number> = new Map();
/** Service centers whose 5/10/15-minute rings the wall shows. */
const WALL_RING_TYPES = ['party_service_center', 'community_center'] as const;

export function WallPage() {
  return <LayerExtentGate className="wall">{(extent) => <Wall extent={extent} />}</LayerExtentGate>;
}

/**
 * True once the page has been idle after its first full frame: the map has loaded and deck.gl has been handed
 * every layer with its data (two animation frames later deck.gl has drawn them), then an idle moment (or 1 s:
 * a headless Chromium under load often has none).
 * What the hall does not need on that first frame — the coverage rings (seconds of server CPU on a cold
 * server, and one more layer to set up) and the ECharts trend (its first init and draw, about a second of main
 * thread in software rendering) — starts then instead of competing with it (bench/wall-trace.ts).
 */
function useAfterFirstFrame(allThere: boolean): boolean {
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (!allThere || done) return;
    let idle = 0;
    let raf = requestAnimationFrame(() => {
      raf = requestAnimationFrame(() => {
        idle = requestIdleCallback(() => setDone(true), { timeout: 1000 });
      });
    });
    return () => {
      cancelAnimationFrame(raf);
      if (idle) cancelIdleCallback(idle);
    };
  }, [allThere, done]);
  return done;
}

function Wall({ extent }: { extent: MapExtent }) {
  const { t } = useI18n();
  const scale = useViewportScale();
  const mapRef = useRef<MapHandle | null>(null);
  const [mapReady, setMapReady] = useState(false);
  // the snapshot loads at once; the socket opens once the map has loaded (see LiveStore.start)
  const live = useLive({ holdSocket: !mapReady });
  const [staticLoaded, setStaticLoaded] = useState(false);
  const afterFirstFrame = useAfterFirstFrame(mapReady && live.loaded && staticLoaded);
  const { data, shown, setMap, viewZoom } = useScaledStreetLayers(extent, { coverageTypes: WALL_RING_TYPES, coverageReady: afterFirstFrame });
  // the static layers are in (or failed: a failed layer must not hold the rest back for ever)
  const staticIn = data.communities != null && (extent.tiled || (data.grids != null && data.buildings != null)) && data.facilities != null;
  useEffect(() => {
    if (staticIn || data.errors.length) setStaticLoaded(true);
  }, [staticIn, data.errors.length]);
  const now = useClock();

  const scenes = useMemo(() => scenesOf(data.communities), [data.communities]);
  const scene = useSceneRotation(scenes);

  const pulsing = useMemo(() => {
    const m = new Map<number, number>();
    for (const [id, at] of live.arrivals) if (now - at < PULSE_MS) m.set(id, at);
    // the clock ticks every second: when nothing pulses keep one empty map, so an idle wall's layers stay as they are
    return m.size ? m : NO_PULSES;
  }, [live.arrivals, now]);
  const timeMs = usePulseClock(pulsing.size > 0);

  // One array per live map, rebuilt only when that map changed: deck.gl regenerates a layer's attributes when
  // its `data` is a new array, and worker positions arrive every second — rebuilding all four arrays on each
  // push re-did the incidents', violations' and parking lots' (with their labels) too, on the main thread
  // MapLibre needs for its first frame, and again for every synced batch after an outage.
  const { incidents, violations, parking, workers } = live.state;
  const incidentList = useMemo(() => [...incidents.values()], [incidents]);
  const violationList = useMemo(() => [...violations.values()], [violations]);
  const parkingList = useMemo(() => [...parking.values()], [parking]);
  const workerList = useMemo(() => [...workers.values()], [workers]);
  const liveData = useMemo<LiveLayerData | null>(
    () =>
      live.loaded
        ? { incidents: incidentList, violations: violationList, parking: parkingList, workers: workerList, pulsingSince: pulsing, timeMs }
        : null,
    [live.loaded, incidentList, violationList, parkingList, workerList, pulsing, timeMs],
  );

  const layers = useMemo(
    () =>
      streetLayers(shown, liveData, {
        scale,
        theme: 'dark',
        highlightCommunityId: scene.communityId,
        highlightGridId: null,
        highlightBuildingId: null,
        visible: { buildings: true },
        tiled: extent.tiled,
        viewZoom,
      }),
    [shown, liveData, scale, scene.communityId, extent.tiled, viewZoom],
  );

  const counts = useMemo(() => layerCounts(data, liveData, extent), [data, liveData, extent]);
  useEffect(() => reportLayerCounts(counts), [counts]);

  // Fly to the scene: the community's extent, or the whole street. The first fit jumps: a 3 s flight as the
  // map loads re-rendered MapLibre and every deck.gl layer on each of its frames, in the very seconds deck.gl
  // sets up its layers for the first full frame (software WebGL: each frame is tens of ms of the GPU process).
  const fitted = useRef(false);
  useEffect(() => {
    const m = mapRef.current;
    if (!m || !mapReady) return;
    const pad = Math.round(60 * scale);
    const first = !fitted.current;
    if (scene.bbox || extent.bbox) fitted.current = true;
    m.fitBounds(scene.bbox ?? extent.bbox ?? [...STREET_BBOX], pad, first ? 0 : 3000);
  }, [scene, mapReady, scale, extent.bbox]);

  const communityName = useMemo(() => {
    const names = new Map((data.communities?.features ?? []).map((f) => [f.properties.id, f.properties.name]));
    return (id: number | null) => (id == null ? '' : names.get(id) ?? '');
  }, [data.communities]);

  const streetName = useStreetName();
  const kpis = live.state.kpis;
  // stale once a connection was lost or refused — not while the first one is still being made (the snapshot
  // can arrive before the socket does)
  const stale = live.loaded && !live.connected && live.disconnectedAt != null;
  const trendKey = `${kpis?.reportedToday ?? ''}/${kpis?.closedToday ?? ''}`;

  return (
    <div className="wall" style={{ ['--s' as string]: String(scale) }} data-testid="wall">
      <header className="wall-header">
        <h1>
          {t('appTitle')} · {streetName}
        </h1>
        <SampleBadge />
        <div className="wall-scene">{scene.name ?? t('sceneStreet')}</div>
        <div className="wall-clock">{formatHms(now)}</div>
        <div className="wall-asof" data-testid="as-of">
          {t('dataAsOf')} {formatHms(live.state.asOf)}
        </div>
        <LanguageSwitch className="lang-switch wall-lang" />
      </header>
      {stale && (
        <div className="stale-banner" role="alert" data-testid="stale-banner">
          {t('staleBanner')} {formatHm(live.state.asOf)} · {t('reconnecting')}
        </div>
      )}
      <aside className="wall-left">
        <KpiPanel kpis={kpis} />
        <StatusBars incidents={liveData?.incidents ?? []} />
      </aside>
      <main className="wall-map">
        <MapView
          layers={layers}
          basemapTheme="dark"
          basemapTiled={extent.tiled}
          initialView={initialViewFor(extent.bbox, STREET_VIEW)}
          interactive={false}
          deckAfterBasemap
          onReady={(h) => {
            mapRef.current = h;
            setMap(h.map);
            setMapReady(true);
          }}
        />
        <Legend />
      </main>
      <aside className="wall-right">
        {scene.communityId != null ? (
          <UnitPanel unit={{ level: 'community', id: scene.communityId }} refreshKey={live.state.lastEventId >> 4} compact />
        ) : (
          <StreetScenePanel />
        )}
        <TrendChart scale={scale} refreshKey={trendKey} ready={afterFirstFrame} />
      </aside>
      <footer className="wall-footer">
        <Ticker items={live.state.ticker} communityName={communityName} />
      </footer>
    </div>
  );
}

function StreetScenePanel() {
  const { t } = useI18n();
  const dataset = useDataset();
  return (
    <section className="wall-card scene-card">
      <h2>{t('sceneStreet')}</h2>
      {dataset?.kind === 'sample' && <p className="scene-note">{t('sampleBadgeTitle')}</p>}
    </section>
  );
}

function Legend() {
  const { t } = useI18n();
  const items: Array<[string, string]> = [
    ['legend-incident', t('layerIncidents')],
    ['legend-violation', t('layerViolations')],
    ['legend-parking', t('layerParking')],
    ['legend-facility', t('layerFacilities')],
    ['legend-ring', t('layerCoverage')],
    ['legend-worker', t('layerWorkers')],
  ];
  return (
    <ul className="wall-legend">
      {items.map(([cls, label]) => (
        <li key={cls}>
          <i className={cls} />
          {label}
        </li>
      ))}
    </ul>
  );
}
