// vt-pbf ships no types; this declares the one function we use (see node_modules/vt-pbf/index.js).
declare module 'vt-pbf' {
  interface GeojsonVtLayer {
    features: Array<{ id?: number; type: 1 | 2 | 3; geometry: unknown; tags: Record<string, unknown> }>;
  }
  const vtpbf: {
    fromGeojsonVt(layers: Record<string, GeojsonVtLayer>, options?: { version?: number; extent?: number }): Uint8Array;
  };
  export default vtpbf;
}
