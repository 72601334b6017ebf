// /report: a resident (no account) reports a problem — a spot on the map or their location, a category, what
// is wrong, an optional phone — and gets a tracking code. /report/CODE is the tracking page. Chinese first,
// laid out for a 390×844 phone. Submitting fetches a proof-of-work challenge and solves it in a Web Worker
// (a few seconds) before the report is sent: there is no CAPTCHA service to call.
import { useEffect, useMemo, useState, type ChangeEvent, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { navigate } from '../../router';
import {
  RESIDENT_CATEGORIES,
  RESIDENT_DESCRIPTION_MAX,
  RESIDENT_DESCRIPTION_MIN,
  type ResidentCategory,
  type ResidentReportCreatedDto,
} from '../../../../common/resident';
import { CATEGORY_LABELS, label, reportText } from './report-messages';
import { communityAt, myCodes, preparePhoto, publicApi, PublicApiError, rememberCode, solveInWorker, type AreaCollection } from './public-api';
import { ReportMap, type LonLatPoint } from './report-map';
import { TrackingPage } from './tracking-page';
import './report.css';

const PHONE_PATTERN = /^\+?[0-9][0-9 -]{6,19}$/;
/** As many as the server keeps with a report (PHOTO_LIMITS.report). */
const MAX_PHOTOS = 3;

const fill = (s: string, vars: Record<string, string | number>) => s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));

interface PhotoUpload {
  sent: number;
  total: number;
  busy: boolean;
  errors: string[];
}

export function ReportShell({ path }: { path: string }) {
  const { locale, setLocale } = useI18n();
  const t = reportText(locale);
  const code = path.startsWith('/report/') ? decodeURIComponent(path.slice('/report/'.length)) : null;
  useEffect(() => {
    document.title = `${t('title')} · 果园新村街道`;
  }, [t]);
  return (
    <div className="report-shell">
      <header className="report-header">
        <a href="/report" onClick={(e) => { e.preventDefault(); navigate('/report'); }} className="report-brand">
          <strong>{t('title')}</strong>
          <span>{locale === 'en' ? 'Guoyuanxincun Sub-district' : '果园新村街道'}</span>
        </a>
        <button type="button" className="report-lang" onClick={() => setLocale(locale === 'en' ? 'zh-CN' : 'en')}>
          {locale === 'en' ? '中文' : 'EN'}
        </button>
      </header>
      <div className="report-sample" role="note">{t('sample')}</div>
      {code ? <TrackingPage code={code} /> : <ReportForm />}
    </div>
  );
}

type Phase = { kind: 'editing' } | { kind: 'solving'; tries: number } | { kind: 'sending' } | { kind: 'done'; created: ResidentReportCreatedDto };

