import { Route, Routes } from 'react-router-dom';
import { AdminLayout } from './admin.layout';
import { DashboardPage } from './dashboard.page';
import { AdminEventsPage } from './events.page';
import { EventEditPage } from './event-edit.page';
import { AdminReservationsPage } from './reservations.page';
import { ReservationDrawer } from './reservation-drawer';
import { StatisticsPage } from './statistics.page';
import { AdminUsersPage } from './users.page';
import { AdminEntryPage } from './entry.page';
import { NotFound } from '../components/state-views';
import { useI18n } from '../i18n/i18n.context';

export default function AdminRoutes() {
  return (
    <Routes>
      <Route element={<AdminLayout />}>
        <Route index element={<DashboardPage />} />
        <Route path="events" element={<AdminEventsPage />} />
        <Route path="events/new" element={<EventEditPage key="new" />} />
        <Route path="events/:id" element={<EventEditPage />} />
        <Route path="reservations" element={<AdminReservationsPage />}>
          <Route path=":id" element={<ReservationDrawer />} />
        </Route>
        <Route path="stats" element={<StatisticsPage />} />
        <Route path="users" element={<AdminUsersPage />} />
        <Route path="entry" element={<AdminEntryPage />} />
        {/* A stale or mistyped admin address showed the menu beside an empty page. */}
        <Route path="*" element={<AdminNotFound />} />
      </Route>
    </Routes>
  );
}

function AdminNotFound() {
  const { t } = useI18n();
  return <NotFound back="/admin" backLabel={t('admin.dashboard')} />;
}
