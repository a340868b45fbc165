import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { adminApi } from '../api/admin.api';
import type { VenueTemplate } from '../api/types';
import { useI18n } from '../i18n/i18n.context';

/**
 * A saved venue to start a new event from: its name, address and seat layout fill the form, where
 * the operator can still change them. Operators run the same halls again and again; redrawing a
 * 5,000-seat layout by hand for each show is what the templates are for.
 */
export function VenueTemplatePicker({ onPick }: { onPick: (venue: VenueTemplate) => void }) {
  const { t, num } = useI18n();
  const venues = useQuery({ queryKey: ['admin', 'venues'], queryFn: adminApi.venues, staleTime: 60_000 });
  const [chosen, setChosen] = useState('');
  const items = venues.data ?? [];
  if (items.length === 0) return null;
  return (
    <label className="venue-template">
      {t('admin.venueTemplate')}
      <select
        value={chosen}
        data-testid="venue-template"
        onChange={(e) => {
          setChosen(e.target.value);
          const venue = items.find((v) => v.id === e.target.value);
          if (venue) onPick(venue);
        }}
      >
        <option value="">{t('admin.venueTemplateNone')}</option>
        {items.map((v) => (
          <option key={v.id} value={v.id}>
            {v.name} · {t('admin.venueSeats', { n: num(v.seatsTotal) })}
          </option>
        ))}
      </select>
    </label>
  );
}
