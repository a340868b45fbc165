import type { TicketArea } from '../ticket.area';

export const bookingArea: TicketArea = {
  name: 'booking',
  migrations: {},
  async routes() {},
};
