import { Route, Routes } from 'react-router-dom';
import { AdminLayout } from './admin.layout';
import { DashboardPage } from './dashboard.page';
import { AdminEventsPage } from './events.page';
import { EventEditPage } from './event-edit.page';
import { AdminReservationsPage } from './reservations.page';
import { ReservationDrawer } from './reservation-drawer';
import { StatisticsPage } from './statistics.page';

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
      </Route>
    </Routes>
  );
}
