export { queueArea, queueRuntime, type QueueRuntime } from './queue.area';
export { queueOpsSnapshot, liveFigures } from './queue.admin';
export type { QueueStatusView } from './queue.service';
export type { TickResult } from './queue.ticker';
export { signAdmission, verifyAdmission } from './queue.token';
