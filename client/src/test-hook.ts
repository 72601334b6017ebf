// A read-only window.__gcc for browser tests and for people debugging a wall: which layers are mounted,
// how many features each holds, the live store's cursor. Nothing here changes state.
import type { MapHandle } from './map/map-view';
import type { LiveTraceEntry } from './live/live-store';

export interface GccTestHook {
  /** Feature counts by deck.gl layer id, as last handed to the map. */
  layers: Record<string, number>;
  /** Layer ids deck.gl has actually drawn in its last frame. */
  renderedLayerIds: () => string[];
  /** Picks at a screen point (CSS pixels of the map container). */
  pick: (x: number, y: number) => { layerId: string | null; object: unknown } | null;
  /** Id of the last live event applied, or null before the first snapshot. */
  lastEventId: number | null;
  /** Screen position (CSS pixels in the map container) of a lon/lat. */
  project: (lon: number, lat: number) => [number, number] | null;
  /** Live incident ids currently on the map. */
  incidentIds: () => number[];
  /** Version of a live incident as the wall holds it (null when it does not): "has the wall seen this change?". */
  incidentVersion: (id: number) => number | null;
  connected: boolean;
  /**
   * When the map got to each step of its first load (performance.now(), ms since navigation start): `created`,
   * `styleLoaded` (style.json parsed), `sourcesLoaded` (the first moment every source's tiles were in),
   * `firstRender`, `load` — to see what MapLibre's `load` waits on in a cold wall.
   */
  mapMarks: Record<string, number>;
  /** The live store's recent connection steps (reconnect attempts, handshake, sync, apply), oldest first. */
  liveTrace: () => readonly LiveTraceEntry[];
  mapReady: boolean;
  /** Vector-tile layers (MVTLayer): tiles loaded and features in the tiles currently selected for the view. */
  tiles: () => Record<string, { selected: number; loaded: number; features: number }>;
  /** Moves the camera only (no app state): eases to a centre and zoom, resolving when the map rests. */
  easeTo: (lon: number, lat: number, zoom: number, durationMs: number) => Promise<void>;
  /** True while the camera flies (scene change). */
  isMoving: () => boolean;
}

declare global {
  interface Window {
    __gcc?: GccTestHook;
  }
}

let handle: MapHandle | null = null;

/** Features in a loaded tile: GeoJSON features, or a binary tile's per-feature property rows by geometry type. */
function tileFeatureCount(content: unknown): number {
  if (Array.isArray(content)) return content.length;
  if (!content || typeof content !== 'object') return 0;
  const c = content as Record<string, { properties?: unknown[] } | undefined>;
  return ['points', 'lines', 'polygons'].reduce((n, k) => n + (c[k]?.properties?.length ?? 0), 0);
}
let incidentIdsFn: () => number[] = () => [];
let incidentVersionFn: (id: number) => number | null = () => null;
let liveTraceFn: () => readonly LiveTraceEntry[] = () => [];

function hook(): GccTestHook {
  if (!window.__gcc) {
    window.__gcc = {
      layers: {},
      renderedLayerIds: () => {
        const deck = (handle?.overlay as unknown as { _deck?: { layerManager?: { getLayers(): Array<{ id: string; isLoaded: boolean }> } } })?._deck;
        return deck?.layerManager?.getLayers().filter((l) => l.isLoaded).map((l) => l.id) ?? [];
      },
      pick: (x, y) => {
        const info = handle?.overlay.pickObject({ x, y, radius: 4 });
        return info ? { layerId: info.layer?.id ?? null, object: info.object } : null;
      },
      lastEventId: null,
      project: (lon, lat) => {
        const p = handle?.map.project([lon, lat]);
        return p ? [p.x, p.y] : null;
      },
      incidentIds: () => incidentIdsFn(),
      incidentVersion: (id) => incidentVersionFn(id),
      connected: false,
      mapMarks: {},
      liveTrace: () => liveTraceFn(),
      mapReady: false,
      isMoving: () => handle?.map.isMoving() ?? false,
      easeTo: (lon, lat, zoom, durationMs) =>
        new Promise<void>((resolve) => {
          const map = handle?.map;
          if (!map) return resolve();
          map.once('moveend', () => resolve());
          map.easeTo({ center: [lon, lat], zoom, duration: durationMs, easing: (t) => t });
        }),
      tiles: () => {
        type TileHeader = { isLoaded: boolean; content: unknown };
        type TiledLayer = { id: string; state?: { tileset?: { selectedTiles?: TileHeader[] | null } } };
        const deck = (handle?.overlay as unknown as { _deck?: { layerManager?: { getLayers(): TiledLayer[] } } })?._deck;
        const out: Record<string, { selected: number; loaded: number; features: number }> = {};
        for (const l of deck?.layerManager?.getLayers() ?? []) {
          const selected = l.state?.tileset?.selectedTiles;
          if (!selected) continue;
          const loaded = selected.filter((t) => t.isLoaded);
          const features = loaded.reduce((n, t) => n + tileFeatureCount(t.content), 0);
          out[l.id] = { selected: selected.length, loaded: loaded.length, features };
        }
        return out;
      },
    };
  }
  return window.__gcc;
}

export function registerMap(h: MapHandle): () => void {
  handle = h;
  const marks: Record<string, number> = { created: performance.now() };
  hook().mapMarks = marks;
  const mark = (k: string) => (marks[k] ??= performance.now());
  h.map.once('style.load', () => mark('styleLoaded'));
  h.map.once('render', () => mark('firstRender'));
  const onData = () => {
    if (h.map.areTilesLoaded() && h.map.isStyleLoaded()) {
      mark('sourcesLoaded');
      h.map.off('sourcedata', onData);
    }
  };
  h.map.on('sourcedata', onData);
  h.map.once('load', () => {
    mark('load');
    hook().mapReady = true;
  });
  hook();
  return () => {
    if (handle === h) handle = null;
    hook().mapReady = false;
  };
}

export function reportLayerCounts(counts: Record<string, number>): void {
  hook().layers = { ...counts };
}

export function reportLive(state: {
  lastEventId: number | null;
  connected: boolean;
  incidentIds: () => number[];
  incidentVersion: (id: number) => number | null;
  liveTrace: () => readonly LiveTraceEntry[];
}): void {
  const h = hook();
  h.lastEventId = state.lastEventId;
  h.connected = state.connected;
  incidentIdsFn = state.incidentIds;
  incidentVersionFn = state.incidentVersion;
  liveTraceFn = state.liveTrace;
}
