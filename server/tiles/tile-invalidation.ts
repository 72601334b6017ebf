// Which tile layers a committed event makes stale. The tile cache lives in each process; every process tails
// the same events table (server/realtime/event-publisher.ts), so invalidating from the pushed events clears
// the cache on every node after an import or a live edit on any of them — no per-request version query.
import type { TileService } from './tile-service';
import { TILE_LAYERS } from './tile-layers';
import { tablesChangedBy, type ChangeEvent } from '../events/tables-changed';

/**
 * Layers whose tiles an event changes: those over a table it changed — 'all' for a data load or an import,
 * the one layer for a live edit of a tiled attribute (parking occupancy, violation status), none for
 * incidents (not tiled), photos and the like.
 */
export function tileLayersChangedBy(e: ChangeEvent): 'all' | readonly string[] {
  const tables = tablesChangedBy(e);
  const layers = Object.entries(TILE_LAYERS).filter(([, def]) => (tables as readonly string[]).includes(def.table)).map(([name]) => name);
  return layers.length === Object.keys(TILE_LAYERS).length ? 'all' : layers;
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
