// Placeholder until the sample generator lands: loads nothing. Replaced by the generator's loader.
import type { Db } from '../db/db';
import type { Logger } from '../logger';

export interface LoadSampleOptions {
  onlyIfEmpty?: boolean;
  logger?: Logger;
}

export async function loadSampleStreet(_db: Db, _options: LoadSampleOptions = {}): Promise<void> {}

export async function sampleFingerprint(): Promise<string> {
  return 'none';
}
