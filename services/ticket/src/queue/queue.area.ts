import type { TicketArea } from '../ticket.area';

export const queueArea: TicketArea = {
  name: 'queue',
  migrations: {},
  async routes() {},
};
