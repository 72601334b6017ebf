// Residents report and hear back (民情直通车 / 件件有回音): the public contract of /report and /report/CODE.
// Nothing here carries personal data back out: the tracking DTO has the status, the public reply and dates.
import { z } from 'zod';
import type { IncidentCategory } from './domain';
import { LonLatSchema } from './incidents';
import { NONCE_PATTERN, POW_ALGORITHM } from './pow';

/** Categories a resident may choose (the rest are internal work: Party tasks, errands, emergencies go to 110/119). */
export const RESIDENT_CATEGORIES = ['environment', 'safety', 'parking', 'security', 'mediation', 'care', 'appeal', 'public_sentiment'] as const satisfies readonly IncidentCategory[];
export type ResidentCategory = (typeof RESIDENT_CATEGORIES)[number];

export const RESIDENT_DESCRIPTION_MIN = 5;
export const RESIDENT_DESCRIPTION_MAX = 1000;
export const RESIDENT_ADDRESS_MAX = 200;
/** Bodies of the public JSON routes are refused above this (413 PAYLOAD_TOO_LARGE). */
export const PUBLIC_JSON_LIMIT_BYTES = 16 * 1024;
/** The reason stored when a dispatcher marks a report as spam. */
export const SPAM_REASON = 'spam';

// --- tracking codes ------------------------------------------------------------------------------------

/** Crockford's base32 (no I, L, O, U): easy to read aloud and to type on a phone. */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 10 characters = 50 random bits. */
export const TRACKING_CODE_LENGTH = 10;

/**
 * Normalises what a person typed: case, spaces and dashes do not matter, and the letters Crockford
 * decodes as digits (O → 0, I and L → 1) are accepted. Returns null for anything that is not a code.
 */
export function normalizeTrackingCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (s.length !== TRACKING_CODE_LENGTH) return null;
  for (const ch of s) if (!CROCKFORD_ALPHABET.includes(ch)) return null;
  return s;
}

/** K7P2XM9Q4T → K7P2X-M9Q4T, for display. */
export function formatTrackingCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

// --- commands ------------------------------------------------------------------------------------------

export const ChallengeRequestSchema = z.object({}).strict();

export interface ChallengeDto {
  algorithm: typeof POW_ALGORITHM;
  challenge: string;
  /** Leading zero bits the digest must have. */
  difficulty: number;
  expiresAt: string;
}

const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 -]{6,19}$/, 'a phone number: digits, spaces and dashes, optional leading +');

export const ResidentReportSchema = z
  .object({
    challenge: z.string().regex(/^[0-9a-f]{32}$/, 'the challenge from POST /api/public/challenges'),
    nonce: z.string().regex(NONCE_PATTERN, 'a whole number in decimal (the solution of the challenge)'),
    category: z.enum(RESIDENT_CATEGORIES, { message: `one of ${RESIDENT_CATEGORIES.join(', ')}` }),
    description: z
      .string()
      .trim()
      .min(RESIDENT_DESCRIPTION_MIN, `describe the problem in at least ${RESIDENT_DESCRIPTION_MIN} characters`)
      .max(RESIDENT_DESCRIPTION_MAX, `at most ${RESIDENT_DESCRIPTION_MAX} characters`),
    address: z.string().trim().max(RESIDENT_ADDRESS_MAX, `at most ${RESIDENT_ADDRESS_MAX} characters`).optional(),
    location: LonLatSchema,
    phone: phone.optional(),
  })
  .strict();
export type ResidentReportCommand = z.infer<typeof ResidentReportSchema>;
export type ResidentReportInput = z.input<typeof ResidentReportSchema>;

export interface ResidentReportCreatedDto {
  /** The tracking code: shown once; the server keeps only its hash. */
  code: string;
  /** Path of the tracking page. */
  trackingPath: string;
  status: PublicStatus;
}

export const ResidentRatingSchema = z.object({ satisfaction: z.number().int().min(1, '1 to 5 stars').max(5, '1 to 5 stars') }).strict();
export type ResidentRatingCommand = z.infer<typeof ResidentRatingSchema>;

/** A dispatcher marks a report as spam (POST /api/incidents/:id/spam). */
export const SpamSchema = z
  .object({
    expectedVersion: z.number().int().min(1).max(2 ** 31 - 1).optional(),
    note: z.string().trim().max(500, 'at most 500 characters').optional(),
  })
  .strict();
export type SpamCommand = z.infer<typeof SpamSchema>;

// --- the tracking page ---------------------------------------------------------------------------------

/** What a resident is told about the state of their report (the closed loop, in public words). */
export const PUBLIC_STATUSES = ['received', 'accepted', 'in_progress', 'resolved', 'closed', 'not_accepted'] as const;
export type PublicStatus = (typeof PUBLIC_STATUSES)[number];

export interface TrackingStep {
  status: PublicStatus;
  at: string;
}

export interface TrackingDto {
  code: string;
  category: ResidentCategory | IncidentCategory;
  status: PublicStatus;
  reportedAt: string;
  /** The community the point lies in (public geography). */
  communityName: string | null;
  /** One entry per public step reached, in order (no actors, no internal notes). */
  steps: TrackingStep[];
  /** The street's answer to the resident (件件有回音). */
  reply: string | null;
  repliedAt: string | null;
  /** 1–5 once rated. */
  satisfaction: number | null;
  canRate: boolean;
  /** How many photos came with the report: a count only, the public page never shows the photos. */
  photoCount: number;
}

/** Answer to a resident's photo upload (POST /api/public/reports/:code/photos): how many the report has now. */
export interface ResidentPhotoAddedDto {
  photoCount: number;
  photoLimit: number;
}
