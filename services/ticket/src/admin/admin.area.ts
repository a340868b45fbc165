import type { TicketArea } from '../ticket.area';

export const adminArea: TicketArea = {
  name: 'admin',
  migrations: {},
  async routes() {},
};
