// /report/CODE: the status of one resident report in public words, the street's answer, and a one-time
// rating once it is closed. It shows nothing the server does not send (common/resident.ts TrackingDto):
// no names, phones, descriptions or internal notes.
import { useCallback, useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { navigate } from '../../router';
import { PUBLIC_STATUSES, type PublicStatus, type TrackingDto } from '../../../../common/resident';
import { INCIDENT_CATEGORY_LABELS, type IncidentCategory } from '../../../../common/domain';
import { CATEGORY_LABELS, label, reportText, STATUS_LABELS } from './report-messages';
import { publicApi, PublicApiError } from './public-api';

const FLOW: PublicStatus[] = PUBLIC_STATUSES.filter((s) => s !== 'not_accepted');

function categoryLabel(locale: 'zh-CN' | 'en', c: IncidentCategory): string {
  const own = (CATEGORY_LABELS as Partial<Record<IncidentCategory, { zh: string; en: string }>>)[c];
  return label(locale, own ?? INCIDENT_CATEGORY_LABELS[c]);
}

function when(iso: string, locale: 'zh-CN' | 'en'): string {
  return new Date(iso).toLocaleString(locale === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function TrackingPage({ code }: { code: string }) {
  const { locale } = useI18n();
  const t = reportText(locale);
  const [data, setData] = useState<TrackingDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [justRated, setJustRated] = useState(false);

  const load = useCallback(() => {
    publicApi.track(code).then(
      (d) => {
        setData(d);
        setError(null);
      },
      (err: unknown) => setError(err instanceof PublicApiError && err.code === 'NOT_FOUND' ? t('notFound') : t('network')),
    );
  }, [code, t]);
  useEffect(load, [load]);

  const rate = async (n: number) => {
    try {
      setData(await publicApi.rate(code, n));
      setJustRated(true);
    } catch (err) {
      setError(err instanceof PublicApiError ? err.message : String(err));
    }
  };

  if (error && !data) {
    return (
      <main className="report-main">
        <p className="report-error" role="alert" data-testid="tracking-error">{error}</p>
        <button type="button" className="report-secondary" onClick={() => navigate('/report')}>{t('newReport')}</button>
      </main>
    );
  }
  if (!data) return <main className="report-main report-loading">…</main>;
  const reached = new Map(data.steps.map((s) => [s.status, s.at]));
  const flow: PublicStatus[] = data.status === 'not_accepted' ? ['received', 'not_accepted'] : FLOW;
  const current = flow.indexOf(data.status);
  return (
    <main className="report-main" data-testid="tracking-page" data-status={data.status}>
      <p className="report-code-label">{t('yourCode')}</p>
      <p className="report-code">{data.code}</p>
      <dl className="report-facts">
        <dt>{t('category')}</dt>
        <dd>{categoryLabel(locale, data.category)}</dd>
        <dt>{t('reportedAt')}</dt>
        <dd>{when(data.reportedAt, locale)}{data.communityName ? ` · ${data.communityName}` : ''}</dd>
      </dl>
      {data.photoCount > 0 && <p className="report-hint" data-testid="tracking-photos">{t('photoCount').replace('{n}', String(data.photoCount))}</p>}
      <h2>{t('progress')}</h2>
      <ol className="report-steps">
        {flow.map((s, i) => (
          <li key={s} className={i < current || data.status === 'closed' ? 'done' : i === current ? 'current' : 'todo'} data-step={s}>
            <span className="dot" aria-hidden />
            <span className="name">{label(locale, STATUS_LABELS[s])}</span>
            {reached.get(s) && <time>{when(reached.get(s) as string, locale)}</time>}
          </li>
        ))}
      </ol>
      <h2>{t('reply')}</h2>
      <p className={data.reply ? 'report-reply' : 'report-hint'} data-testid="tracking-reply">{data.reply ?? t('noReply')}</p>
      {(data.canRate || data.satisfaction != null) && (
        <section className="report-rating">
          <h2>{data.canRate ? t('rate') : t('rated')}</h2>
          <div className="stars" role={data.canRate ? 'radiogroup' : undefined}>
            {[1, 2, 3, 4, 5].map((n) => (
              <button
                key={n}
                type="button"
                disabled={!data.canRate}
                className={data.satisfaction != null && n <= data.satisfaction ? 'star on' : 'star'}
                aria-label={`${n}${t('stars')}`}
                onClick={() => void rate(n)}
                data-star={n}
              >
                ★
              </button>
            ))}
          </div>
          {justRated && <p className="report-thanks" data-testid="rating-thanks">{t('thanks')}</p>}
        </section>
      )}
      {error && <p className="report-error" role="alert">{error}</p>}
      <button type="button" className="report-secondary" onClick={() => navigate('/report')}>{t('newReport')}</button>
    </main>
  );
}
