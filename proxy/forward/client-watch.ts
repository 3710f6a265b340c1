// Tells exchanges when their client connection closes: one 'close' listener per connection, not one per request.
import type { Socket } from 'node:net';

/** Something to tell that its client went away. */
export interface ClientBound {
  clientGone(): void;
}

const open = new WeakMap<Socket, Set<ClientBound>>();

function onClose(this: Socket): void {
  const set = open.get(this);
  if (!set) return;
  open.delete(this);
  for (const x of set) x.clientGone();
}

/** Registers `x` as in flight on `socket` (several with pipelining). */
export function watchClient(socket: Socket, x: ClientBound): void {
  let set = open.get(socket);
  if (!set) {
    if (socket.destroyed) {
      x.clientGone();
      return;
    }
    set = new Set();
    open.set(socket, set);
    socket.once('close', onClose);
  }
  set.add(x);
}

export function unwatchClient(socket: Socket, x: ClientBound): void {
  open.get(socket)?.delete(x);
}
