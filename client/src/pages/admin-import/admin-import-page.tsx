// /admin/import: an administrator builds a real street step by step (street → communities → grids →
// buildings → network → facilities …). Each step: choose what and the file, its coordinate system and options,
// upload (progress), wait for the server's preview (the real import rolled back; parse progress polled), look
// at the features on the map with refused ones in a warning colour and their reasons beside it, then 应用 or
// 取消. The capability list on the left is the server's dataset status, refreshed after every apply.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { GeoJsonLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Feature, Geometry } from 'geojson';
import { MapView, type MapHandle } from '../../map/map-view';
import { STREET_VIEW } from '../../map/street-view';
import { useSession } from '../../auth/session';
import { publishDataset } from '../../dataset/use-dataset';
import { ApiError } from '../../api/http';
import type { DatasetStatus } from '../../../../common/dataset';
import type { PreviewRequest, StageRefused, StageStatus, StageTarget } from '../../../../common/import-stage';
import { applyStage, cancelStage, datasetNow, stageStatus, startPreview, uploadFile } from './import-api';
import { useImportText } from './admin-import-text';
import './admin-import.css';

/** The documented order of a street from nothing; `count` says whether a step is done. */
const STEPS: { target: StageTarget; count: (c: DatasetStatus['counts']) => number }[] = [
  { target: 'street', count: (c) => c.streets },
  { target: 'communities', count: (c) => c.communities },
  { target: 'grids', count: (c) => c.grids },
  { target: 'buildings', count: (c) => c.buildings },
  { target: 'walk', count: (c) => c.walk_edges },
  { target: 'facilities', count: (c) => c.facilities },
  { target: 'osm', count: () => -1 },
  { target: 'parking_lots', count: (c) => c.parking_lots },
  { target: 'violations', count: (c) => c.violations },
  { target: 'basemap', count: (c) => c.basemap_features },
];
const ACCEPT: Record<StageTarget, string> = {
  street: '.geojson,.json', communities: '.geojson,.json,.zip', grids: '.geojson,.json,.zip', buildings: '.geojson,.json,.zip',
  walk: '.geojson,.json,.zip', facilities: '.geojson,.json,.csv,.zip', parking_lots: '.geojson,.json,.csv,.zip',
  violations: '.geojson,.json,.csv,.zip', basemap: '.geojson,.json,.zip', osm: '.pbf',
};
const OK_FILL: [number, number, number, number] = [24, 144, 255, 60];
const OK_LINE: [number, number, number, number] = [9, 88, 217, 230];
const WARN_FILL: [number, number, number, number] = [250, 140, 22, 110];
const WARN_LINE: [number, number, number, number] = [212, 56, 13, 255];

type Phase = { kind: 'idle' } | { kind: 'uploading'; fraction: number } | { kind: 'parsing'; stage: StageStatus }
  | { kind: 'previewed'; stage: StageStatus } | { kind: 'failed'; message: string; stage?: StageStatus }
  | { kind: 'applying'; stage: StageStatus } | { kind: 'applied'; stage: StageStatus } | { kind: 'cancelled' };

function bboxOf(features: { geometry: unknown }[]): [number, number, number, number] | null {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') { b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1] as number); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1] as number); return; }
    for (const x of c) visit(x);
  };
  for (const f of features) visit((f.geometry as { coordinates?: unknown } | null)?.coordinates);
  return Number.isFinite(b[0]) ? (b as [number, number, number, number]) : null;
}

