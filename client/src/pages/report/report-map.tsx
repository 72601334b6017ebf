// The small map of the report page: the public offline basemap (/api/public/basemap/style.json — no
// account, no outside host), the street's community outlines, and one pin the resident places by tapping
// or by their location. Plain MapLibre: a pin needs no deck.gl.
import { useEffect, useRef } from 'react';
import { Map as MaplibreMap, Marker, NavigationControl, setWorkerUrl } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { AreaCollection } from './public-api';

setWorkerUrl(workerUrl);

export interface LonLatPoint {
  lon: number;
  lat: number;
}

export function ReportMap({ area, point, onPick }: { area: AreaCollection; point: LonLatPoint | null; onPick: (p: LonLatPoint) => void }) {
  const el = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MaplibreMap | null>(null);
  const markerRef = useRef<Marker | null>(null);
  const pick = useRef(onPick);
  pick.current = onPick;

  useEffect(() => {
    if (!el.current) return;
    const b = area.bbox ?? [117.1, 39.19, 117.18, 39.245];
    const map = new MaplibreMap({
      container: el.current,
      style: '/api/public/basemap/style.json',
      bounds: [[b[0], b[1]], [b[2], b[3]]],
      fitBoundsOptions: { padding: 12 },
      attributionControl: { compact: true },
      dragRotate: false,
      pitchWithRotate: false,
    });
    map.touchZoomRotate.disableRotation();
    map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    map.on('load', () => {
      map.addSource('area', { type: 'geojson', data: area as unknown as GeoJSON.FeatureCollection });
      map.addLayer({ id: 'area-fill', type: 'fill', source: 'area', paint: { 'fill-color': '#c8102e', 'fill-opacity': 0.05 } });
      map.addLayer({ id: 'area-line', type: 'line', source: 'area', paint: { 'line-color': '#c8102e', 'line-width': 1.5, 'line-opacity': 0.7 } });
      el.current?.setAttribute('data-ready', '1');
    });
    map.on('click', (e) => pick.current({ lon: e.lngLat.lng, lat: e.lngLat.lat }));
    mapRef.current = map;
    return () => {
      markerRef.current?.remove();
      markerRef.current = null;
      mapRef.current = null;
      map.remove();
    };
  }, [area]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    if (!point) {
      markerRef.current?.remove();
      markerRef.current = null;
      return;
    }
    if (!markerRef.current) {
      const m = new Marker({ color: '#c8102e', draggable: true }).setLngLat([point.lon, point.lat]).addTo(map);
      m.on('dragend', () => {
        const p = m.getLngLat();
        pick.current({ lon: p.lng, lat: p.lat });
      });
      markerRef.current = m;
    } else {
      markerRef.current.setLngLat([point.lon, point.lat]);
    }
    if (!map.getBounds().contains([point.lon, point.lat])) map.easeTo({ center: [point.lon, point.lat], duration: 500 });
  }, [point]);

  return <div ref={el} className="report-map" data-testid="report-map" />;
}
