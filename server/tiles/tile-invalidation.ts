// Which tile layers a committed event makes stale. The tile cache lives in each process; every process tails
// the same events table (server/realtime/event-publisher.ts), so invalidating from the pushed events clears
// the cache on every node after an import or a live edit on any of them — no per-request version query.
import type { TileService } from './tile-service';

/** The part of a stored event this needs. */
export interface ChangeEvent {
  readonly type: string;
  readonly entityType: string;
}

/**
 * Layers whose tiles an event changes: 'all' for a data load or an import (an import of communities or grids
 * also re-assigns the grid and community of buildings, facilities and the rest), the one layer for a live
 * edit of a tiled attribute (parking occupancy, violation status), none for incidents, photos and the like.
 */
export function tileLayersChangedBy(e: ChangeEvent): 'all' | readonly string[] {
  switch (e.entityType) {
    case 'layer': // layer.imported (file, street, OSM imports)
    case 'dataset': // sample.loaded
      return 'all';
    case 'parking_lot':
      return ['parking_lots'];
    case 'violation':
      return ['violations'];
    default:
      return [];
  }
}

/** Invalidates the tile layers a batch of pushed events changed (each layer once). */
export function invalidateTilesFor(tiles: Pick<TileService, 'invalidate'>, events: readonly ChangeEvent[]): void {
  const layers = new Set<string>();
  for (const e of events) {
    const changed = tileLayersChangedBy(e);
    if (changed === 'all') {
      tiles.invalidate();
      return;
    }
    for (const l of changed) layers.add(l);
  }
  for (const l of layers) tiles.invalidate(l);
}
