// Shared settings of the k6 scenarios, from environment variables (k6 run -e NAME=value …).
export const URL = (__ENV.URL || 'http://127.0.0.1:10891').replace(/\/$/, '');
export const PUB_URL = (__ENV.PUB_URL || URL).replace(/\/$/, '');
export const SUB_URL = (__ENV.SUB_URL || __ENV.PUB_URL || URL).replace(/\/$/, '');
export const APP = __ENV.APP || 'demo';
export const PUBKEY = __ENV.PUBKEY || __ENV.KEY || 'demo';
export const SUBKEY = __ENV.SUBKEY || __ENV.KEY || 'demo';
export const TOPIC = __ENV.TOPIC || 'loadtest';
export const VER = __ENV.VER || 'v1';
export const DURATION = __ENV.DURATION || '30s';
export const VUS = Number(__ENV.VUS || 64);

export const pubHeaders = (type) => ({ Appid: APP, Pubkey: PUBKEY, 'Content-Type': type || 'application/octet-stream' });
export const subHeaders = () => ({ Appid: APP, Subkey: SUBKEY });

/** A fresh group name per test run unless GROUP is set (a fresh group starts at the oldest message). */
export const GROUP = __ENV.GROUP || `k6${Date.now().toString(36)}`;
