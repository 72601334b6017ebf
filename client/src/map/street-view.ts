// Where the map opens: the street's box from the shared domain constants (PRODUCT.md §2).
import { STREET } from '../../../common/domain';
import type { ViewTarget } from './map-view';

export const STREET_BBOX = STREET.bbox;
export const STREET_VIEW: ViewTarget = { longitude: STREET.center[0], latitude: STREET.center[1], zoom: 13.6 };

/** bbox query string for layer endpoints: the street plus a margin. */
export function streetBboxQuery(zoom: number): string {
  const m = 0.02;
  const [a, b, c, d] = STREET_BBOX;
  return `bbox=${a - m},${b - m},${c + m},${d + m}&zoom=${Math.round(zoom)}`;
}

/** The first view: the street's own, or on large data the centre of its extent (fitted once ready). */
export function initialViewFor(extentBbox: readonly [number, number, number, number] | null, streetView: ViewTarget): ViewTarget {
  if (!extentBbox) return streetView;
  return { longitude: (extentBbox[0] + extentBbox[2]) / 2, latitude: (extentBbox[1] + extentBbox[3]) / 2, zoom: 12 };
}
