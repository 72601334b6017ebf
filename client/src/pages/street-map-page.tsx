// The desk map: the street on the light offline basemap, the polygon layers, and the unit panel on click.
// On a district or a city (large data) the same page draws from vector tiles and opens on the data extent.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { PickingInfo } from '@deck.gl/core';
import { MapView, type MapHandle } from '../map/map-view';
import { geometryBbox } from '../wall/scene-rotation';
import { STREET_VIEW, initialViewFor } from '../map/street-view';
import { LayerExtentGate, type MapExtent } from '../map/layer-extent-gate';
import { useScaledStreetLayers } from '../map/use-view-window';
import { layerCounts, streetLayers } from '../map/street-layers';
import { unitFromPick } from '../map/pick-unit';
import { UnitPanel, type UnitRef } from '../panels/unit-panel';
import { reportLayerCounts } from '../test-hook';
import { useI18n } from '../i18n/i18n';

/** Asks how large the data is first: a street loads as GeoJSON, a district or a city from vector tiles. */
export function StreetMapPage({ notice }: { notice?: string }) {
  return <LayerExtentGate className="street-map-page">{(extent) => <StreetMap notice={notice} extent={extent} />}</LayerExtentGate>;
}

function StreetMap({ notice, extent }: { notice?: string; extent: MapExtent }) {
  const { t } = useI18n();
  const { tiled, bbox: tiledBbox } = extent;
  const { data, shown, setMap, viewZoom } = useScaledStreetLayers(extent);
  const [selected, setSelected] = useState<UnitRef | null>(null);
  const layers = useMemo(
    () =>
      streetLayers(shown, null, {
        scale: 1,
        theme: 'light',
        highlightCommunityId: selected?.level === 'community' ? selected.id : null,
        highlightGridId: selected?.level === 'grid' ? selected.id : null,
        highlightBuildingId: selected?.level === 'building' ? selected.id : null,
        visible: {},
        tiled,
        viewZoom,
      }),
    [shown, selected, tiled, viewZoom],
  );
  // Tiled: the counts are the server's totals (the browser holds only the tiles in view).
  useEffect(() => reportLayerCounts(layerCounts(data, null, extent)), [data, extent]);
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
        initialView={initialViewFor(tiledBbox, { ...STREET_VIEW, zoom: 14 })}
        onClick={onClick}
        onReady={(h) => {
          mapRef.current = h;
          setMap(h.map);
          setMapReady(true);
        }}
      />
      <div className="map-hint">{notice ?? t('clickHint')}</div>
      {data.errors.length > 0 && <div className="map-errors" role="alert">{data.errors.join(' · ')}</div>}
      <UnitPanel unit={selected} onClose={() => setSelected(null)} />
    </div>
  );
}
