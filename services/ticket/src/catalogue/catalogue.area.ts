import type { TicketArea } from '../ticket.area';

export const catalogueArea: TicketArea = {
  name: 'catalogue',
  migrations: {},
  async routes() {},
};
