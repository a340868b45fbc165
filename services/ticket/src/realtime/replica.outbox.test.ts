import { describe, expect, it } from 'vitest';
import { ReplicaOutbox } from './replica.outbox';
import type { UserMessage } from '../ticket.area';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const to = (userId: string, n: number): UserMessage => ({ userId, payload: { n } });

function outbox() {
  const sent: Array<{ name: string; users: string[] }> = [];
  const errors: unknown[] = [];
  let failNext = false;
  const box = new ReplicaOutbox(
    (name, messages) => {
      if (failNext) {
        failNext = false;
        throw new Error('publish refused');
      }
      sent.push({ name, users: messages.map((m) => m.userId) });
    },
    (err) => errors.push(err),
  );
  return { box, sent, errors, failOnce: () => (failNext = true) };
}

describe('ReplicaOutbox', () => {
  it('sends what one turn collected in one publish per run of a name, in order, after the turn', async () => {
    const { box, sent } = outbox();
    box.add('hold:update', to('u1', 1));
    box.add('hold:update', to('u2', 2));
    box.add('queue:admitted', to('u3', 3));
    box.add('hold:update', to('u1', 4));
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent).toEqual([
      { name: 'hold:update', users: ['u1', 'u2'] },
      { name: 'queue:admitted', users: ['u3'] },
      { name: 'hold:update', users: ['u1'] },
    ]);
    box.add('hold:update', to('u9', 9));
    await nextTurn();
    expect(sent.at(-1)).toEqual({ name: 'hold:update', users: ['u9'] });
  });

  it('splits a crowd into publishes of at most CHUNK messages', async () => {
    const { box, sent } = outbox();
    const crowd = ReplicaOutbox.CHUNK * 2 + 5;
    for (let i = 0; i < crowd; i++) box.add('queue:closed', to(`u${i}`, i));
    await nextTurn();
    expect(sent.map((s) => s.users.length)).toEqual([ReplicaOutbox.CHUNK, ReplicaOutbox.CHUNK, 5]);
    expect(sent.flatMap((s) => s.users)).toEqual(Array.from({ length: crowd }, (_, i) => `u${i}`));
  });

  it('a refused publish is reported, not thrown, and later runs still go', async () => {
    const { box, sent, errors, failOnce } = outbox();
    failOnce();
    box.add('hold:update', to('u1', 1));
    box.add('queue:update', to('u2', 2));
    await nextTurn();
    expect(errors).toHaveLength(1);
    expect(sent).toEqual([{ name: 'queue:update', users: ['u2'] }]);
  });

  it('flush sends at once (shutdown) and leaves nothing for the scheduled turn', async () => {
    const { box, sent } = outbox();
    box.add('hold:update', to('u1', 1));
    box.flush();
    expect(sent).toEqual([{ name: 'hold:update', users: ['u1'] }]);
    await nextTurn();
    expect(sent).toHaveLength(1);
  });
});
