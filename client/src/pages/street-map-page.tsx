// The desk map: the street on the light offline basemap, the polygon layers, and the unit panel on click.
// /dispatch and /plan start from this until their own pages land on top of MapView.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { PickingInfo } from '@deck.gl/core';
import { MapView, type MapHandle } from '../map/map-view';
import { geometryBbox } from '../wall/scene-rotation';
import { STREET_VIEW } from '../map/street-view';
import { useStreetLayers } from '../map/use-street-layers';
import { useLayerExtent, type LayerExtent } from '../map/use-layer-extent';
import { layerCounts, streetLayers } from '../map/street-layers';
import { unitFromPick } from '../map/pick-unit';
import { UnitPanel, type UnitRef } from '../panels/unit-panel';
import { reportLayerCounts } from '../test-hook';
import { useI18n } from '../i18n/i18n';

/** Asks how large the data is first: a street loads as GeoJSON, a district or a city from vector tiles. */
export function StreetMapPage({ notice }: { notice?: string }) {
  const { ready, extent } = useLayerExtent();
  if (!ready) return <div className="street-map-page" />;
  return <StreetMap notice={notice} tiledBbox={extent?.tiled && extent.bbox ? extent.bbox : null} tiledCounts={extent?.tiled ? extent.counts : null} />;
}

function StreetMap({ notice, tiledBbox, tiledCounts }: { notice?: string; tiledBbox: LayerExtent['bbox']; tiledCounts: LayerExtent['counts'] | null }) {
  const { t } = useI18n();
  const tiled = tiledBbox !== null;
  const data = useStreetLayers({ tiledExtent: tiledBbox });
  const [selected, setSelected] = useState<UnitRef | null>(null);
  const layers = useMemo(
    () =>
      streetLayers(data, null, {
        scale: 1,
        theme: 'light',
        highlightCommunityId: selected?.level === 'community' ? selected.id : null,
        highlightGridId: selected?.level === 'grid' ? selected.id : null,
        highlightBuildingId: selected?.level === 'building' ? selected.id : null,
        visible: {},
        tiled,
      }),
    [data, selected, tiled],
  );
  // Tiled: the counts are the server's totals (the browser holds only the tiles in view).
  useEffect(() => reportLayerCounts({ ...layerCounts(data, null), ...(tiledCounts ?? {}), tiled: tiled ? 1 : 0 }), [data, tiledCounts, tiled]);
  // Fit the street once both the map and the communities are there.
  const mapRef = useRef<MapHandle | null>(null);
  const [mapReady, setMapReady] = useState(false);
  const fitted = useRef(false);
  useEffect(() => {
    // Large data: the first view is the whole data extent (not the street's fixed box).
    if (mapReady && mapRef.current && !fitted.current && tiledBbox) {
      fitted.current = true;
      mapRef.current.fitBounds(tiledBbox, 40, 0);
      return;
    }
    if (!mapReady || !mapRef.current || fitted.current || !data.communities?.features.length) return;
    fitted.current = true;
    mapRef.current.fitBounds(geometryBbox(data.communities.features.map((f) => f.geometry.coordinates)), 40, 0);
  }, [mapReady, data.communities, tiledBbox]);
  // Buildings sit above grids above communities, so the first pick is the most specific unit.
  const onClick = (info: PickingInfo) => setSelected(unitFromPick(info));
  return (
    <div className="street-map-page">
      <MapView layers={layers} basemapTheme="light" basemapTiled={tiled}
        initialView={tiledBbox ? { longitude: (tiledBbox[0] + tiledBbox[2]) / 2, latitude: (tiledBbox[1] + tiledBbox[3]) / 2, zoom: 12 } : { ...STREET_VIEW, zoom: 14 }}
        onClick={onClick}
        onReady={(h) => {
          mapRef.current = h;
          setMapReady(true);
        }}
      />
      <div className="map-hint">{notice ?? t('clickHint')}</div>
      {data.errors.length > 0 && <div className="map-errors" role="alert">{data.errors.join(' · ')}</div>}
      <UnitPanel unit={selected} onClose={() => setSelected(null)} />
    </div>
  );
}
