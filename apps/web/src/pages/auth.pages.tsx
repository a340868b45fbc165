import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useAuth } from '../auth/auth.context';
import { useI18n } from '../i18n/i18n.context';
import { Field, FormError, NewPasswordFields, typedTwice, useFormErrors } from '../components/form';

const SIGN_UP_PASSWORD = { password: 'password', confirm: 'passwordConfirm' };

/** Only same-site paths are followed after login (no open redirect). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const { login } = useAuth();
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const errors = useFormErrors();
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    errors.clear();
    setBusy(true);
    try {
      await login(String(data.get('email')), String(data.get('password')));
      navigate(next, { replace: true });
    } catch (err) {
      errors.set(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page page-narrow">
      <h1>{t('auth.loginTitle')}</h1>
      {params.get('expired') && (
        <p className="notice" role="status">
          {t('auth.sessionExpired')}
        </p>
      )}
      {params.get('reset') && (
        <p className="notice" role="status">
          {t('auth.resetDone')}
        </p>
      )}
      <form onSubmit={submit} noValidate className="form">
        <FormError message={errors.form} />
        <Field
          label={t('auth.email')}
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={params.get('email') ?? undefined}
          error={errors.fields.email}
        />
        <Field
          label={t('auth.password')}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={errors.fields.password}
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('auth.login')}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">{t('auth.forgotLink')}</Link>
      </p>
      <p>
        {t('auth.noAccount')}{' '}
        <Link to={`/register?next=${encodeURIComponent(next)}`}>{t('auth.register')}</Link>
      </p>
    </div>
  );
}

export function RegisterPage() {
  const { register } = useAuth();
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const errors = useFormErrors();
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    errors.clear();
    const password = typedTwice(data, SIGN_UP_PASSWORD, errors, t('auth.passwordMismatch'));
    if (password === null) return;
    setBusy(true);
    try {
      const phone = String(data.get('phone') ?? '').trim();
      await register({
        email: String(data.get('email')).trim(),
        password,
        name: String(data.get('name')).trim(),
        ...(phone ? { phone } : {}),
      });
      navigate(next, { replace: true });
    } catch (err) {
      errors.set(err, { EMAIL_TAKEN: 'email' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page page-narrow">
      <h1>{t('auth.registerTitle')}</h1>
      <form onSubmit={submit} noValidate className="form">
        <FormError message={errors.form} />
        <Field label={t('auth.name')} name="name" autoComplete="name" required error={errors.fields.name} />
        <Field
          label={t('auth.email')}
          name="email"
          type="email"
          autoComplete="email"
          required
          error={errors.fields.email}
        />
        <Field
          label={t('auth.phone')}
          name="phone"
          type="tel"
          autoComplete="tel"
          error={errors.fields.phone}
        />
        <NewPasswordFields
          names={SIGN_UP_PASSWORD}
          label={t('auth.password')}
          confirmLabel={t('auth.passwordConfirm')}
          errors={errors.fields}
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('auth.register')}
        </button>
      </form>
      <p>
        {t('auth.haveAccount')} <Link to={`/login?next=${encodeURIComponent(next)}`}>{t('auth.login')}</Link>
      </p>
    </div>
  );
}
