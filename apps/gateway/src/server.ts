import { runStandalone } from '@tiketi/platform';
import { gatewayService } from './gateway.service';

await runStandalone(gatewayService);
