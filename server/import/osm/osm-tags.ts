// Tag rules of the OSM import, as pure functions so they can be tested one by one. The walking rules follow
// common pedestrian-routing practice (OSRM's foot profile): streets and paths are walkable unless foot
// access is denied; motorways never; trunk roads only when foot=yes; one-way streets do not restrict
// walkers (only oneway:foot does); steps are walkable (slower, see walk-graph.ts).
import type { FacilityType } from '../../../common/domain';

export type Tags = Readonly<Record<string, string>>;

/**
 * Every tag key a rule in this file or in import-osm.ts reads. The PBF reader keeps only these keys
 * (read-pbf.ts: the rest of a way's tags would be held for nothing); a rule that reads a key missing here
 * would never see it, so tests/import/read-pbf.test.ts checks the two source files against this list.
 */
export const TAG_KEYS_READ = [
  'access', 'addr:housenumber', 'addr:street', 'amenity', 'area', 'barrier', 'building', 'building:levels', 'foot',
  'healthcare', 'highway', 'landuse', 'leisure', 'locked', 'name', 'name:en', 'natural', 'oneway:foot', 'railway',
  'shop', 'social_facility', 'social_facility:for', 'type', 'waterway',
] as const;

const WALKABLE_HIGHWAYS = new Set([
  'footway', 'path', 'pedestrian', 'steps', 'living_street', 'residential', 'service', 'unclassified', 'road',
  'tertiary', 'tertiary_link', 'secondary', 'secondary_link', 'primary', 'primary_link', 'track', 'cycleway',
  'bridleway', 'corridor', 'platform', 'crossing',
]);
/** Allowed for walkers only when tagged so (foot=yes/designated/permissive). */
const FOOT_ONLY_IF_TAGGED = new Set(['trunk', 'trunk_link']);
const FOOT_YES = new Set(['yes', 'designated', 'permissive']);
const FOOT_NO = new Set(['no', 'private', 'use_sidepath']);
const ACCESS_NO = new Set(['no', 'private', 'agricultural', 'forestry', 'military']);

export interface Walkability {
  /** 1: only along the way's direction; -1: only against it; 0: both. */
  oneway: 0 | 1 | -1;
}

/** Whether a way is walkable, and in which direction; null when not. */
export function walkability(tags: Tags): Walkability | null {
  const hw = tags.highway;
  if (!hw) return null;
  const foot = tags.foot;
  if (foot && FOOT_NO.has(foot)) return null;
  const footYes = foot !== undefined && FOOT_YES.has(foot);
  if (!WALKABLE_HIGHWAYS.has(hw) && !(FOOT_ONLY_IF_TAGGED.has(hw) && footYes)) return null;
  if (tags.access && ACCESS_NO.has(tags.access) && !footYes) return null;
  if (tags.area === 'yes' && !['pedestrian', 'footway', 'platform'].includes(hw)) return null;
  const ow = tags['oneway:foot'];
  return { oneway: ow === 'yes' || ow === '1' || ow === 'true' ? 1 : ow === '-1' || ow === 'reverse' ? -1 : 0 };
}

/** Barriers a walker can pass (OSRM foot profile's list, roughly); any other barrier value blocks. */
const PASSABLE_BARRIERS = new Set([
  'yes', 'gate', 'lift_gate', 'swing_gate', 'bollard', 'kissing_gate', 'stile', 'turnstile', 'full-height_turnstile',
  'cycle_barrier', 'motorcycle_barrier', 'cattle_grid', 'entrance', 'border_control', 'toll_booth', 'sally_port',
  'block', 'kerb', 'chain', 'height_restrictor', 'hampshire_gate', 'bump_gate', 'planter', 'log', 'horse_stile', 'no',
]);

/** Whether a node on a walkable way stops walkers (a wall, a locked or private gate, foot=no). */
export function blocksFoot(tags: Tags): boolean {
  const foot = tags.foot;
  if (foot && FOOT_NO.has(foot)) return true;
  const footYes = foot !== undefined && FOOT_YES.has(foot);
  if (tags.access && ACCESS_NO.has(tags.access) && !footYes) return true;
  if (tags.locked === 'yes' && !footYes) return true;
  const b = tags.barrier;
  return b !== undefined && !PASSABLE_BARRIERS.has(b) && !footYes;
}

/** Our facility type for an OSM POI, or null when it is not one of ours. */
export function facilityTypeOf(tags: Tags): FacilityType | null {
  const a = tags.amenity;
  const hc = tags.healthcare;
  if (a === 'school') return 'school';
  if (a === 'kindergarten' || a === 'childcare') return 'kindergarten';
  if (a === 'clinic' || a === 'doctors' || a === 'hospital' || hc === 'clinic' || hc === 'doctor' || hc === 'hospital' || hc === 'centre') return 'clinic';
  if (a === 'marketplace' || tags.shop === 'supermarket' || tags.shop === 'greengrocer') return 'market';
  if (a === 'nursing_home' || (a === 'social_facility' && (['nursing_home', 'assisted_living', 'day_care'].includes(tags.social_facility ?? '') || /senior/.test(tags['social_facility:for'] ?? '')))) return 'elderly_daycare';
  if (a === 'community_centre' || a === 'social_centre') return 'community_center';
  if (a === 'library' || a === 'arts_centre' || tags.leisure === 'sports_centre' || tags.leisure === 'fitness_centre') return 'culture_sports';
  return null;
}