export function ImportPage() {
  const { state } = useSession();
  const tx = useImportText();
  const { t } = tx;
  const [dataset, setDataset] = useState<DatasetStatus | null>(null);
  const [target, setTarget] = useState<StageTarget>('street');
  const [file, setFile] = useState<File | null>(null);
  const [crs, setCrs] = useState<'wgs84' | 'gcj02' | 'bd09'>('wgs84');
  const [makeValid, setMakeValid] = useState(false);
  const [replace, setReplace] = useState(false);
  const [codeField, setCodeField] = useState('');
  const [codeMap, setCodeMap] = useState('');
  const [street, setStreet] = useState({ name: '', nameEn: '', code: '' });
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [selected, setSelected] = useState<number | null>(null);
  const mapRef = useRef<MapHandle | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const stageId = useRef<string | null>(null);

  const refreshDataset = useCallback(() => { datasetNow().then(setDataset).catch(() => undefined); }, []);
  useEffect(refreshDataset, [refreshDataset]);
  // The first step not done yet is the one offered.
  const firstTodo = useMemo(() => dataset && STEPS.find((s) => s.count(dataset.counts) === 0)?.target, [dataset]);
  const chose = useRef(false);
  useEffect(() => { if (firstTodo && !chose.current) setTarget(firstTodo); }, [firstTodo]);

  const errorText = (err: unknown): string => {
    if (err instanceof ApiError) return `${tx.error(err.code) ?? err.code}: ${err.message}`;
    return (err as Error).message;
  };

  const poll = useCallback(async (id: string) => {
    for (;;) {
      const s = await stageStatus(id);
      if (stageId.current !== id) return;
      if (s.state === 'previewing') { setPhase({ kind: 'parsing', stage: s }); await new Promise((r) => setTimeout(r, 400)); continue; }
      if (s.state === 'previewed') {
        setPhase({ kind: 'previewed', stage: s });
        const all = [...(s.preview?.features ?? []), ...(s.preview?.refused ?? [])];
        const box = bboxOf(all);
        if (box) mapRef.current?.fitBounds(box, 60, 600);
      } else setPhase({ kind: 'failed', message: s.error ? `${tx.error(s.error.code) ?? s.error.code}: ${s.error.message}` : s.state, stage: s });
      return;
    }
  }, [tx]);

  const buildRequest = (): PreviewRequest | string => {
    const req: PreviewRequest = { target, crs, ...(makeValid ? { makeValid } : {}), ...(replace ? { replace } : {}) };
    if (target === 'street') req.street = { name: street.name.trim(), code: street.code.trim(), ...(street.nameEn.trim() ? { nameEn: street.nameEn.trim() } : {}) };
    if ((target === 'communities' || target === 'grids') && codeField.trim()) req.codeField = codeField.trim();
    if ((target === 'communities' || target === 'grids') && codeMap.trim()) {
      try {
        const m = JSON.parse(codeMap) as unknown;
        if (!m || typeof m !== 'object' || Array.isArray(m)) return t('codeMapBad');
        req.codeMap = m as Record<string, string>;
      } catch { return t('codeMapBad'); }
    }
    return req;
  };

  const onUpload = async () => {
    if (!file) return;
    const req = buildRequest();
    if (typeof req === 'string') { setPhase({ kind: 'failed', message: req }); return; }
    setSelected(null);
    setPhase({ kind: 'uploading', fraction: 0 });
    try {
      const up = await uploadFile(file, (fraction) => setPhase({ kind: 'uploading', fraction }));
      stageId.current = up.id;
      const s = await startPreview(up.id, req);
      setPhase({ kind: 'parsing', stage: s });
      await poll(up.id);
    } catch (err) {
      setPhase({ kind: 'failed', message: errorText(err) });
    }
  };

  const onApply = async () => {
    if (phase.kind !== 'previewed') return;
    setPhase({ kind: 'applying', stage: phase.stage });
    try {
      const r = await applyStage(phase.stage.id);
      setDataset(r.dataset);
      publishDataset(r.dataset);
      setPhase({ kind: 'applied', stage: r.status });
      chose.current = false;
      setFile(null);
      if (fileInput.current) fileInput.current.value = '';
    } catch (err) {
      setPhase({ kind: 'failed', message: errorText(err), stage: phase.stage });
    }
  };

  const onCancel = async () => {
    const id = stageId.current;
    stageId.current = null;
    if (id) await cancelStage(id).catch(() => undefined);
    setPhase({ kind: 'cancelled' });
  };

  const stage = 'stage' in phase ? phase.stage : undefined;
  const preview = phase.kind === 'previewed' || phase.kind === 'applying' || phase.kind === 'failed' ? stage?.preview : phase.kind === 'applied' ? stage?.applied : undefined;
  const refused: StageRefused[] = useMemo(() => (phase.kind === 'previewed' || phase.kind === 'applying' ? stage?.preview?.refused ?? [] : []), [phase.kind, stage]);
  // After apply the imported features stay on the map (the preview's, now written).
  const okFeatures = useMemo(() => (phase.kind === 'previewed' || phase.kind === 'applying' || phase.kind === 'applied' ? stage?.preview?.features ?? [] : []), [phase.kind, stage]);

  const layers = useMemo(() => [
    new GeoJsonLayer({
      id: 'import-ok', data: { type: 'FeatureCollection', features: okFeatures as unknown as Feature[] },
      filled: true, stroked: true, getFillColor: OK_FILL, getLineColor: OK_LINE, lineWidthMinPixels: 1.5, pointRadiusMinPixels: 4, getPointRadius: 4,
    }),
    new GeoJsonLayer({
      id: 'import-refused',
      data: { type: 'FeatureCollection', features: refused.filter((r) => r.geometry).map((r) => ({ type: 'Feature', geometry: r.geometry as Geometry, properties: { index: r.index } })) as Feature[] },
      filled: true, stroked: true, getFillColor: WARN_FILL, getLineColor: WARN_LINE, lineWidthMinPixels: 3, pointRadiusMinPixels: 6, getPointRadius: 6,
      updateTriggers: { getLineColor: [selected] },
    }),
    new ScatterplotLayer<StageRefused>({
      id: 'import-refused-where', data: refused.filter((r) => r.location),
      getPosition: (r) => r.location as [number, number], radiusUnits: 'pixels', getRadius: (r) => (r.index === selected ? 11 : 7),
      getFillColor: [255, 255, 255, 255], getLineColor: WARN_LINE, stroked: true, lineWidthMinPixels: 3,
      updateTriggers: { getRadius: [selected] },
    }),
  ], [okFeatures, refused, selected]);

  if (state.status === 'signed-in' && state.user.role !== 'admin') return <div className="import-page-denied">{t('adminOnly')}</div>;

  const summary = stage?.summary;
  const busy = phase.kind === 'uploading' || phase.kind === 'parsing' || phase.kind === 'applying';
  const progressPhase = phase.kind === 'parsing' ? phase.stage.progress : undefined;
  const phaseText = progressPhase ? t(`phase_${progressPhase.phase}` as 'phase_read', { done: progressPhase.done ?? '…', total: progressPhase.total ?? '…' }) : '';
  const isStreetRefused = target === 'street' && refused.length > 0;

  return (
    <div className="import-page" data-testid="admin-import">
      <aside className="import-panel">
        <h2>{t('title')}</h2>
        <p className="import-intro">{t('intro')}</p>
        <h3>{t('capabilities')}</h3>
        <ul className="import-caps" data-testid="import-capabilities">
          {dataset?.capabilities.map((c) => {
            const [label, missing] = tx.capability(c.capability);
            return (
              <li key={c.capability} data-capability={c.capability} data-ready={c.ready ? 'true' : 'false'} className={c.ready ? 'ready' : 'missing'}>
                <span className="cap-mark">{c.ready ? '✓' : '✗'}</span>
                <span className="cap-name">{label}</span>
                {!c.ready && <small title={c.missing}>{missing}</small>}
              </li>
            );
          })}
        </ul>
        <h3>{t('steps')}</h3>
        <ol className="import-steps">
          {STEPS.map((s) => {
            const n = dataset ? s.count(dataset.counts) : 0;
            return (
              <li key={s.target} className={`${target === s.target ? 'current' : ''} ${n > 0 ? 'done' : ''}`}>
                <button type="button" disabled={busy} onClick={() => { chose.current = true; setTarget(s.target); setPhase({ kind: 'idle' }); }} data-step={s.target}>
                  <span>{tx.target(s.target)}</span>
                  {n >= 0 && <small>{n > 0 ? t('done', { n: tx.number(n) }) : t('todo')}</small>}
                </button>
              </li>
            );
          })}
        </ol>
      </aside>

      <section className="import-form-map">
        <form className="import-form" onSubmit={(e) => { e.preventDefault(); void onUpload(); }}>
          <label>{t('layer')}
            <select value={target} disabled={busy} onChange={(e) => { chose.current = true; setTarget(e.target.value as StageTarget); }} data-testid="import-target">
              {STEPS.map((s) => <option key={s.target} value={s.target}>{tx.target(s.target)}</option>)}
            </select>
          </label>
          <label className="file">{t('file')}
            <input ref={fileInput} type="file" accept={ACCEPT[target]} disabled={busy} onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="import-file" />
            <small>{t('fileHint')}</small>
          </label>
          {target === 'street' && (
            <div className="street-fields">
              <label>{t('streetName')}<input value={street.name} onChange={(e) => setStreet({ ...street, name: e.target.value })} data-testid="street-name" required /></label>
              <label>{t('streetCode')}<input value={street.code} onChange={(e) => setStreet({ ...street, code: e.target.value })} data-testid="street-code" pattern="[0-9]{9}(000)?" required /></label>
              <label>{t('streetNameEn')}<input value={street.nameEn} onChange={(e) => setStreet({ ...street, nameEn: e.target.value })} /></label>
            </div>
          )}
          {target !== 'osm' && (
            <fieldset className="crs" title={t('crsHint')}>
              <legend>{t('crs')}</legend>
              {(['wgs84', 'gcj02', 'bd09'] as const).map((c) => (
                <label key={c}><input type="radio" name="crs" value={c} checked={crs === c} onChange={() => setCrs(c)} />{t(c)}</label>
              ))}
            </fieldset>
          )}
          <div className="options">
            {target !== 'osm' && <label><input type="checkbox" checked={makeValid} onChange={(e) => setMakeValid(e.target.checked)} data-testid="make-valid" />{t('makeValid')}</label>}
            {target !== 'street' && <label><input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} />{t('replace')}</label>}
          </div>
          {(target === 'communities' || target === 'grids') && (
            <div className="code-fields">
              <label>{t('codeField')}<input value={codeField} onChange={(e) => setCodeField(e.target.value)} placeholder="code" /></label>
              <label>{t('codeMap')}<textarea value={codeMap} onChange={(e) => setCodeMap(e.target.value)} rows={2} /></label>
            </div>
          )}
          <div className="upload-row">
            <button type="submit" className="primary" disabled={!file || busy} data-testid="import-upload">{t('upload')}</button>
            {phase.kind === 'uploading' && (
              <span className="progress" data-testid="upload-progress"><progress max={1} value={phase.fraction} />{t('uploading', { p: Math.round(phase.fraction * 100) })}</span>
            )}
            {phase.kind === 'parsing' && <span className="progress" data-testid="parse-progress"><progress />{t('parsing', { phase: phaseText })}</span>}
            {phase.kind === 'applying' && <span className="progress"><progress />{t('applying')}</span>}
          </div>
        </form>
        <div className="import-map">
          <MapView layers={layers} basemapTheme="light" initialView={STREET_VIEW} onReady={(h) => { mapRef.current = h; }} />
          <div className="import-legend">
            <span><i className="ok" />{t('legendOk')}</span>
            <span><i className="warn" />{t('legendRefused')}</span>
            <span><i className="where" />{t('legendVertex')}</span>
          </div>
        </div>
      </section>

      <aside className="import-panel import-right" data-testid="import-preview">
        <h2>{t('preview')}</h2>
        {phase.kind === 'idle' && <p className="muted">{t('noPreview')}</p>}
        {phase.kind === 'cancelled' && <p className="notice" data-testid="import-cancelled">{t('cancelled')}</p>}
        {phase.kind === 'failed' && <p className="import-error" role="alert" data-testid="import-error"><strong>{t('failed')}</strong> {phase.message}</p>}
        {phase.kind === 'applied' && stage?.applied && (
          <p className="notice ok" data-testid="import-applied">
            {t('applied', { what: Object.entries(stage.applied.imported).map(([k, v]) => `${tx.table(k)} ${tx.number(v)}`).join(' · ') })}
          </p>
        )}
        {summary && phase.kind !== 'applied' && (
          <dl className="import-summary" data-testid="import-summary">
            <div><dt>{t('create')}</dt><dd data-testid="summary-create">{tx.number(summary.create)}</dd></div>
            <div><dt>{t('update')}</dt><dd data-testid="summary-update">{tx.number(summary.update)}</dd></div>
            <div className={summary.refuse > 0 ? 'warn' : ''}><dt>{t('refuse')}</dt><dd data-testid="summary-refuse">{tx.number(summary.refuse)}</dd></div>
          </dl>
        )}
        {(phase.kind === 'previewed' || phase.kind === 'applying') && (
          <>
            {stage?.preview?.featuresTruncated && <p className="muted">{t('truncated', { n: tx.number(okFeatures.length) })}</p>}
            {target === 'osm' && <p className="muted">{t('osmNoMap')}</p>}
            <h3>{t('refused')}</h3>
            {refused.length === 0 ? <p className="muted">{t('noRefused')}</p> : (
              <ul className="refused-list" data-testid="refused-list">
                {refused.map((r) => (
                  <li key={r.index} className={selected === r.index ? 'selected' : ''} data-index={r.index}>
                    <button type="button" onClick={() => { setSelected(r.index); if (r.location) mapRef.current?.flyTo({ longitude: r.location[0], latitude: r.location[1], zoom: 15 }); }}>
                      <strong>{t('feature')} #{r.index}{r.code ? ` · ${r.code}` : ''}{r.name ? ` · ${r.name}` : ''}</strong>
                    </button>
                    <div><span className="k">{t('reason')}</span> <span className="reason">{r.reason}</span></div>
                    {r.location && <div><span className="k">{t('location')}</span> {r.location[0].toFixed(6)}, {r.location[1].toFixed(6)}</div>}
                    {r.vertex && <div><span className="k">{t('vertex')}</span> <code>{r.vertex}</code></div>}
                    <div className="repair">{r.repair === 'makeValid' ? t('repairMakeValid') : t('repairFile')}</div>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
        {preview && preview.warnings.length > 0 && (
          <>
            <h3>{t('warnings')}</h3>
            <ul className="warning-list">{preview.warnings.slice(0, 20).map((w) => <li key={w}>{w}</li>)}</ul>
          </>
        )}
        {(phase.kind === 'previewed' || phase.kind === 'applying') && (
          <div className="import-actions">
            {isStreetRefused && <p className="import-error">{t('streetRefusedApply')}</p>}
            <button type="button" className="primary" disabled={phase.kind === 'applying' || isStreetRefused} onClick={() => void onApply()} data-testid="import-apply">
              {refused.length > 0 && !isStreetRefused ? t('applySkipping', { n: refused.length }) : t('apply')}
            </button>
            <button type="button" disabled={phase.kind === 'applying'} onClick={() => void onCancel()} data-testid="import-cancel">{t('cancel')}</button>
          </div>
        )}
      </aside>
    </div>
  );
}
