import { describe, expect, it } from 'vitest';
import { LABEL_MIN_ZOOM, inBbox, labelsInWindow, padBbox, sameWindow, type ViewWindow, type WindowedLabels } from '../../client/src/map/view-window';
import type { CommunityCollection, FacilityCollection } from '../../common/layers';

function community(id: number, lon: number, lat: number) {
  return { type: 'Feature', properties: { id, name: `社区${id}`, labelLon: lon, labelLat: lat }, geometry: { type: 'Polygon', coordinates: [] } };
}
function facility(id: number, lon: number, lat: number) {
  return { type: 'Feature', properties: { id, name: `设施${id}`, type: 'clinic' }, geometry: { type: 'Point', coordinates: [lon, lat] } };
}
const data: WindowedLabels = {
  communities: { type: 'FeatureCollection', features: [community(1, 117.1, 39.2), community(2, 117.5, 39.2)] } as unknown as CommunityCollection,
  facilities: { type: 'FeatureCollection', features: [facility(3, 117.11, 39.21), facility(4, 118, 40)] } as unknown as FacilityCollection,
  roadLabels: [
    { name: '果园北道', kind: 'road_major', lon: 117.1, lat: 39.2, angle: 0 },
    { name: '远路', kind: 'road_minor', lon: 116, lat: 39.2, angle: 0 },
  ],
};
const near: ViewWindow = { bbox: [117.05, 39.15, 117.15, 39.25], zoom: 16 };

describe('names and symbols near the view (large data)', () => {
  it('pads the view by half its size on every side', () => {
    expect(padBbox([0, 0, 2, 1])).toEqual([-1, -0.5, 3, 1.5]);
  });

  it('keeps only what lies inside the window', () => {
    const out = labelsInWindow(data, near);
    expect(out.communities?.features.map((f) => f.properties.id)).toEqual([1]);
    expect(out.facilities?.features.map((f) => f.properties.id)).toEqual([3]);
    expect(out.roadLabels.map((l) => l.name)).toEqual(['果园北道']);
    expect(inBbox(117.15, 39.25, near.bbox)).toBe(true);
  });

  it('draws each kind only from its reading zoom on', () => {
    const below = labelsInWindow(data, { ...near, zoom: LABEL_MIN_ZOOM.facilities - 0.1 });
    expect(below.facilities).toBeNull();
    expect(below.communities?.features).toHaveLength(1);
    const far = labelsInWindow(data, { ...near, zoom: Math.min(LABEL_MIN_ZOOM.communityNames, LABEL_MIN_ZOOM.roadLabels) - 0.1 });
    expect(far).toEqual({ communities: null, facilities: null, roadLabels: [] });
  });

  it('draws nothing before the map has rested once', () => {
    expect(labelsInWindow(data, null)).toEqual({ communities: null, facilities: null, roadLabels: [] });
  });

  it('treats a camera resting where it was as the same window (no new layer data)', () => {
    expect(sameWindow(near, { bbox: [...near.bbox], zoom: near.zoom + 0.001 })).toBe(true);
    expect(sameWindow(near, { ...near, zoom: near.zoom + 0.5 })).toBe(false);
    expect(sameWindow(near, { ...near, bbox: [117.06, 39.15, 117.15, 39.25] })).toBe(false);
    expect(sameWindow(null, near)).toBe(false);
  });
});
