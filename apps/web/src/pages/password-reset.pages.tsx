import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import { useAuth } from '../auth/auth.context';
import { useI18n } from '../i18n/i18n.context';
import { Field, FormError, NewPasswordFields, typedTwice, useFormErrors } from '../components/form';

const NEW_PASSWORD = { password: 'newPassword', confirm: 'newPasswordConfirm' };

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
    const newPassword = typedTwice(data, NEW_PASSWORD, errors, t('auth.passwordMismatch'));
    if (newPassword === null) return;
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
        <NewPasswordFields
          names={NEW_PASSWORD}
          label={t('auth.newPassword')}
          confirmLabel={t('auth.passwordConfirm')}
          errors={errors.fields}
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
