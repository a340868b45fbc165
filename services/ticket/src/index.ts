export { ticketService, createTicketService } from './ticket.service';
export * from './ticket.config';
