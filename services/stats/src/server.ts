import { runStandalone } from '@tiketi/platform';
import { statsService } from './stats.service';

await runStandalone(statsService);
