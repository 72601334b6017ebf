// Scenes the wall rotates through on its own: the whole street, then each community in turn. A scene
// change flies the map to the community's extent and highlights it; the page shows its panel.
import { useEffect, useState } from 'react';
import type { CommunityCollection } from '../../../common/layers';

export interface Scene {
  /** null = the whole street */
  communityId: number | null;
  name: string | null;
  bbox: [number, number, number, number] | null;
}

export const SCENE_INTERVAL_MS = 20_000;

export function geometryBbox(coords: unknown): [number, number, number, number] {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number') {
      b[0] = Math.min(b[0], c[0]);
      b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]);
      b[3] = Math.max(b[3], c[1]);
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  walk(coords);
  return b;
}

export function scenesOf(communities: CommunityCollection | null): Scene[] {
  const all = communities?.features.length ? geometryBbox(communities.features.map((f) => f.geometry.coordinates)) : null;
  const scenes: Scene[] = [{ communityId: null, name: null, bbox: all }];
  for (const f of communities?.features ?? []) {
    scenes.push({ communityId: f.properties.id, name: f.properties.name, bbox: geometryBbox(f.geometry.coordinates) });
  }
  return scenes;
}

/** The current scene; advances every `intervalMs` (URL ?scene=off pauses, ?sceneMs=N changes the pace). */
export function useSceneRotation(scenes: Scene[], intervalMs = SCENE_INTERVAL_MS): Scene {
  const [index, setIndex] = useState(0);
  const params = new URLSearchParams(window.location.search);
  const paused = params.get('scene') === 'off';
  const pace = Number(params.get('sceneMs')) || intervalMs;
  useEffect(() => {
    if (paused || scenes.length < 2) return;
    const timer = setInterval(() => setIndex((i) => (i + 1) % scenes.length), pace);
    return () => clearInterval(timer);
  }, [paused, pace, scenes.length]);
  return scenes[index % Math.max(1, scenes.length)] ?? scenes[0];
}
