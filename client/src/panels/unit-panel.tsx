// What a click on a community, grid or building shows: its place in the street, the responsibility chain
// (names masked by the server for roles that may not see them), counts and live figures.
import { useEffect, useState } from 'react';
import { api } from '../api/http';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import type { ChainLink, UnitDetails, UnitLevel } from '../../../common/layers';

export interface UnitRef {
  level: UnitLevel;
  id: number;
}

const ROLE_KEYS: Record<ChainLink['role'], MessageKey> = {
  street_leader: 'roleStreetLeader',
  community_secretary: 'roleCommunitySecretary',
  grid_worker: 'roleGridWorker',
  building_head: 'roleBuildingHead',
};
const LEVEL_KEYS: Record<UnitDetails['path'][number]['level'], MessageKey> = {
  street: 'levelStreet',
  community: 'levelCommunity',
  grid: 'levelGrid',
  building: 'levelBuilding',
};

export function formatRate(r: number | null | undefined): string {
  return r == null ? '—' : `${(r * 100).toFixed(1)}%`;
}

export function useUnitDetails(unit: UnitRef | null, refreshKey = 0): { details: UnitDetails | null; error: string | null } {
  const [details, setDetails] = useState<UnitDetails | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!unit) {
      setDetails(null);
      return;
    }
    const ctl = new AbortController();
    api
      .get<UnitDetails>(`/api/units/${unit.level}/${unit.id}`, ctl.signal)
      .then((d) => {
        setDetails(d);
        setError(null);
      })
      .catch((e: Error) => e.name !== 'AbortError' && setError(e.message));
    return () => ctl.abort();
  }, [unit?.level, unit?.id, refreshKey]); // eslint-disable-line react-hooks/exhaustive-deps -- the ref's fields are the identity
  return { details, error };
}

export function UnitPanel({ unit, onClose, refreshKey, compact }: { unit: UnitRef | null; onClose?: () => void; refreshKey?: number; compact?: boolean }) {
  const { t } = useI18n();
  const { details, error } = useUnitDetails(unit, refreshKey);
  if (!unit) return null;
  if (error) return <aside className="unit-panel">{error}</aside>;
  if (!details || details.id !== unit.id || details.level !== unit.level) return <aside className="unit-panel">{t('loading')}</aside>;
  const c = details.counts;
  const l = details.live;
  return (
    <aside className={`unit-panel${compact ? ' compact' : ''}`} data-testid="unit-panel" aria-live="polite">
      <header>
        <div className="unit-path">{details.path.map((p) => p.name).join(' › ')}</div>
        <h2>
          <span className="unit-level">{t(LEVEL_KEYS[details.level])}</span> {details.name}
        </h2>
        <div className="unit-code">{details.code}</div>
        {onClose && (
          <button type="button" className="panel-close" onClick={onClose} aria-label={t('close')}>
            ×
          </button>
        )}
      </header>
      <section>
        <h3>{t('chain')}</h3>
        <ol className="chain">
          {details.chain.map((link) => (
            <li key={link.role}>
              <span className="chain-role">{t(ROLE_KEYS[link.role])}</span>
              <span className="chain-name">{link.name ?? <em>{t('vacant')}</em>}</span>
              {link.partyMember && <span className="party-badge">{t('partyMember')}</span>}
              {link.phone && <span className="chain-phone">{link.phone}</span>}
            </li>
          ))}
        </ol>
      </section>
      <section>
        <dl className="figures">
          <div><dt>{t('households')}</dt><dd>{c.households.toLocaleString()}</dd></div>
          <div><dt>{t('residents')}</dt><dd>{c.residents.toLocaleString()}</dd></div>
          <div><dt>{t('partyMembers')}</dt><dd>{c.partyMembers.toLocaleString()}</dd></div>
          {c.grids != null && <div><dt>{t('grids')}</dt><dd>{c.grids}</dd></div>}
          {c.buildings != null && <div><dt>{t('buildings')}</dt><dd>{c.buildings}</dd></div>}
          {c.careSubjects !== undefined && <div><dt>{t('careSubjects')}</dt><dd>{c.careSubjectsSuppressed ? t('careSuppressed') : c.careSubjects}</dd></div>}
        </dl>
      </section>
      <section>
        <h3>{t('liveFigures')}</h3>
        <dl className="figures">
          <div><dt>{t('openIncidents')}</dt><dd>{l.openIncidents}</dd></div>
          <div><dt>{t('reportedToday')}</dt><dd>{l.reportedToday}</dd></div>
          <div><dt>{t('closedToday')}</dt><dd>{l.closedToday}</dd></div>
          <div><dt>{t('violationsOpen')}</dt><dd>{l.violationsOpen}</dd></div>
          <div><dt>{t('rectificationRate')}</dt><dd>{formatRate(l.rectificationRate)}</dd></div>
          <div><dt>{t('parkingFree')}</dt><dd>{l.parkingFree} / {l.parkingCapacity}</dd></div>
        </dl>
      </section>
    </aside>
  );
}
