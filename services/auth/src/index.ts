export { authService } from './auth.service';
export * from './auth.config';
export { DEMO_ADMIN } from './bootstrap/admin-bootstrap';
