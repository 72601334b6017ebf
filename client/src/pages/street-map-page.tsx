// The desk map: the street on the light offline basemap, the polygon layers, and the unit panel on click.
// /dispatch and /plan start from this until their own pages land on top of MapView.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { PickingInfo } from '@deck.gl/core';
import { MapView, type MapHandle } from '../map/map-view';
import { geometryBbox } from '../wall/scene-rotation';
import { STREET_VIEW } from '../map/street-view';
import { useStreetLayers } from '../map/use-street-layers';
import { layerCounts, streetLayers } from '../map/street-layers';
import { unitFromPick } from '../map/pick-unit';
import { UnitPanel, type UnitRef } from '../panels/unit-panel';
import { reportLayerCounts } from '../test-hook';
import { useI18n } from '../i18n/i18n';

export function StreetMapPage({ notice }: { notice?: string }) {
  const { t } = useI18n();
  const data = useStreetLayers();
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
      }),
    [data, selected],
  );
  useEffect(() => reportLayerCounts(layerCounts(data, null)), [data]);
  // Fit the street once both the map and the communities are there.
  const mapRef = useRef<MapHandle | null>(null);
  const [mapReady, setMapReady] = useState(false);
  const fitted = useRef(false);
  useEffect(() => {
    if (!mapReady || !mapRef.current || fitted.current || !data.communities?.features.length) return;
    fitted.current = true;
    mapRef.current.fitBounds(geometryBbox(data.communities.features.map((f) => f.geometry.coordinates)), 40, 0);
  }, [mapReady, data.communities]);
  // Buildings sit above grids above communities, so the first pick is the most specific unit.
  const onClick = (info: PickingInfo) => setSelected(unitFromPick(info));
  return (
    <div className="street-map-page">
      <MapView layers={layers} basemapTheme="light" initialView={{ ...STREET_VIEW, zoom: 14 }}
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
