// Colours of the insight layers. Hot/cold spots use a diverging scheme (ColorBrewer RdBu, 7 classes):
// cold blue at 99/95/90 %, not significant transparent, hot red at 90/95/99 %. Counts use one sequential
// ramp (YlOrRd) so heatmap, hexbin and playback read the same way.
import type { Color } from '@deck.gl/core';
import type { SignificanceBin } from '../../../../common/insight';

export const SIGNIFICANCE_COLORS: Record<SignificanceBin, Color> = {
  [-3]: [33, 102, 172, 210],
  [-2]: [103, 169, 207, 200],
  [-1]: [209, 229, 240, 190],
  0: [0, 0, 0, 0],
  1: [253, 219, 199, 190],
  2: [239, 138, 98, 200],
  3: [178, 24, 43, 210],
};

/** YlOrRd, 6 steps (ColorBrewer), low → high. */
export const COUNT_RAMP: Color[] = [
  [255, 255, 178],
  [254, 217, 118],
  [254, 178, 76],
  [253, 141, 60],
  [240, 59, 32],
  [189, 0, 38],
];

/** Colour of a count on a fixed [0, max] domain (linear, quantised to the ramp); 0 is transparent. */
export function countColor(n: number, max: number): Color {
  if (n <= 0 || max <= 0) return [0, 0, 0, 0];
  const k = Math.min(COUNT_RAMP.length - 1, Math.floor((n / max) * COUNT_RAMP.length));
  const [r, g, b] = COUNT_RAMP[k];
  return [r, g, b, 200];
}

export const css = (c: Color): string => `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${((c[3] ?? 255) / 255).toFixed(2)})`;
