import { formatDuration } from '../lib/format';
import { useNow } from '../lib/use-now';

/** Time left until `to`; calls nothing itself, the parent decides what expiry means. */
export function Countdown({ to, className, expired }: { to: string | null | undefined; className?: string; expired?: string }) {
  const now = useNow();
  if (!to) return null;
  const left = (new Date(to).getTime() - now) / 1000;
  return (
    <span className={className} role="timer" aria-live="off">
      {left <= 0 && expired ? expired : formatDuration(left)}
    </span>
  );
}
