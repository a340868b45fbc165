import type { UserMessage } from '../ticket.area';

/**
 * Messages to users whose sockets may live on another replica, collected until the end of the
 * current turn of the event loop and sent there in one publish per run of the same message name
 * (in order): a hold group commits tens of holds at once, and a PUBLISH for each would be
 * received and decoded by every replica. Local sockets are served at once, not batched.
 */
export class ReplicaOutbox {
  /** Messages per publish at most (a closing room tells everyone waiting at once). */
  static readonly CHUNK = 1_000;

  private pending: Array<{ name: string; messages: UserMessage[] }> = [];
  private scheduled = false;

  constructor(
    private readonly send: (name: string, messages: UserMessage[]) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  add(name: string, message: UserMessage): void {
    const last = this.pending.at(-1);
    if (last && last.name === name && last.messages.length < ReplicaOutbox.CHUNK) last.messages.push(message);
    else this.pending.push({ name, messages: [message] });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    const runs = this.pending;
    this.pending = [];
    for (const { name, messages } of runs) {
      // Live messages are best effort (clients refetch on reconnect); a crash here would not be.
      try {
        this.send(name, messages);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
