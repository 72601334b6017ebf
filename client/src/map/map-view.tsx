// MapView: the offline MapLibre basemap (style from our own server) with deck.gl layers drawn over it by
// MapboxOverlay. interleaved: false keeps deck.gl in its own canvas, which is the most robust choice in
// software WebGL (SwiftShader) on command-hall PCs without a GPU. Reused by /wall, /dispatch and /plan.
import { useEffect, useRef, useState } from 'react';
import { Map as MaplibreMap, NavigationControl, prewarm, setWorkerUrl, type IControl } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { MapboxOverlay } from '@deck.gl/mapbox';
import type { LayersList, PickingInfo } from '@deck.gl/core';
import { registerMap } from '../test-hook';
import { basemapStylePath } from './street-layer-paths';

// The worker script is bundled by Vite and served by our own server (no CDN, no blob from elsewhere).
setWorkerUrl(workerUrl);
// Start MapLibre's workers (a 0.5 MB script each to fetch and compile) while the page signs in, loads its
// chunk and asks how large the data is, instead of after the map is created: the wall's first render
// waits on the map's `load`.
prewarm();

export interface ViewTarget {
  longitude: number;
  latitude: number;
  zoom: number;
  pitch?: number;
  bearing?: number;
}

export interface MapHandle {
  map: MaplibreMap;
  overlay: MapboxOverlay;
  flyTo(target: ViewTarget, durationMs?: number): void;
  fitBounds(bbox: [number, number, number, number], paddingPx?: number, durationMs?: number): void;
}

export interface MapViewProps {
  /** deck.gl layers, drawn in order (later on top). */
  layers: LayersList;
  /** Basemap colours: dark for the wall, light for desks. */
  basemapTheme?: 'dark' | 'light';
  /** Large data: the basemap style draws from our vector tiles (/api/basemap/style.json?tiled=1). */
  basemapTiled?: boolean;
  initialView: ViewTarget;
  /** Click on a pickable deck.gl object (or on nothing: info.object undefined). */
  onClick?: (info: PickingInfo) => void;
  onHover?: (info: PickingInfo) => void;
  /** Drag of a pickable object (the page disables the map's own drag-pan while one is dragged). */
  onDragStart?: (info: PickingInfo) => void;
  onDrag?: (info: PickingInfo) => void;
  onDragEnd?: (info: PickingInfo) => void;
  getCursor?: (state: { isHovering: boolean; isDragging: boolean }) => string;
  /** Called once the basemap style has loaded. */
  onReady?: (handle: MapHandle) => void;
  /** Wall displays do not take input. */
  interactive?: boolean;
  /**
   * Hand deck.gl its layers only once the basemap has loaded (or after DECK_AFTER_BASEMAP_MAX_MS). On a cold
   * wall in software WebGL, deck.gl's first draws took the frames MapLibre needed: its tiles were in at ~9 s
   * and its `load` came 5–14 s later (bench/wall.ts, map_sourcesLoaded vs map_load, load average 18).
   */
  deckAfterBasemap?: boolean;
  className?: string;
}

/** Longest deck.gl waits for the basemap's `load` when `deckAfterBasemap` (a basemap that never loads must not hide the data). */
export const DECK_AFTER_BASEMAP_MAX_MS = 20_000;

export function MapView({ layers, basemapTheme = 'light', basemapTiled = false, initialView, onClick, onHover, onDragStart, onDrag, onDragEnd, getCursor, onReady, interactive = true, deckAfterBasemap = false, className }: MapViewProps) {
  const container = useRef<HTMLDivElement>(null);
  const [deckOpen, setDeckOpen] = useState(!deckAfterBasemap);
  const overlayRef = useRef<MapboxOverlay | null>(null);
  // Callbacks change identity on every render; keep the latest in refs so the map is created only once.
  const handlers = useRef({ onClick, onHover, onDragStart, onDrag, onDragEnd, onReady, getCursor });
  handlers.current = { onClick, onHover, onDragStart, onDrag, onDragEnd, onReady, getCursor };
  const initial = useRef({ initialView, basemapTheme, basemapTiled, interactive, layers, deckAfterBasemap });

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const { initialView: v, basemapTheme: theme, basemapTiled: tiled, interactive: canInteract } = initial.current;
    const map = new MaplibreMap({
      container: el,
      style: basemapStylePath(theme, tiled),
      center: [v.longitude, v.latitude],
      zoom: v.zoom,
      pitch: v.pitch ?? 0,
      bearing: v.bearing ?? 0,
      interactive: canInteract,
      attributionControl: { compact: true },
      maxPitch: 60,
    });
    const overlay = new MapboxOverlay({
      interleaved: false,
      layers: initial.current.deckAfterBasemap ? [] : initial.current.layers,
      onClick: (info) => handlers.current.onClick?.(info),
      onHover: (info) => handlers.current.onHover?.(info),
      onDragStart: (info) => handlers.current.onDragStart?.(info),
      onDrag: (info) => handlers.current.onDrag?.(info),
      onDragEnd: (info) => handlers.current.onDragEnd?.(info),
      getCursor: (s) => handlers.current.getCursor?.(s) ?? (s.isHovering ? 'pointer' : 'grab'),
    });
    overlayRef.current = overlay;
    map.addControl(overlay as unknown as IControl);
    if (canInteract) map.addControl(new NavigationControl({ visualizePitch: true }), 'bottom-right');
    const handle: MapHandle = {
      map,
      overlay,
      flyTo: (t, durationMs = 2500) =>
        map.flyTo({ center: [t.longitude, t.latitude], zoom: t.zoom, pitch: t.pitch ?? map.getPitch(), bearing: t.bearing ?? map.getBearing(), duration: durationMs, essential: true }),
      fitBounds: (b, paddingPx = 40, durationMs = 2500) => map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: paddingPx, duration: durationMs, essential: true }),
    };
    const unregister = registerMap(handle);
    map.once('load', () => {
      setDeckOpen(true);
      handlers.current.onReady?.(handle);
    });
    const deckFallback = setTimeout(() => setDeckOpen(true), DECK_AFTER_BASEMAP_MAX_MS);
    return () => {
      clearTimeout(deckFallback);
      unregister();
      overlayRef.current = null;
      map.remove();
    };
  }, []);

  useEffect(() => {
    if (deckOpen) overlayRef.current?.setProps({ layers });
  }, [layers, deckOpen]);

  return <div ref={container} className={className ?? 'map-view'} data-testid="map-view" />;
}
