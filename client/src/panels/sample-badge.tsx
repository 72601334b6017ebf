// Says on every screen what the data is (PRODUCT.md §2): the yellow sample badge only when the server's
// provenance record says the data is the generated sample; real data says "real"; a database holding both
// says so in red, because that is a mistake to fix. Nothing is shown until the server has answered.
import { useI18n } from '../i18n/i18n';
import { useDataset } from '../dataset/use-dataset';

export function SampleBadge() {
  const { t } = useI18n();
  const dataset = useDataset();
  if (!dataset) return null;
  if (dataset.kind === 'sample') {
    return (
      <div className="sample-badge" role="note" title={t('sampleBadgeTitle')} data-testid="sample-badge" data-kind="sample">
        {t('sampleBadge')}
      </div>
    );
  }
  const [key, title] = dataset.kind === 'real' ? (['realDataBadge', 'realDataBadgeTitle'] as const)
    : dataset.kind === 'mixed' ? (['mixedDataBadge', 'mixedDataBadgeTitle'] as const)
      : (['emptyDataBadge', 'emptyDataBadgeTitle'] as const);
  return (
    <div className={`data-badge data-badge-${dataset.kind}`} role="note" title={t(title)} data-testid="data-badge" data-kind={dataset.kind}>
      {t(key)}
    </div>
  );
}

/** The street's own name when the data is real (the sample's name is in the dictionary). */
export function useStreetName(): string {
  const { t, locale } = useI18n();
  const dataset = useDataset();
  const street = dataset && dataset.kind !== 'sample' ? dataset.streets[0] : undefined;
  if (!street) return t('streetName');
  return locale === 'en' ? street.nameEn : street.name;
}
