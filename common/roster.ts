// Roster import (issue 14 item 2): the street office's spreadsheets of grid workers, building heads,
// volunteer teams and Party members, previewed row by row and applied in one transaction.
import { z } from 'zod';

export const ROSTER_KINDS = ['grid_worker', 'building_head', 'volunteer', 'party_member'] as const;
export type RosterKind = (typeof ROSTER_KINDS)[number];

export const rosterKindParamsSchema = z.object({ kind: z.enum(ROSTER_KINDS) }).strict();

/**
 * Rolls that can be uploaded as the complete roll (完整名册): everyone of the roll on file who is not in the
 * sheet leaves it (离册). Only the two rolls that hold a post in the responsibility chain; a volunteer team or
 * a Party branch roll is one team or branch of many, so its absence says nothing about a person.
 */
export const ROSTER_COMPLETE_KINDS = ['grid_worker', 'building_head'] as const satisfies readonly RosterKind[];

/** `?complete=1`: the sheet is the whole roll of its kind (see ROSTER_COMPLETE_KINDS). */
export const rosterQuerySchema = z.object({ complete: z.enum(['0', '1']).optional() }).strict();

/** Why a row is refused; the message names the row's value so the sheet can be fixed. */
export const ROSTER_REFUSALS = [
  'MISSING_NAME',
  'BAD_NAME',
  'BAD_PHONE',
  'DUPLICATE_PHONE',
  'PHONE_SHARED',
  'BAD_ID_NUMBER',
  'DUPLICATE_ID_NUMBER',
  'MISSING_GRID',
  'UNKNOWN_GRID',
  'AMBIGUOUS_GRID',
  'DUPLICATE_GRID',
  'MISSING_BUILDING',
  'UNKNOWN_BUILDING',
  'AMBIGUOUS_BUILDING',
  'DUPLICATE_BUILDING',
  'MISSING_TEAM',
  'MISSING_BRANCH',
  'BAD_TEXT',
  'BAD_PARTY_FLAG',
] as const;
export type RosterRefusal = (typeof ROSTER_REFUSALS)[number];

/** Fields a change can touch; the client names them. */
export const ROSTER_FIELDS = ['role', 'name', 'grid', 'building', 'partyMember', 'team', 'branch', 'gridWorker', 'buildingHead', 'onRoll', 'account'] as const;
export type RosterField = (typeof ROSTER_FIELDS)[number];

export interface RosterFieldChange {
  field: RosterField;
  from: string | null;
  to: string | null;
}

/** `leave`: on the roll on file, not in a complete roll's sheet (离册). */
export type RosterRowStatus = 'create' | 'change' | 'unchanged' | 'refused' | 'leave';

export interface RosterPreviewRow {
  /** The row's number in the spreadsheet (the header is row 1); null for a person leaving (not in the sheet). */
  row: number | null;
  status: RosterRowStatus;
  name: string;
  phone: string | null;
  /** Where the row puts the person: the grid / building / team / branch as the sheet names it. */
  place: string | null;
  /** The person on file the row matched (change / unchanged). */
  personId: number | null;
  changes: RosterFieldChange[];
  refusals: { code: RosterRefusal; message: string }[];
}

export interface RosterCounts {
  rows: number;
  create: number;
  change: number;
  unchanged: number;
  refused: number;
  leave: number;
}

export interface RosterPreview {
  kind: RosterKind;
  counts: RosterCounts;
  rows: RosterPreviewRow[];
}

export interface RosterApplyAnswer {
  kind: RosterKind;
  counts: RosterCounts;
  /** Accounts of people who left the roll, now disabled (their sessions ended). */
  disabledAccounts: string[];
  sessionsEnded: number;
}
