// /insight — the leaders' view (PRODUCT.md §7): heatmap, hexbin and Gi* hot/cold spots on fixed cells for a
// chosen window, categories and severity; playback with one colour scale; outcome rankings with weekly
// trends; the brief export. Every figure comes from /api/insight/*; the page only draws.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Layer, PickingInfo } from '@deck.gl/core';
import { PathLayer } from '@deck.gl/layers';
import { MapView } from '../../map/map-view';
import { STREET_VIEW } from '../../map/street-view';
import { useStreetLayers } from '../../map/use-street-layers';
import { api } from '../../api/http';
import { reportLayerCounts } from '../../test-hook';
import {
  CELL_SIZES_M,
  type DensityResponse,
  type HotspotCell,
  type HotspotsResponse,
  type PlaybackResponse,
} from '../../../../common/insight';
import { densityPoints, heatmapLayer, hexbinLayer, hotspotLayer, playbackCells, playbackLayer, type PlaybackCell } from './insight-layers';
import { InsightLegend, type InsightView } from './insight-legend';
import { PlaybackBar } from './playback-bar';
import { RankingsPanel } from './rankings-panel';
import { useInsightText, type InsightTextKey } from './insight-text';
import './insight.css';

interface Meta {
  categories: Array<{ code: string; nameZh: string; nameEn: string }>;
  cellSizes: number[];
  now: string;
}

const DAY_MS = 86_400_000;
const SIG_KEYS: Record<number, InsightTextKey> = { 3: 'hot99', 2: 'hot95', 1: 'hot90', 0: 'notSig', [-1]: 'cold90', [-2]: 'cold95', [-3]: 'cold99' };

function useFetch<T>(url: string | null): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    if (!url) return;
    const ctl = new AbortController();
    api
      .get<T>(url, ctl.signal)
      .then((data) => setState({ data, error: null }))
      .catch((e: Error) => e.name !== 'AbortError' && setState((s) => ({ data: s.data, error: e.message })));
    return () => ctl.abort();
  }, [url]);
  return state;
}

/** yyyy-mm-dd of a time in China Standard Time, for <input type="date">. */
const cstDate = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 10);

