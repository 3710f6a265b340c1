// Validates commit positions before anything is written, so a commit is all or nothing.
import { badRequest } from '../../../shared/errors.js';
import type { Position } from '../store.js';

/** Throws BAD_REQUEST when a partition is out of range or an offset is not a non-negative integer. */
export function checkPositions(positions: Position[], partitionCount: number): void {
  for (const { partition, offset } of positions) {
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount)
      throw badRequest(`invalid partition ${partition}`);
    if (!Number.isSafeInteger(offset) || offset < 0) throw badRequest(`invalid offset ${offset}`);
  }
}
