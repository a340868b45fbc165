export { authService } from './auth.service';
export * from './auth.config';
