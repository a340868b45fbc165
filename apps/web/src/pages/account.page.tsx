import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { isApiError } from '../api/api-error';
import { useAuth } from '../auth/auth.context';
import { useI18n } from '../i18n/i18n.context';
import { Field, FormError, NewPasswordFields, typedTwice, useFormErrors } from '../components/form';

const NEW_PASSWORD = { password: 'newPassword', confirm: 'newPasswordConfirm' };

/** What a signed-in user may change about their own account: name, phone, password; or close it. */
export function AccountPage() {
  const { t } = useI18n();
  return (
    <div className="page page-narrow account-page">
      <h1>{t('account.title')}</h1>
      <ProfileForm />
      <PasswordForm />
      <CloseAccountForm />
    </div>
  );
}

/** Where a closed account lands: the session is gone, so this page is public. */
export function AccountClosedPage() {
  const { t } = useI18n();
  const { forgetSession } = useAuth();
  const closed = (useLocation().state as { closed?: boolean } | null)?.closed === true;
  useEffect(() => {
    if (closed) forgetSession();
  }, [closed, forgetSession]);
  return (
    <div className="page page-narrow">
      <h1>{t('account.closedTitle')}</h1>
      <p>{t('account.closedBody')}</p>
      <Link to="/" className="btn">
        {t('nav.home')}
      </Link>
    </div>
  );
}

function CloseAccountForm() {
  const { closeAccount } = useAuth();
  const { t } = useI18n();
  const navigate = useNavigate();
  const errors = useFormErrors();
  const [busy, setBusy] = useState(false);
  const [openBookings, setOpenBookings] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    errors.clear();
    setOpenBookings(false);
    if (!data.get('understood')) {
      errors.setField('understood', t('account.closeConfirmRequired'));
      return;
    }
    setBusy(true);
    try {
      await closeAccount(String(data.get('password') ?? ''));
      navigate('/account-closed', { replace: true, state: { closed: true } });
    } catch (err) {
      if (isApiError(err) && err.code === 'OPEN_BOOKINGS') setOpenBookings(true);
      errors.set(err, { INVALID_CURRENT_PASSWORD: 'password' });
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="account-close">
      <h2 id="account-close">{t('account.close')}</h2>
      <form onSubmit={submit} noValidate className="form">
        <p className="muted">{t('account.closeNote')}</p>
        <FormError message={errors.form} />
        {openBookings && (
          <p>
            <Link to="/my/reservations">{t('nav.myReservations')}</Link>
          </p>
        )}
        <Field
          label={t('account.closePassword')}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={errors.fields.password}
        />
        <div className={`field${errors.fields.understood ? ' field-invalid' : ''}`}>
          <label className="check">
            <input type="checkbox" name="understood" value="1" /> {t('account.closeUnderstood')}
          </label>
          {errors.fields.understood && (
            <small className="field-error" role="alert">
              {errors.fields.understood}
            </small>
          )}
        </div>
        <button type="submit" className="btn btn-danger" disabled={busy}>
          {t('account.closeButton')}
        </button>
      </form>
    </section>
  );
}

function ProfileForm() {
  const { user, updateProfile } = useAuth();
  const { t } = useI18n();
  const errors = useFormErrors();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  if (!user) return null;

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    errors.clear();
    setSaved(false);
    setBusy(true);
    try {
      const phone = String(data.get('phone') ?? '').trim();
      await updateProfile({ name: String(data.get('name') ?? '').trim(), phone: phone || null });
      setSaved(true);
    } catch (err) {
      errors.set(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="account-profile">
      <h2 id="account-profile">{t('account.profile')}</h2>
      <form onSubmit={submit} noValidate className="form">
        <FormError message={errors.form} />
        {saved && (
          <p className="notice notice-good" role="status">
            {t('account.profileSaved')}
          </p>
        )}
        <Field label={t('account.email')} name="email" type="email" value={user.email} readOnly />
        <Field
          label={t('auth.name')}
          name="name"
          autoComplete="name"
          required
          maxLength={100}
          defaultValue={user.name}
          error={errors.fields.name}
        />
        <Field
          label={t('auth.phone')}
          name="phone"
          type="tel"
          autoComplete="tel"
          maxLength={30}
          defaultValue={user.phone ?? ''}
          error={errors.fields.phone}
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('account.saveProfile')}
        </button>
      </form>
    </section>
  );
}

function PasswordForm() {
  const { changePassword } = useAuth();
  const { t } = useI18n();
  const errors = useFormErrors();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    errors.clear();
    setDone(null);
    const next = typedTwice(data, NEW_PASSWORD, errors, t('auth.passwordMismatch'));
    if (next === null) return;
    setBusy(true);
    try {
      const ended = await changePassword(String(data.get('currentPassword')), next);
      form.reset();
      setDone(ended > 0 ? t('account.otherSessionsEnded', { n: ended }) : t('account.passwordChanged'));
    } catch (err) {
      errors.set(err, {
        INVALID_CURRENT_PASSWORD: 'currentPassword',
        PASSWORD_UNCHANGED: 'newPassword',
        WEAK_PASSWORD: 'newPassword',
      });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="account-password">
      <h2 id="account-password">{t('account.password')}</h2>
      <form onSubmit={submit} noValidate className="form">
        <p className="muted">{t('account.passwordNote')}</p>
        <FormError message={errors.form} />
        {done && (
          <p className="notice notice-good" role="status">
            {done}
          </p>
        )}
        <Field
          label={t('account.currentPassword')}
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          error={errors.fields.currentPassword}
        />
        <NewPasswordFields
          names={NEW_PASSWORD}
          label={t('account.newPassword')}
          confirmLabel={t('account.newPasswordConfirm')}
          errors={errors.fields}
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('account.changePassword')}
        </button>
      </form>
    </section>
  );
}
