// Placeholder until the sample generator lands: loads nothing. Replaced by the generator's loader.
import type { Db } from '../db/db';

export async function loadSampleStreet(_db: Db): Promise<void> {}

export async function sampleFingerprint(): Promise<string> {
  return 'none';
}
