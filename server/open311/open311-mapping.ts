// Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) mapped onto our incidents:
//   service_code  = our category code (incident_categories), service_name = its Chinese name;
//   status        = "open" for every status of the closed loop before closing, "closed" for closed/rejected;
//   status_notes  = our detailed status (and the reply to the reporter, when there is one);
//   expected_datetime = due_at.
// Requests are answered without the reporter's name or phone (Open311 has no field for them on output).
import { z } from 'zod';
import { STREET, type IncidentStatus } from '../../common/domain';
import { LonLatSchema } from '../../common/incidents';
import type { IncidentRow } from '../incidents/incident-row';
import { iso } from '../incidents/incident-row';

export const OPEN311_CLOSED: readonly IncidentStatus[] = ['closed', 'rejected'];

export function open311Status(status: IncidentStatus): 'open' | 'closed' {
  return OPEN311_CLOSED.includes(status) ? 'closed' : 'open';
}

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: false;
  type: 'realtime';
  keywords: string;
  group: string;
}

export interface Open311Request {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string;
  service_name: string;
  service_code: string;
  description: string;
  agency_responsible: string;
  service_notice: string;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string;
  address: string;
  address_id: string;
  zipcode: string;
  lat: number;
  long: number;
  media_url: string;
}

export function toOpen311Request(r: IncidentRow, serviceName: string): Open311Request {
  return {
    service_request_id: String(r.id),
    status: open311Status(r.status),
    status_notes: r.reply ? `${r.status}: ${r.reply}` : r.status,
    service_name: serviceName,
    service_code: r.category,
    description: r.description || r.title,
    agency_responsible: STREET.name,
    service_notice: '',
    requested_datetime: iso(r.reported_at) ?? '',
    updated_datetime: iso(r.updated_at) ?? '',
    expected_datetime: iso(r.due_at) ?? '',
    address: r.address ?? '',
    address_id: '',
    zipcode: '',
    lat: r.lat,
    long: r.lon,
    media_url: '',
  };
}

/** A decimal number sent as a form string or a JSON number. */
const decimal = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?[0-9]{1,3}(\.[0-9]{1,15})?$/, 'a decimal number of degrees, e.g. 39.22')
    .transform(Number),
]);

const jurisdiction = z.literal(STREET.code, { error: `this endpoint serves jurisdiction_id ${STREET.code} only` }).optional();

/**
 * POST requests.json. Fields of the spec we do not use (email, device_id, account_id, media_url,
 * address_id, attribute[…]) are accepted and ignored — minimal collection (PIPL): only a name and phone are
 * kept, for the reply to the reporter. lat/long are required: we locate by point, not by address.
 */
export const Open311PostSchema = z
  .object({
    jurisdiction_id: jurisdiction,
    api_key: z.string().max(200).optional(),
    service_code: z.string().max(64),
    lat: decimal,
    long: decimal,
    address_string: z.string().trim().max(500).optional(),
    address_id: z.string().max(200).optional(),
    description: z.string().max(4000).optional(),
    first_name: z.string().trim().max(50).optional(),
    last_name: z.string().trim().max(50).optional(),
    phone: z.string().trim().max(30).optional(),
    email: z.string().max(200).optional(),
    device_id: z.string().max(200).optional(),
    account_id: z.string().max(200).optional(),
    media_url: z.string().max(2000).optional(),
  })
  .catchall(z.unknown())
  .transform((v, ctx) => {
    const loc = LonLatSchema.safeParse({ lon: v.long, lat: v.lat });
    if (!loc.success) {
      const issue = loc.error.issues[0];
      ctx.addIssue({ code: 'custom', message: issue.message, path: [issue.path[0] === 'lon' ? 'long' : 'lat'] });
      return z.NEVER;
    }
    return { ...v, location: loc.data };
  });
export type Open311Post = z.infer<typeof Open311PostSchema>;

const csv = z.string().max(2000).transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

export const Open311ListQuerySchema = z
  .object({
    jurisdiction_id: jurisdiction,
    api_key: z.string().max(200).optional(),
    service_request_id: csv.pipe(z.array(z.string().regex(/^[1-9][0-9]{0,15}$/, 'ids are positive whole numbers')).max(500)).optional(),
    service_code: csv.pipe(z.array(z.string().max(64)).max(50)).optional(),
    start_date: z.iso.datetime({ offset: true }).optional(),
    end_date: z.iso.datetime({ offset: true }).optional(),
    status: csv.pipe(z.array(z.enum(['open', 'closed'])).min(1)).optional(),
  })
  .strict();
export type Open311ListQuery = z.infer<typeof Open311ListQuerySchema>;

/** The spec's default window when no dates are given, and its largest answer. */
export const DEFAULT_WINDOW_DAYS = 90;
export const MAX_REQUESTS = 1000;
