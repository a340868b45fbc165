import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { csvDocument, currentUser, requireAdmin, type CsvValue } from '@tiketi/platform';
import type { AdminReservationItem, AdminReservationsService } from './admin-reservations.service';
import {
  AdminPatchBody,
  AdminReservationResponse,
  AdminReservationsBody,
  AdminReservationsQuery,
  IdParams,
} from './admin.schemas';

const tags = ['admin'];
const security = [{ bearerAuth: [] }];

const CSV_HEADER = [
  'id',
  'createdAt',
  'status',
  'eventId',
  'eventTitle',
  'userId',
  'userEmail',
  'userName',
  'seats',
  'seatCount',
  'amount',
  'refundedAmount',
  'paymentMethod',
];

function csvRow(r: AdminReservationItem): CsvValue[] {
  return [
    r.id,
    r.createdAt,
    r.status,
    r.event.id,
    r.event.title,
    r.user.id,
    r.user.email,
    r.user.name,
    r.seats.map((s) => s.label).join(' '),
    r.seats.length,
    r.amount,
    r.refundedAmount,
    r.paymentMethod,
  ];
}

export async function adminReservationRoutes(
  app: FastifyInstance,
  service: AdminReservationsService,
): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/api/admin/reservations',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Reservations for operators: filter by status, event, buyer, dates',
        querystring: AdminReservationsQuery,
        response: { 200: AdminReservationsBody },
      },
    },
    async (request) => {
      const { page, limit, ...filters } = request.query;
      return { ...(await service.list(filters, page, limit)), page, limit };
    },
  );

  r.get(
    '/api/admin/reservations.csv',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'The filtered reservations as CSV (every page)',
        querystring: AdminReservationsQuery,
      },
    },
    async (request, reply) => {
      const { page: _page, limit: _limit, ...filters } = request.query;
      const rows: CsvValue[][] = [CSV_HEADER];
      for await (const batch of service.all(filters)) for (const item of batch) rows.push(csvRow(item));
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="reservations.csv"')
        .send(csvDocument(rows));
    },
  );

  r.patch(
    '/api/admin/reservations/:id',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Cancel a reservation (seats return; a paid one is refunded, in full unless refund=policy)',
        params: IdParams,
        body: AdminPatchBody,
        response: { 200: AdminReservationResponse },
      },
    },
    async (request) => ({
      reservation: await service.changeStatus(
        request.params.id,
        request.body,
        currentUser(request),
        request.id,
      ),
    }),
  );
}
