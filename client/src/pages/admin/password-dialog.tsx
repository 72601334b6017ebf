// The one time a generated password is visible: large, copyable, with the warning that it will not be
// shown again (the server keeps only its argon2id hash). Closing the dialog forgets it.
import { useRef, useState } from 'react';
import { useAdminText } from './admin-text';

export function PasswordDialog({ username, password, onClose }: { username: string; password: string; onClose: () => void }) {
  const { tx } = useAdminText();
  const [copied, setCopied] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(password);
    } catch {
      // plain http on the hall's network is not a secure context: fall back to selecting and copying
      field.current?.select();
      document.execCommand('copy');
    }
    setCopied(true);
  };
  return (
    <div className="admin-modal-backdrop">
      <div className="admin-modal" role="dialog" aria-modal="true" aria-label={tx('passwordTitle')} data-testid="password-dialog">
        <h3>{tx('passwordTitle')}</h3>
        <p>{tx('passwordFor', { name: username })}</p>
        <div className="admin-password">
          <input ref={field} readOnly value={password} data-testid="one-time-password" onFocus={(e) => e.target.select()} />
          <button type="button" className="admin-primary" data-testid="password-copy" onClick={() => void copy()}>
            {copied ? tx('copied') : tx('copy')}
          </button>
        </div>
        <p className="admin-warning" role="alert">{tx('passwordWarning')}</p>
        <div className="admin-modal-buttons">
          <button type="button" data-testid="password-close" onClick={onClose}>{tx('close')}</button>
        </div>
      </div>
    </div>
  );
}
