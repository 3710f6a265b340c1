// Policy names from config → instances. The one place that knows every implementation.
import type { Random } from '../util/random.js';
import { BoundedLoadPolicy } from './bounded-load.js';
import { ConsistentHashPolicy } from './consistent-hash.js';
import { P2cLeastRequestPolicy } from './p2c-least-request.js';
import type { BalancerPolicy, HashPolicy } from './policy.js';
import { RoundRobinPolicy } from './round-robin.js';

export type PolicyName = 'round-robin' | 'p2c' | 'consistent-hash';
export const POLICY_NAMES: readonly PolicyName[] = ['round-robin', 'p2c', 'consistent-hash'];

export interface PolicySettings {
  policy: PolicyName;
  /** consistent-hash only: wrap in bounded load with this factor (>= 1); 0 = off. */
  balanceFactor: number;
  /** consistent-hash only: ring points per unit of weight. */
  pointsPerWeight: number;
}

export function createPolicy(s: PolicySettings, deps: { random: Random }): BalancerPolicy {
  switch (s.policy) {
    case 'round-robin':
      return new RoundRobinPolicy();
    case 'p2c':
      return new P2cLeastRequestPolicy(deps.random);
    case 'consistent-hash': {
      const ring: HashPolicy = new ConsistentHashPolicy({ pointsPerWeight: s.pointsPerWeight });
      return s.balanceFactor > 0 ? new BoundedLoadPolicy(ring, s.balanceFactor) : ring;
    }
  }
}
