import { useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { ApiError, isApiError } from '../api/api-error';
import { useI18n } from '../i18n/i18n.context';
import { errorText } from './state-views';

export function Field(
  props: {
    label: string;
    name: string;
    error?: string;
    hint?: ReactNode;
    children?: ReactNode;
  } & InputHTMLAttributes<HTMLInputElement>,
) {
  const { label, name, error, hint, children, ...input } = props;
  const id = `f-${name}`;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children ?? (
        <input
          id={id}
          name={name}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-err` : undefined}
          {...input}
        />
      )}
      {hint && !error && <small className="hint">{hint}</small>}
      {error && (
        <small id={`${id}-err`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** Form-level and per-field errors from an ApiError (VALIDATION_FAILED issues, or a code). */
export function useFormErrors() {
  const { t } = useI18n();
  const [fields, setFields] = useState<Record<string, string>>({});
  const [form, setForm] = useState<string | null>(null);
  return {
    fields,
    form,
    clear() {
      setFields({});
      setForm(null);
    },
    set(err: unknown, codeToField: Record<string, string> = {}) {
      if (isApiError(err)) {
        const f = err.fieldErrors();
        const mapped = codeToField[err.code];
        if (mapped) f[mapped] = errorText(err, t);
        setFields(f);
        setForm(
          Object.keys(f).length && err.code === 'VALIDATION_FAILED'
            ? t('error.checkFields')
            : errorText(err, t),
        );
      } else {
        setFields({});
        setForm(errorText(err, t));
      }
    },
    setField(name: string, message: string) {
      setFields((prev) => ({ ...prev, [name]: message }));
    },
  };
}

export interface NewPasswordNames {
  password: string;
  confirm: string;
}

/** A new password typed twice (sign-up, a change, a reset): the same rules and hint everywhere. */
export function NewPasswordFields(props: {
  names: NewPasswordNames;
  label: string;
  confirmLabel: string;
  errors: Record<string, string>;
}) {
  const { t } = useI18n();
  const { names, errors } = props;
  return (
    <>
      <Field
        label={props.label}
        name={names.password}
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        hint={t('auth.passwordHint')}
        error={errors[names.password]}
      />
      <Field
        label={props.confirmLabel}
        name={names.confirm}
        type="password"
        autoComplete="new-password"
        required
        error={errors[names.confirm]}
      />
    </>
  );
}

/** The new password, or null with the confirmation marked when the two differ. */
export function typedTwice(
  data: FormData,
  names: NewPasswordNames,
  errors: { setField(name: string, message: string): void },
  mismatch: string,
): string | null {
  const password = String(data.get(names.password));
  if (password === String(data.get(names.confirm))) return password;
  errors.setField(names.confirm, mismatch);
  return null;
}

export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div className="form-error" role="alert">
      {message}
    </div>
  );
}

export { ApiError };
