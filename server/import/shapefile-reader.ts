// Placeholder replaced below with the real shapefile reader.
import { AppError } from '../../common/errors';
import type { RawFeature } from './types';

export async function readShapefile(_file: string, _opts: { crsExplicit: boolean }): Promise<{ features: RawFeature[]; warnings: string[] }> {
  throw new AppError('IMPORT_FAILED', 'shapefile import is not available yet', 'file');
}
