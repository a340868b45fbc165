import { useI18n } from '../i18n/i18n.context';
import { useNow } from '../lib/use-now';

/** Time left until `to`; calls nothing itself, the parent decides what expiry means. */
export function Countdown({
  to,
  className,
  expired,
}: {
  to: string | null | undefined;
  className?: string;
  expired?: string;
}) {
  const now = useNow();
  const { duration } = useI18n();
  if (!to) return null;
  const left = (new Date(to).getTime() - now) / 1000;
  return (
    <span className={className} role="timer" aria-live="off">
      {left <= 0 && expired ? expired : duration(left)}
    </span>
  );
}
