// Settles a delivery by what happened to the response that carried it, and counts it.
import type { GatewayContext } from '../gateway-context.js';
import type { Delivery, GroupSession } from './group-session.js';

/**
 * Ties deliveries to the response (or socket send) that carried them: once fully written they count as
 * processed (auto ack) or wait for the client's ack (ack=1); if the client vanished first, they are
 * delivered again at once. The original marked them processed on write and lost them on a broken connection.
 */
export class DeliveryTracker {
  readonly #pending: Delivery[] = [];

  constructor(
    readonly ctx: GatewayContext,
    readonly session: GroupSession,
    readonly ackMode: boolean,
    readonly subAppid: string,
  ) {}

  add(d: Delivery): void {
    this.#pending.push(d);
    const series = this.ctx.metrics.sub(this.subAppid, this.session.topic);
    const now = Date.now();
    let bytes = 0;
    for (const m of d.messages) {
      bytes += m.value.length;
      series.endToEnd.observe(Math.max(0, now - m.timestamp) / 1000);
    }
    series.messages.inc(d.messages.length);
    series.bytes.inc(bytes);
  }

  /** The carrying response finished (true) or broke (false). */
  settle(written: boolean): void {
    const outcome = !written ? 'release' : this.ackMode ? 'hold' : 'ack';
    for (const d of this.#pending.splice(0)) this.session.settle(d, outcome);
  }
}
