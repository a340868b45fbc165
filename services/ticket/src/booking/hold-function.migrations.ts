import { sql, type Migration } from 'kysely';

/**
 * The one-statement hold as functions, so that the holds arriving together travel in one
 * statement: one round trip, one commit and one WAL flush for the group instead of one each.
 *
 * `take_hold` is the statement hold.repository.ts used to send (see there for why each part is
 * where it is). `take_holds` runs a group in order in one transaction. Before the first hold it
 * locks every available seat the group asks for in id order, so two groups never lock seats in
 * opposite orders (they could, with Redis away and seats contended); the buyers' count rows come
 * after the seats, in the order the caller sorted the group by (the buyer), for the same reason.
 * A hold that fails as a statement (a unique violation) fails the group; the caller then retries
 * the group's holds one by one.
 */
export const holdFunctionMigration: Migration = {
  async up(db) {
    await sql`
      create or replace function ticket.take_hold(h jsonb) returns jsonb
      language plpgsql volatile as $fn$
      declare
        v_res jsonb := h->'reservation';
        v_event text := v_res->>'eventId';
        v_user text := v_res->>'userId';
        v_ids text[] := array(select jsonb_array_elements_text(h->'seatIds'));
        v_n int := cardinality(v_ids);
        v_limit int := (h->>'seatLimit')::int;
        v_now timestamptz := (h->>'now')::timestamptz;
        v_result jsonb;
      begin
        with selling as materialized (
          select exists (
            select 1 from ticket.events e
            where e.id = v_event and e.status in ('on_sale', 'sold_out')
              and e.sale_starts_at <= v_now and e.sale_ends_at > v_now
          ) as ok
        ),
        asked as materialized (
          select s.id, s.status from ticket.seats s where s.event_id = v_event and s.id = any(v_ids)
        ),
        held_before as materialized (
          select coalesce(sum(q.seats), 0)::int as n from ticket.user_event_seats q
          where q.event_id = v_event and q.user_id = v_user
        ),
        all_free as materialized (
          select count(*) = v_n and (select n from held_before) + v_n <= v_limit as ok
          from asked where asked.status = 'available'
        ),
        locked as materialized (
          select s.id, s.section_id, c.name as section, s.label, s.row_label, s.number, s.price
          from ticket.seats s
          join ticket.sections c on c.id = s.section_id
          where (select ok from selling) and (select ok from all_free)
            and s.event_id = v_event and s.id = any(v_ids) and s.status = 'available'
          order by s.id
          for update of s
        ),
        quota as materialized (
          insert into ticket.user_event_seats as q (event_id, user_id, seats)
          select v_event, v_user, v_n
          where (select count(*) from locked) = v_n and v_n <= v_limit
          on conflict (event_id, user_id) do update set seats = q.seats + excluded.seats
            where q.seats + excluded.seats <= v_limit
          returning q.seats
        ),
        amount as (select coalesce(sum(price), 0)::int as total from locked),
        new_reservation as (
          insert into ticket.reservations
            (id, event_id, user_id, user_email, user_name, status, amount, seat_count, expires_at, created_at, updated_at)
          select v_res->>'id', v_event, v_user, v_res->>'userEmail', v_res->>'userName', 'pending', amount.total, v_n,
            (v_res->>'expiresAt')::timestamptz, (v_res->>'createdAt')::timestamptz, (v_res->>'createdAt')::timestamptz
          from amount where exists (select 1 from quota)
          returning id
        ),
        new_seats as (
          insert into ticket.reservation_seats
            (reservation_id, seat_id, event_id, price, label, section, row_label, number)
          select v_res->>'id', l.id, v_event, l.price, l.label, l.section, l.row_label, l.number
          from locked l
          where exists (select 1 from quota)
          returning seat_id
        ),
        marked as (
          update ticket.seats set status = 'held'
          where id in (select id from locked) and exists (select 1 from quota)
          returning id
        ),
        event_out as (
          insert into ticket.outbox (id, type, payload)
          select h->'outbox'->>'id', h->'outbox'->>'type',
            jsonb_set((h->'outbox'->>'payload')::jsonb, '{data,amount}', to_jsonb(amount.total))
          from amount where exists (select 1 from quota)
          returning id
        )
        select jsonb_build_object(
          'selling', (select ok from selling),
          'found', to_jsonb(array(select id from asked)),
          'taken', to_jsonb(array(
            select a.id from asked a
            where a.status <> 'available' or ((select ok from all_free) and a.id not in (select id from locked))
            order by a.id
          )),
          'held_before', (select n from held_before),
          'quota', (select seats from quota),
          'seats', (select jsonb_agg(l order by l.id) from locked l where exists (select 1 from quota))
        ) into v_result;
        return v_result;
      end
      $fn$
    `.execute(db);
    await sql`
      create or replace function ticket.take_holds(holds jsonb) returns setof jsonb
      language plpgsql volatile as $fn$
      declare
        h jsonb;
        v_all text[];
      begin
        if jsonb_array_length(holds) > 1 then
          -- An array, not a subquery: the planner then probes the primary key for each id instead
          -- of guessing the subquery's size and merging along the whole index.
          v_all := array(select jsonb_array_elements_text(g.value->'seatIds') from jsonb_array_elements(holds) g);
          perform 1 from ticket.seats s
          where s.id = any(v_all) and s.status = 'available'
          order by s.id
          for update;
        end if;
        for h in select value from jsonb_array_elements(holds) loop
          return next ticket.take_hold(h);
        end loop;
      end
      $fn$
    `.execute(db);
  },
  async down(db) {
    await sql`drop function if exists ticket.take_holds(jsonb)`.execute(db);
    await sql`drop function if exists ticket.take_hold(jsonb)`.execute(db);
  },
};
