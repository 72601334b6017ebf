// Domain vocabulary shared by server, client and database (the migration seeds the same lists).

export const INCIDENT_CATEGORIES = [
  'public_sentiment', 'appeal', 'care', 'mediation', 'errand', 'environment',
  'safety', 'security', 'emergency', 'parking', 'party',
] as const;
export type IncidentCategory = (typeof INCIDENT_CATEGORIES)[number];

export const INCIDENT_SEVERITIES = ['small', 'big'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

export const INCIDENT_STATUSES = [
  'reported', 'accepted', 'rejected', 'assigned', 'in_progress', 'resolved', 'verified', 'closed',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Allowed status changes; mirrored by the incident_transitions table and its trigger (migration 001). */
export const INCIDENT_TRANSITIONS: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  reported: ['accepted', 'rejected'],
  accepted: ['assigned'],
  assigned: ['assigned', 'accepted', 'in_progress'],
  in_progress: ['resolved', 'assigned'],
  resolved: ['verified', 'in_progress'],
  verified: ['closed'],
  rejected: [],
  // 重新办理: only through the audited reopen command, with a reason.
  closed: ['accepted'],
};

export function canTransition(from: IncidentStatus, to: IncidentStatus): boolean {
  return INCIDENT_TRANSITIONS[from].includes(to);
}

export const OPEN_STATUSES: readonly IncidentStatus[] = ['reported', 'accepted', 'assigned', 'in_progress', 'resolved', 'verified'];

export const FACILITY_TYPES = [
  'party_service_center', 'community_center', 'culture_sports', 'elderly_daycare',
  'clinic', 'school', 'kindergarten', 'market',
] as const;
export type FacilityType = (typeof FACILITY_TYPES)[number];

export const VIOLATION_KINDS = ['illegal_construction', 'illegal_occupation', 'civilization_inspection', 'sanitation_inspection'] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];
export const VIOLATION_STATUSES = ['found', 'notified', 'rectifying', 'rectified', 'demolished', 'verified'] as const;
export type ViolationStatus = (typeof VIOLATION_STATUSES)[number];

export const PARKING_KINDS = ['public', 'residential', 'time_shared', 'street'] as const;
export type ParkingKind = (typeof PARKING_KINDS)[number];

export const PERSON_ROLES = [
  'street_leader', 'community_secretary', 'community_staff', 'grid_worker', 'building_head', 'volunteer', 'cadre',
] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

export const USER_ROLES = ['wall', 'dispatcher', 'planner', 'leader', 'admin', 'worker'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Walking speed for the life circles: GB 50180-2018 takes 15/10/5 min as ≈1000/500/300 m → ≈1.1 m/s (4 km/h). */
export const WALK_SPEED_MPS = 4000 / 3600;
export const LIFE_CIRCLE_MINUTES = [5, 10, 15] as const;
/** GB 50180-2018 straight-line radii for the 5/10/15-minute life circles (m). */
export const LIFE_CIRCLE_RADII_M = { 5: 300, 10: 500, 15: 1000 } as const;

/** The street this installation serves (PRODUCT.md §2). The geometry of the sample is invented. */
export const STREET = {
  code: '120113001',
  name: '果园新村街道',
  nameEn: 'Guoyuanxincun Sub-district',
  district: '北辰区',
  city: '天津市',
  center: [117.14, 39.22] as [number, number],
  bbox: [117.1, 39.19, 117.18, 39.245] as [number, number, number, number],
  areaKm2: 3.67,
  households: 20864,
  residents: 44649,
  communities: 12,
  partyMembers: 1268,
  partyOrgs: 13,
  partyBranches: 38,
  gridWorkersAndBuildingHeads: 839,
} as const;

/** Category names as the migration seeds them (incident_categories), for clients that need no round trip. */
export const INCIDENT_CATEGORY_LABELS: Readonly<Record<IncidentCategory, { zh: string; en: string }>> = {
  public_sentiment: { zh: '民情收集', en: 'Public sentiment' },
  appeal: { zh: '诉求上达', en: 'Appeals' },
  care: { zh: '关爱帮扶', en: 'Care and assistance' },
  mediation: { zh: '矛盾调解', en: 'Dispute mediation' },
  errand: { zh: '事项代办', en: 'Errands' },
  environment: { zh: '市容环保', en: 'City appearance and environment' },
  safety: { zh: '安全监督', en: 'Safety supervision' },
  security: { zh: '综治技防', en: 'Public security and technical prevention' },
  emergency: { zh: '应急管理', en: 'Emergency management' },
  parking: { zh: '智慧停车', en: 'Parking' },
  party: { zh: '党员管理', en: 'Party member tasks' },
};
