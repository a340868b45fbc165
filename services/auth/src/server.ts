import { runStandalone } from '@tiketi/platform';
import { authService } from './auth.service';

await runStandalone(authService);
