// The photos of a case (issue 13 item 4), grouped as the closed loop uses them: with the report, before the
// work (整改前) and after it (整改后), so the person verifying sees both side by side. Thumbnails come from the
// server's 320 px copies; a click opens the full image. The server decides which photos this role may see.
import { useEffect, useState } from 'react';
import type { PhotoDto, PhotoKind } from '../../../common/photos';
import { api } from '../api/http';

const TEXT = {
  'zh-CN': { title: '现场照片', report: '上报照片', before: '整改前', after: '整改后', none: '暂无照片', taken: '拍摄于', home: '居所内照片：查看已记录', missing: '未上传', compare: '整改前后对比' },
  en: { title: 'Photos', report: 'With the report', before: 'Before', after: 'After', none: 'No photos yet', taken: 'taken', home: 'Taken in a home: viewing is audited', missing: 'none sent', compare: 'Before and after' },
} as const;

export function PhotoStrip(props: {
  incidentId: number;
  refreshKey: unknown;
  locale: string;
  /** The case is at (or past) verification: 整改前 and 整改后 are shown side by side, a missing side says so. */
  verifying?: boolean;
}) {
  const { incidentId, refreshKey, locale, verifying = false } = props;
  const t = locale.startsWith('zh') ? TEXT['zh-CN'] : TEXT.en;
  const [photos, setPhotos] = useState<PhotoDto[] | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    api
      .get<{ items: PhotoDto[] }>(`/api/incidents/${incidentId}/photos`, ctl.signal)
      .then((r) => setPhotos(r.items))
      .catch(() => setPhotos([]));
    return () => ctl.abort();
  }, [incidentId, refreshKey]);

  if (photos === null) return null;
  const byKind = (k: PhotoKind) => photos.filter((p) => p.kind === k);
  const group = (k: PhotoKind) => (
    <div key={k} className="photo-group" data-kind={k}>
      <h4>{t[k]}</h4>
      {byKind(k).length === 0 && <p className="muted small">{t.missing}</p>}
      <ul>
        {byKind(k).map((p) => (
          <li key={p.id}>
            <a href={p.url} target="_blank" rel="noreferrer" title={p.privatePlace ? t.home : undefined}>
              <img src={p.thumbUrl} alt={`${t[k]} ${p.id}`} loading="lazy" width={96} height={Math.round((96 * p.height) / p.width)} />
            </a>
            {p.capturedAt && <small>{t.taken} {new Date(p.capturedAt).toLocaleString(locale)}</small>}
          </li>
        ))}
      </ul>
    </div>
  );
  // Before and after sit in two columns whenever there is work to judge (or at verification, even if one
  // side is missing — the verifier should see that it is missing).
  const compare = verifying || byKind('before').length > 0 || byKind('after').length > 0;
  return (
    <section className="drawer-photos" data-testid="photo-strip">
      <h3>{t.title}</h3>
      {photos.length === 0 && !verifying && <p className="muted">{t.none}</p>}
      {byKind('report').length > 0 && group('report')}
      {compare && (
        <div className="photo-compare" data-testid="photo-compare" aria-label={t.compare}>
          {group('before')}
          {group('after')}
        </div>
      )}
    </section>
  );
}
