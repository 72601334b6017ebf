// Roster import (issue 14 item 2): the street office's spreadsheets of grid workers, building heads,
// volunteer teams and Party members, previewed row by row and applied in one transaction.
import { z } from 'zod';

export const ROSTER_KINDS = ['grid_worker', 'building_head', 'volunteer', 'party_member'] as const;
export type RosterKind = (typeof ROSTER_KINDS)[number];

export const rosterKindParamsSchema = z.object({ kind: z.enum(ROSTER_KINDS) }).strict();

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
export const ROSTER_FIELDS = ['role', 'name', 'grid', 'building', 'partyMember', 'team', 'branch', 'gridWorker', 'buildingHead'] as const;
export type RosterField = (typeof ROSTER_FIELDS)[number];

export interface RosterFieldChange {
  field: RosterField;
  from: string | null;
  to: string | null;
}

export type RosterRowStatus = 'create' | 'change' | 'unchanged' | 'refused';

export interface RosterPreviewRow {
  /** The row's number in the spreadsheet (the header is row 1). */
  row: number;
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
}

export interface RosterPreview {
  kind: RosterKind;
  counts: RosterCounts;
  rows: RosterPreviewRow[];
}

export interface RosterApplyAnswer {
  kind: RosterKind;
  counts: RosterCounts;
}
