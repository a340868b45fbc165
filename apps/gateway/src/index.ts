export { gatewayService } from './gateway.service';
export * from './gateway.config';
