// A small typed i18n: zh-CN by default, English on request; the choice is remembered per browser.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { LOCALES, type Locale, type MessageKey } from './messages';

interface I18n {
  locale: Locale;
  t: (key: MessageKey) => string;
  setLocale: (l: Locale) => void;
}

const I18nContext = createContext<I18n | null>(null);
const STORAGE_KEY = 'gcc.locale';

function initialLocale(): Locale {
  const fromUrl = new URLSearchParams(window.location.search).get('lang');
  if (fromUrl === 'en' || fromUrl === 'zh-CN') return fromUrl;
  const stored = window.localStorage.getItem(STORAGE_KEY);
  return stored === 'en' ? 'en' : 'zh-CN';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((l: Locale) => {
    window.localStorage.setItem(STORAGE_KEY, l);
    document.documentElement.lang = l;
    setLocaleState(l);
  }, []);
  const value = useMemo<I18n>(() => ({ locale, setLocale, t: (k) => LOCALES[locale][k] }), [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

export function LanguageSwitch({ className }: { className?: string }) {
  const { locale, setLocale, t } = useI18n();
  return (
    <button type="button" className={className ?? 'lang-switch'} onClick={() => setLocale(locale === 'zh-CN' ? 'en' : 'zh-CN')}>
      {t('language')}
    </button>
  );
}
