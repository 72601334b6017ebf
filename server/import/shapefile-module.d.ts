// Minimal typings for the `shapefile` package (no bundled types; @types/shapefile is not installed).
declare module 'shapefile' {
  import type { FeatureCollection } from 'geojson';
  export function read(
    shp: string | ArrayBuffer | Uint8Array,
    dbf?: string | ArrayBuffer | Uint8Array | null,
    options?: { encoding?: string },
  ): Promise<FeatureCollection & { bbox?: number[] }>;
  const shapefile: { read: typeof read };
  export default shapefile;
}
