/** What other ticket areas may use from the catalogue. */
export { loadEventSeats, countAvailable, type StaticSeat } from './seat.repository';
export { findEvent, type EventRow } from './event.repository';
export { catalogueFor, type Catalogue } from './catalogue.registry';
export { catalogueArea } from './catalogue.area';
