import type { TicketArea } from '../ticket.area';
import { adminPaymentMethodsMigration } from './admin.migrations';
import { adminReservationRoutes } from './admin-reservations.routes';
import { AdminReservationsService } from './admin-reservations.service';
import { startAdminPaymentsConsumer } from './admin-payments.consumer';

/** Operators' reservation management: list, export, cancel with refund (every change audited). */
export const adminArea: TicketArea = {
  name: 'admin',
  migrations: { '0400_admin_payment_methods': adminPaymentMethodsMigration },
  async routes(app, ctx) {
    await adminReservationRoutes(app, new AdminReservationsService(ctx));
  },
  async start(ctx) {
    await startAdminPaymentsConsumer(ctx);
  },
};