function ReportForm() {
  const { locale } = useI18n();
  const t = reportText(locale);
  const [area, setArea] = useState<AreaCollection | null>(null);
  const [point, setPoint] = useState<LonLatPoint | null>(null);
  const [category, setCategory] = useState<ResidentCategory | null>(null);
  const [description, setDescription] = useState('');
  const [address, setAddress] = useState('');
  const [phone, setPhone] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'editing' });
  const [error, setError] = useState<string | null>(null);
  const [locating, setLocating] = useState(false);
  const [trackCode, setTrackCode] = useState('');
  const [photos, setPhotos] = useState<File[]>([]);
  const [upload, setUpload] = useState<PhotoUpload | null>(null);
  const codes = myCodes();
  const previews = useMemo(() => photos.map((f) => URL.createObjectURL(f)), [photos]);
  useEffect(() => () => previews.forEach((u) => URL.revokeObjectURL(u)), [previews]);

  const pickPhotos = (e: ChangeEvent<HTMLInputElement>) => {
    const picked = Array.from(e.target.files ?? []).filter((f) => f.type.startsWith('image/') || f.type === '');
    setPhotos((cur) => [...cur, ...picked].slice(0, MAX_PHOTOS));
    e.target.value = ''; // the same photo can be picked again after removing it
  };

  /** After the report: each photo once, in order, with its own key; a refusal is shown and the rest go on. */
  const sendPhotos = async (code: string, files: File[]) => {
    if (files.length === 0) return;
    const state: PhotoUpload = { sent: 0, total: files.length, busy: true, errors: [] };
    setUpload({ ...state });
    for (const [i, f] of files.entries()) {
      const key = `r-${code.replace(/[^A-Z0-9]/gi, '')}-${i}-${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`;
      let tries = 0;
      for (;;) {
        try {
          await publicApi.photo(code, await preparePhoto(f), key);
          state.sent += 1;
          break;
        } catch (err) {
          // A network hiccup is retried with the same key (the server stores the photo once); a refusal is final.
          if (err instanceof PublicApiError && err.code === 'NETWORK' && tries++ < 2) {
            await new Promise((r) => setTimeout(r, 1500));
            continue;
          }
          state.errors.push(fill(t('photoFailed'), { n: i + 1, why: err instanceof Error ? err.message : String(err) }));
          break;
        }
      }
      setUpload({ ...state });
    }
    setUpload({ ...state, busy: false });
  };

  useEffect(() => {
    publicApi.area().then(setArea, () => setError(reportText('zh-CN')('network')));
  }, []);

  const community = area && point ? communityAt(area, point.lon, point.lat) : null;

  const locate = () => {
    if (!navigator.geolocation) return setError(t('locateFailed'));
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setLocating(false);
        setError(null);
        setPoint({ lon: pos.coords.longitude, lat: pos.coords.latitude });
      },
      () => {
        setLocating(false);
        setError(t('locateFailed'));
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
    );
  };

  const problem = (): string | null => {
    if (!point) return t('noPoint');
    if (area && !community) return t('outside');
    if (!category) return t('what');
    if (description.trim().length < RESIDENT_DESCRIPTION_MIN) return t('tooShort');
    if (phone.trim() && !PHONE_PATTERN.test(phone.trim())) return t('phoneInvalid');
    return null;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const p = problem();
    if (p) return setError(p);
    if (!point || !category) return;
    setError(null);
    try {
      setPhase({ kind: 'solving', tries: 0 });
      const challenge = await publicApi.challenge();
      const nonce = await solveInWorker(challenge, (tries) => setPhase({ kind: 'solving', tries }));
      setPhase({ kind: 'sending' });
      const created = await publicApi.report({
        challenge: challenge.challenge,
        nonce,
        category,
        description: description.trim(),
        location: { lon: Number(point.lon.toFixed(6)), lat: Number(point.lat.toFixed(6)) },
        ...(address.trim() ? { address: address.trim() } : {}),
        ...(phone.trim() ? { phone: phone.trim() } : {}),
      });
      rememberCode(created.code);
      setPhase({ kind: 'done', created });
      const files = photos;
      setPhotos([]);
      void sendPhotos(created.code, files);
    } catch (err) {
      setPhase({ kind: 'editing' });
      if (!(err instanceof PublicApiError)) return setError(`${t('failed')}${String(err)}`);
      if (err.code === 'RATE_LIMITED') return setError(t('rateLimited'));
      if (err.code === 'NETWORK') return setError(t('network'));
      if (err.code === 'NO_WEBCRYPTO') return setError(t('noCrypto'));
      if (err.code === 'OUT_OF_JURISDICTION') return setError(t('outside'));
      setError(`${t('failed')}${err.message}`);
    }
  };

  if (phase.kind === 'done') {
    const { created } = phase;
    return (
      <main className="report-main report-done" data-testid="report-done">
        <div className="report-check" aria-hidden>✓</div>
        <h1>{t('submitted')}</h1>
        <p className="report-code-label">{t('yourCode')}</p>
        <p className="report-code" data-testid="tracking-code">{created.code}</p>
        <p className="report-note">{t('keepCode')}</p>
        {upload && (
          <div className="report-photo-status" data-testid="photo-status" data-sent={upload.sent} data-busy={upload.busy}>
            {upload.busy ? fill(t('photosSending'), { n: Math.min(upload.sent + 1, upload.total), total: upload.total }) : fill(t('photosSent'), { n: upload.sent })}
            {upload.errors.map((e) => (
              <p key={e} className="report-error" role="alert">{e}</p>
            ))}
          </div>
        )}
        <button type="button" className="report-primary" onClick={() => navigate(created.trackingPath)}>
          {t('viewProgress')}
        </button>
        <button type="button" className="report-secondary" onClick={() => { setPhase({ kind: 'editing' }); setDescription(''); setCategory(null); setPoint(null); }}>
          {t('newReport')}
        </button>
      </main>
    );
  }

  const busy = phase.kind !== 'editing';
  return (
    <main className="report-main">
      <p className="report-subtitle">{t('subtitle')}</p>
      <p className="report-emergency">{t('emergency')}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <section>
          <h2>1 · {t('where')}</h2>
          {area ? <ReportMap area={area} point={point} onPick={(p) => { setPoint(p); setError(null); }} /> : <div className="report-map report-map-loading" />}
          <div className="report-where">
            <button type="button" className="report-locate" onClick={locate} disabled={locating || busy} data-testid="use-location">
              ◎ {locating ? t('locating') : t('useMyLocation')}
            </button>
            <span className={community ? 'report-place' : 'report-hint'} data-testid="report-place">
              {point ? (community ? `${t('inStreet')}${community}${locale === 'en' ? t('community') : ''}` : area ? t('outside') : '') : t('mapHint')}
            </span>
          </div>
        </section>
        <section>
          <h2>2 · {t('what')}</h2>
          <div className="report-categories" role="radiogroup">
            {RESIDENT_CATEGORIES.map((c) => (
              <button
                key={c}
                type="button"
                role="radio"
                aria-checked={category === c}
                className={category === c ? 'report-category selected' : 'report-category'}
                onClick={() => setCategory(c)}
                data-category={c}
              >
                {label(locale, CATEGORY_LABELS[c])}
              </button>
            ))}
          </div>
        </section>
        <section>
          <h2>3 · {t('describe')}</h2>
          <textarea
            name="description"
            rows={4}
            maxLength={RESIDENT_DESCRIPTION_MAX}
            placeholder={t('describePlaceholder')}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
          <div className="report-counter">{description.length} / {RESIDENT_DESCRIPTION_MAX}</div>
          <label>
            {t('address')}
            <input name="address" maxLength={200} placeholder={t('addressPlaceholder')} value={address} onChange={(e) => setAddress(e.target.value)} />
          </label>
          <label>
            {t('phone')}
            <input name="phone" type="tel" inputMode="tel" autoComplete="tel" maxLength={20} value={phone} onChange={(e) => setPhone(e.target.value)} />
            <small>{t('phoneNote')}</small>
          </label>
        </section>
        <section>
          <h2>4 · {t('photos')}</h2>
          <div className="report-photos">
            {previews.map((u, i) => (
              <figure key={u}>
                <img src={u} alt={`${t('photos')} ${i + 1}`} />
                <button type="button" onClick={() => setPhotos((cur) => cur.filter((_, j) => j !== i))} disabled={busy}>{t('removePhoto')}</button>
              </figure>
            ))}
            {photos.length < MAX_PHOTOS && (
              <label className="report-photo-add">
                + {t('addPhoto')}
                {/* No capture attribute: a resident may take a photo now or choose one taken earlier. */}
                <input type="file" accept="image/*" multiple onChange={pickPhotos} disabled={busy} data-testid="report-photos" />
              </label>
            )}
          </div>
        </section>
        {error && <p className="report-error" role="alert" data-testid="report-error">{error}</p>}
        <button type="submit" className="report-primary" disabled={busy} data-testid="report-submit">
          {phase.kind === 'solving' ? t('solving') : phase.kind === 'sending' ? t('sending') : t('submit')}
        </button>
      </form>
      <section className="report-track">
        <h2>{t('track')}</h2>
        <form onSubmit={(e) => { e.preventDefault(); if (trackCode.trim()) navigate(`/report/${trackCode.trim().replace(/[\s-]/g, '')}`); }}>
          <input value={trackCode} onChange={(e) => setTrackCode(e.target.value)} placeholder={t('codePlaceholder')} maxLength={14} autoCapitalize="characters" />
          <button type="submit" className="report-secondary">{t('query')}</button>
        </form>
        {codes.length > 0 && (
          <>
            <h3>{t('myReports')}</h3>
            <ul>
              {codes.map((c) => (
                <li key={c}>
                  <a href={`/report/${c.replace('-', '')}`} onClick={(e) => { e.preventDefault(); navigate(`/report/${c.replace('-', '')}`); }}>{c}</a>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </main>
  );
}
