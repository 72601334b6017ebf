// The sample street is invented: say so on every screen that shows it (PRODUCT.md §2).
import { useI18n } from '../i18n/i18n';

export function SampleBadge() {
  const { t } = useI18n();
  return (
    <div className="sample-badge" role="note" title={t('sampleBadgeTitle')} data-testid="sample-badge">
      {t('sampleBadge')}
    </div>
  );
}
