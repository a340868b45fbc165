import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router-dom';
import { Layout } from './components/layout';
import { RequireAdmin, RequireAuth } from './auth/guards';
import { Loading, NotFound } from './components/state-views';
import { HomePage } from './pages/home.page';
import { SearchPage } from './pages/search.page';
import { EventPage } from './pages/event.page';
import { WaitingRoomPage } from './pages/waiting-room.page';
import { SeatMapPage } from './pages/seat-map.page';
import { CheckoutPage } from './pages/checkout.page';
import { PaymentFailPage, PaymentSuccessPage } from './pages/payment-result.pages';
import { MyReservationsPage, ReservationDetailPage } from './pages/my-reservations.page';
import { LoginPage, RegisterPage } from './pages/auth.pages';
import { ForgotPasswordPage, ResetPasswordPage } from './pages/password-reset.pages';
import { AccountClosedPage, AccountPage } from './pages/account.page';
import { SeatPassPage } from './pages/entry-pass';
import { PaymentStatementPage } from './pages/payment-statement.page';

// The admin pages (and Recharts) load only for admins.
const AdminRoutes = lazy(() => import('./admin/admin.routes'));

export function AppRoutes() {
  const auth = (node: React.ReactNode) => <RequireAuth>{node}</RequireAuth>;
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<HomePage />} />
        <Route path="search" element={<SearchPage />} />
        <Route path="events/:id" element={<EventPage />} />
        <Route path="events/:id/queue" element={auth(<WaitingRoomPage />)} />
        <Route path="events/:id/seats" element={auth(<SeatMapPage />)} />
        <Route path="checkout/:reservationId" element={auth(<CheckoutPage />)} />
        <Route path="payments/success" element={auth(<PaymentSuccessPage />)} />
        <Route path="payments/fail" element={<PaymentFailPage />} />
        <Route path="my/reservations" element={auth(<MyReservationsPage />)} />
        <Route path="my/reservations/:id" element={auth(<ReservationDetailPage />)} />
        <Route path="my/account" element={auth(<AccountPage />)} />
        <Route path="passes/:code" element={<SeatPassPage />} />
        <Route path="my/payments/:id/statement" element={auth(<PaymentStatementPage />)} />
        <Route path="account-closed" element={<AccountClosedPage />} />
        <Route path="login" element={<LoginPage />} />
        <Route path="register" element={<RegisterPage />} />
        <Route path="forgot-password" element={<ForgotPasswordPage />} />
        <Route path="reset-password" element={<ResetPasswordPage />} />
        <Route
          path="admin/*"
          element={
            <RequireAdmin>
              <Suspense fallback={<Loading />}>
                <AdminRoutes />
              </Suspense>
            </RequireAdmin>
          }
        />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