/** Tags that make something a point of interest we look at (counted as "unmapped" when not ours). */
export function isPoi(tags: Tags): boolean {
  return tags.amenity !== undefined || tags.healthcare !== undefined || tags.shop !== undefined
    || tags.leisure === 'sports_centre' || tags.leisure === 'fitness_centre';
}

export type BuildingUse = 'residential' | 'mixed' | 'office' | 'public' | 'commercial' | 'school' | 'industrial' | 'other';

const USE_BY_BUILDING: Record<string, BuildingUse> = {
  residential: 'residential', apartments: 'residential', house: 'residential', detached: 'residential',
  terrace: 'residential', semidetached_house: 'residential', dormitory: 'residential', bungalow: 'residential',
  commercial: 'commercial', retail: 'commercial', supermarket: 'commercial', kiosk: 'commercial', hotel: 'commercial',
  office: 'office',
  school: 'school', kindergarten: 'school', university: 'school', college: 'school',
  industrial: 'industrial', warehouse: 'industrial', factory: 'industrial',
  public: 'public', civic: 'public', government: 'public', hospital: 'public', church: 'public', cathedral: 'public',
  chapel: 'public', train_station: 'public', transportation: 'public', museum: 'public', fire_station: 'public',
};

/** building=yes (most of OSM) says nothing about use: 'other', never a guess at 'residential'. */
export function buildingUseOf(tags: Tags): BuildingUse {
  return USE_BY_BUILDING[tags.building ?? ''] ?? 'other';
}

/** building:levels → floors (1..120); null when absent or not a number. "2.5" rounds to 3, "3;4" takes 4. */
export function floorsOf(tags: Tags): number | null {
  const raw = tags['building:levels'];
  if (!raw) return null;
  const nums = raw.split(/[;,]/).map((s) => Number.parseFloat(s.trim())).filter((n) => Number.isFinite(n));
  if (nums.length === 0) return null;
  const n = Math.ceil(Math.max(...nums));
  return n >= 1 && n <= 120 ? n : null;
}

export type BasemapKind = 'road_major' | 'road_minor' | 'path' | 'rail' | 'water' | 'green' | 'landuse';

const MAJOR = new Set(['motorway', 'motorway_link', 'trunk', 'trunk_link', 'primary', 'primary_link', 'secondary', 'secondary_link']);
const MINOR = new Set(['tertiary', 'tertiary_link', 'residential', 'unclassified', 'living_street', 'service', 'road', 'pedestrian']);
const PATHS = new Set(['footway', 'path', 'steps', 'cycleway', 'track', 'bridleway', 'corridor']);
const GREEN_LEISURE = new Set(['park', 'garden', 'playground', 'pitch', 'nature_reserve', 'golf_course']);
const GREEN_LANDUSE = new Set(['grass', 'forest', 'meadow', 'recreation_ground', 'village_green', 'cemetery', 'allotments', 'orchard', 'vineyard']);
const GREEN_NATURAL = new Set(['wood', 'scrub', 'grassland', 'heath']);

/** Basemap kind of a way and whether it is drawn as an area (closed ring) or a line. */
export function basemapKindOf(tags: Tags, closed: boolean): { kind: BasemapKind; area: boolean } | null {
  const hw = tags.highway;
  if (hw && tags.area !== 'yes') {
    if (MAJOR.has(hw)) return { kind: 'road_major', area: false };
    if (MINOR.has(hw)) return { kind: 'road_minor', area: false };
    if (PATHS.has(hw)) return { kind: 'path', area: false };
  }
  if (['rail', 'light_rail', 'subway', 'tram', 'narrow_gauge', 'funicular'].includes(tags.railway ?? '')) return { kind: 'rail', area: false };
  if (tags.natural === 'water' || tags.landuse === 'reservoir' || tags.landuse === 'basin' || tags.waterway === 'riverbank' || tags.leisure === 'swimming_pool') {
    return closed ? { kind: 'water', area: true } : null;
  }
  if (['river', 'stream', 'canal', 'drain', 'ditch'].includes(tags.waterway ?? '')) return { kind: 'water', area: false };
  if (GREEN_LEISURE.has(tags.leisure ?? '') || GREEN_LANDUSE.has(tags.landuse ?? '') || GREEN_NATURAL.has(tags.natural ?? '')) {
    return closed ? { kind: 'green', area: true } : null;
  }
  if (tags.landuse && closed) return { kind: 'landuse', area: true };
  return null;
}
