import { runStandalone } from '@tiketi/platform';
import { paymentService } from './payment.service';

await runStandalone(paymentService);
