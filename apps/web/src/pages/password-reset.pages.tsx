import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import { useAuth } from '../auth/auth.context';
import { useI18n } from '../i18n/i18n.context';
import { Field, FormError, useFormErrors } from '../components/form';

/** Asks for a reset link; the answer reads the same whether or not the address has an account. */
export function ForgotPasswordPage() {
  const { t, locale } = useI18n();
  const errors = useFormErrors();
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<{ email: string; minutes: number } | null>(null);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget).get('email')).trim();
    errors.clear();
    setBusy(true);
    try {
      const res = await api<{ expiresInMinutes: number }>('/api/auth/password/forgot', {
        method: 'POST',
        body: { email, locale },
        noRefresh: true,
      });
      setSent({ email, minutes: res.expiresInMinutes });
    } catch (err) {
      errors.set(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page page-narrow">
      <h1>{t('auth.forgotTitle')}</h1>
      {sent ? (
        <p className="notice" role="status">
          {t('auth.forgotSent', { email: sent.email, minutes: sent.minutes })}
        </p>
      ) : (
        <p>{t('auth.forgotIntro')}</p>
      )}
      <form onSubmit={submit} noValidate className="form">
        <FormError message={errors.form} />
        <Field
          label={t('auth.email')}
          name="email"
          type="email"
          autoComplete="email"
          required
          error={errors.fields.email}
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('auth.forgotSend')}
        </button>
      </form>
      <p>
        <Link to="/login">{t('auth.login')}</Link>
      </p>
    </div>
  );
}

/** The mailed link's token travels in the fragment; it is read once and taken out of the address bar. */
function takeTokenFromFragment(): string | null {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (token) window.history.replaceState(window.history.state, '', window.location.pathname);
  return token;
}

export function ResetPasswordPage() {
  const { t } = useI18n();
  const { forgetSession } = useAuth();
  const navigate = useNavigate();
  const errors = useFormErrors();
  const [busy, setBusy] = useState(false);
  const [token] = useState(takeTokenFromFragment);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    errors.clear();
    const newPassword = String(data.get('newPassword'));
    if (newPassword !== String(data.get('passwordConfirm'))) {
      errors.setField('passwordConfirm', t('auth.passwordMismatch'));
      return;
    }
    setBusy(true);
    try {
      const { email } = await api<{ email: string }>('/api/auth/password/reset', {
        method: 'POST',
        body: { token, newPassword },
        noRefresh: true,
      });
      // Every session of the account ended, this browser's included.
      forgetSession();
      navigate(`/login?reset=1&email=${encodeURIComponent(email)}`, { replace: true });
    } catch (err) {
      errors.set(err, { WEAK_PASSWORD: 'newPassword' });
    } finally {
      setBusy(false);
    }
  }

  if (!token)
    return (
      <div className="page page-narrow">
        <h1>{t('auth.resetTitle')}</h1>
        <p>{t('auth.resetNoToken')}</p>
        <p>
          <Link to="/forgot-password">{t('auth.resetAskAgain')}</Link>
        </p>
      </div>
    );

  return (
    <div className="page page-narrow">
      <h1>{t('auth.resetTitle')}</h1>
      <form onSubmit={submit} noValidate className="form">
        <FormError message={errors.form} />
        <Field
          label={t('auth.newPassword')}
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          hint={t('auth.passwordHint')}
          error={errors.fields.newPassword}
        />
        <Field
          label={t('auth.passwordConfirm')}
          name="passwordConfirm"
          type="password"
          autoComplete="new-password"
          required
          error={errors.fields.passwordConfirm}
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('auth.resetSave')}
        </button>
      </form>
      {errors.form && (
        <p>
          <Link to="/forgot-password">{t('auth.resetAskAgain')}</Link>
        </p>
      )}
    </div>
  );
}
