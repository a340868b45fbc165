export { statsService } from './stats.service';
export * from './stats.config';
