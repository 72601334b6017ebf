// Colours shared by the map layers and the legends. RGBA arrays as deck.gl takes them.
import type { Color } from '@deck.gl/core';
import type { FacilityType, IncidentStatus, ViolationStatus } from '../../../common/domain';

/** Local CJK fonts (Debian: fonts-noto-cjk; Windows: Microsoft YaHei; macOS: PingFang): no glyph server. */
export const CJK_FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif';

export const INCIDENT_STATUS_COLORS: Record<IncidentStatus, Color> = {
  reported: [255, 77, 79, 255],
  accepted: [255, 145, 48, 255],
  assigned: [250, 200, 40, 255],
  in_progress: [64, 169, 255, 255],
  resolved: [115, 209, 61, 255],
  verified: [54, 207, 201, 255],
  closed: [140, 140, 140, 200],
  rejected: [110, 110, 110, 160],
};

export const VIOLATION_STATUS_COLORS: Record<ViolationStatus, Color> = {
  found: [245, 34, 45, 255],
  notified: [250, 84, 28, 255],
  rectifying: [250, 173, 20, 255],
  rectified: [82, 196, 26, 255],
  demolished: [82, 196, 26, 255],
  verified: [19, 194, 194, 255],
};

export const FACILITY_COLORS: Record<FacilityType, Color> = {
  party_service_center: [230, 0, 18, 255],
  community_center: [255, 85, 85, 255],
  culture_sports: [146, 84, 222, 255],
  elderly_daycare: [255, 169, 64, 255],
  clinic: [54, 207, 201, 255],
  school: [64, 169, 255, 255],
  kindergarten: [133, 165, 255, 255],
  market: [186, 230, 55, 255],
};

/** 5, 10 and 15 minutes' walk (GB 50180-2018 life circles). */
// Light fills: rings of several centers overlap, and the map under them must stay readable.
export const RING_COLORS: Record<5 | 10 | 15, Color> = {
  5: [255, 214, 102, 34],
  10: [255, 169, 64, 20],
  15: [255, 122, 69, 10],
};

/** A distinct hue per community id, stable across reloads. */
export function communityColor(id: number, alpha = 255): Color {
  const hues = [
    [64, 169, 255], [115, 209, 61], [255, 169, 64], [146, 84, 222], [54, 207, 201], [255, 133, 192],
    [250, 219, 20], [47, 84, 235], [160, 217, 17], [250, 140, 22], [19, 194, 194], [235, 47, 150],
  ];
  const [r, g, b] = hues[(id - 1 + hues.length * 100) % hues.length];
  return [r, g, b, alpha];
}
