import { runStandalone } from '@tiketi/platform';
import { ticketService } from './ticket.service';

await runStandalone(ticketService);