export function InsightPage() {
  const { tx, locale } = useInsightText();
  const meta = useFetch<Meta>('/api/insight/meta').data;
  const street = useStreetLayers();

  const [view, setView] = useState<InsightView>('hotspots');
  const [days, setDays] = useState<number>(30);
  const [categories, setCategories] = useState<string[]>([]);
  const [severity, setSeverity] = useState<'all' | 'small' | 'big'>('all');
  const [cellSize, setCellSize] = useState<number>(150);
  const [bin, setBin] = useState<'day' | 'week'>('day');
  const [mode, setMode] = useState<'reported' | 'backlog'>('reported');
  const [frame, setFrameState] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [hover, setHover] = useState<{ x: number; y: number; html: string[] } | null>(null);
  const setFrame = useCallback((u: (f: number) => number) => setFrameState(u), []);

  // The window ends at the server's "now" (its clock), so the page and the server agree on "last 30 days".
  const filterQuery = useMemo(() => {
    if (!meta) return null;
    const to = new Date(Date.parse(meta.now) + 1000).toISOString();
    const from = new Date(Date.parse(meta.now) - days * DAY_MS).toISOString();
    const q = new URLSearchParams({ from, to, severity });
    if (categories.length) q.set('categories', categories.join(','));
    return q.toString();
  }, [meta, days, categories, severity]);

  const hot = useFetch<HotspotsResponse>(filterQuery && view === 'hotspots' ? `/api/insight/hotspots?${filterQuery}&cellSize=${cellSize}` : null);
  const density = useFetch<DensityResponse>(filterQuery && (view === 'heatmap' || view === 'hexbin') ? `/api/insight/density?${filterQuery}` : null);
  const playback = useFetch<PlaybackResponse>(
    filterQuery && view === 'playback' ? `/api/insight/playback?${filterQuery}&cellSize=${cellSize}&bin=${bin}&mode=${mode}` : null,
  );
  useEffect(() => setFrameState(0), [playback.data]);

  // Community boundaries for orientation: the outer rings of each community polygon.
  const outlines = useMemo(
    () =>
      street.communities?.features.flatMap((f) =>
        f.geometry.type === 'Polygon' ? [(f.geometry.coordinates as number[][][])[0]] : (f.geometry.coordinates as number[][][][]).map((poly) => poly[0]),
      ) ?? [],
    [street.communities],
  );
  const points = useMemo(() => (density.data ? densityPoints(density.data) : []), [density.data]);
  const frameCells: PlaybackCell[] = useMemo(
    () => (playback.data ? playbackCells(playback.data.frame, playback.data.frames[frame]) : []),
    [playback.data, frame],
  );

  const layers = useMemo(() => {
    const out: Layer[] = [];
    if (outlines.length) {
      out.push(new PathLayer<number[][]>({ id: 'insight-communities', data: outlines, getPath: (d) => d as [number, number][], getColor: [139, 13, 31, 180], widthUnits: 'pixels', getWidth: 1.5 }));
    }
    if (view === 'hotspots' && hot.data) out.push(hotspotLayer(hot.data));
    if (view === 'heatmap' && points.length) out.push(heatmapLayer(points));
    if (view === 'hexbin' && points.length) out.push(hexbinLayer(points));
    if (view === 'playback' && playback.data) out.push(playbackLayer(frameCells, playback.data.domain[1], frame));
    return out;
  }, [outlines, view, hot.data, points, playback.data, frameCells, frame]);

  useEffect(() => {
    reportLayerCounts({
      'insight-hotspots': view === 'hotspots' ? hot.data?.cells.length ?? 0 : 0,
      'insight-heatmap': view === 'heatmap' ? points.length : 0,
      'insight-hexbin': view === 'hexbin' ? points.length : 0,
      'insight-playback': view === 'playback' ? frameCells.length : 0,
    });
  }, [view, hot.data, points, frameCells]);

  const binCounts = useMemo(() => {
    const c: Record<number, number> = {};
    for (const cell of hot.data?.cells ?? []) c[cell.bin] = (c[cell.bin] ?? 0) + 1;
    return c;
  }, [hot.data]);

  const onHover = (info: PickingInfo) => {
    const o = info.object as unknown;
    if (!o) return setHover(null);
    const lines: string[] = [];
    if (info.layer?.id === 'insight-hotspots') {
      const c = o as HotspotCell;
      lines.push(`${tx('cell')} (${c.ix}, ${c.iy})`, `${tx('count')}: ${c.count}`, `${tx('zScore')}: ${c.z.toFixed(2)}`, `${tx('pValue')}: ${c.p < 0.001 ? '< 0.001' : c.p.toFixed(3)}`, `${tx('significance')}: ${tx(SIG_KEYS[c.bin])}`);
    } else if (info.layer?.id === 'insight-playback') {
      const c = o as PlaybackCell;
      lines.push(`${tx('cell')} (${c.ix}, ${c.iy})`, `${tx('count')}: ${c.count}`);
    } else if (info.layer?.id === 'insight-hexbin') {
      const c = o as { colorValue?: number; count?: number };
      lines.push(`${tx('count')}: ${c.colorValue ?? c.count ?? 0}`);
    } else return setHover(null);
    setHover({ x: info.x, y: info.y, html: lines });
  };

  const toggleCategory = (code: string) =>
    setCategories((cs) => (cs.includes(code) ? cs.filter((c) => c !== code) : [...cs, code]));
  const error = hot.error ?? density.error ?? playback.error;

  return (
    <div className="insight-page" data-testid="insight-page" data-view={view} data-ready={view === 'hotspots' ? String(!!hot.data) : view === 'playback' ? String(!!playback.data) : String(!!density.data)}>
      <aside className="insight-controls">
        <h2>{tx('title')}</h2>
        <fieldset>
          <legend>{tx('window')}</legend>
          {[7, 30, 90].map((d) => (
            <button key={d} type="button" className={days === d ? 'active' : undefined} onClick={() => setDays(d)}>
              {tx(d === 7 ? 'last7' : d === 30 ? 'last30' : 'last90')}
            </button>
          ))}
          {meta && (
            <div className="insight-muted insight-window-text">
              {cstDate(new Date(Date.parse(meta.now) - days * DAY_MS).toISOString())} — {cstDate(meta.now)}
            </div>
          )}
        </fieldset>
        <fieldset>
          <legend>{tx('view')}</legend>
          {(['hotspots', 'heatmap', 'hexbin', 'playback'] as const).map((v) => (
            <label key={v} className="insight-radio">
              <input type="radio" name="insight-view" checked={view === v} onChange={() => setView(v)} data-testid={`insight-view-${v}`} />
              {tx(v === 'hotspots' ? 'viewHotspots' : v === 'heatmap' ? 'viewHeatmap' : v === 'hexbin' ? 'viewHexbin' : 'viewPlayback')}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{tx('categories')}</legend>
          <div className="insight-chips">
            <button type="button" className={categories.length === 0 ? 'active' : undefined} onClick={() => setCategories([])}>{tx('allCategories')}</button>
            {meta?.categories.map((c) => (
              <button key={c.code} type="button" className={categories.includes(c.code) ? 'active' : undefined} onClick={() => toggleCategory(c.code)}>
                {locale === 'en' ? c.nameEn : c.nameZh}
              </button>
            ))}
          </div>
        </fieldset>
        <div className="insight-row">
          <label>
            {tx('severity')}
            <select value={severity} onChange={(e) => setSeverity(e.target.value as 'all' | 'small' | 'big')}>
              <option value="all">{tx('sevAll')}</option>
              <option value="small">{tx('sevSmall')}</option>
              <option value="big">{tx('sevBig')}</option>
            </select>
          </label>
          <label>
            {tx('cellSize')}
            <select value={cellSize} onChange={(e) => setCellSize(Number(e.target.value))} data-testid="insight-cell-size">
              {CELL_SIZES_M.map((s) => (
                <option key={s} value={s}>{s} {tx('metres')}</option>
              ))}
            </select>
          </label>
        </div>
        {hot.data && view === 'hotspots' && (
          <div className="insight-muted" data-testid="insight-summary">
            {tx('incidents')} {hot.data.incidents} · {tx('studyCells')} {hot.data.studyCells}
          </div>
        )}
        {error && <div className="insight-error" role="alert">{tx('error')}{error}</div>}
      </aside>
      <div className="insight-map">
        <MapView layers={layers} basemapTheme="light" initialView={{ ...STREET_VIEW, zoom: 13.8 }} onHover={onHover} />
        <InsightLegend view={view} bandM={hot.data?.bandM} domainMax={playback.data?.domain[1]} backlog={mode === 'backlog'} counts={binCounts} />
        {hover && (
          <div className="insight-tooltip" style={{ left: hover.x + 12, top: hover.y + 12 }} data-testid="insight-tooltip">
            {hover.html.map((l) => (
              <div key={l}>{l}</div>
            ))}
          </div>
        )}
        {view === 'playback' && (
          <PlaybackBar data={playback.data} frame={frame} setFrame={setFrame} playing={playing} setPlaying={setPlaying} bin={bin} setBin={setBin} mode={mode} setMode={setMode} />
        )}
      </div>
      {filterQuery && <RankingsPanel filterQuery={filterQuery} />}
    </div>
  );
}
