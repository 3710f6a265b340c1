// The affinity key of a subscriber: its Appid plus consumer group, so a group's session stays on one gateway.

/**
 * `${appid}/${group}`. Appid comes from the `Appid` header (the subscriber's identity), else an `appid` query
 * parameter (browsers cannot set headers on a WebSocket). The group comes from the `group` query parameter, or
 * `pathGroup` (PUT /v1/offsets/:appid/:topic/:ver/:group carries it in the path). Without a group the request is
 * malformed for the gateway anyway; the path stands in so that such requests still spread deterministically.
 */
export function subscriberKey(appidHeader: string | undefined, url: string, pathGroup?: string): string {
  const q = url.indexOf('?');
  const query = q < 0 ? '' : url.slice(q + 1);
  const appid = appidHeader ?? queryParam(query, 'appid') ?? '';
  const group = pathGroup ?? queryParam(query, 'group');
  return group === undefined ? `${appid}/?${q < 0 ? url : url.slice(0, q)}` : `${appid}/${group}`;
}

/** The first value of `name` in a raw query string, percent-decoded; undefined when absent or undecodable. */
export function queryParam(query: string, name: string): string | undefined {
  let i = 0;
  while (i <= query.length) {
    let end = query.indexOf('&', i);
    if (end < 0) end = query.length;
    const eq = query.indexOf('=', i);
    const keyEnd = eq >= 0 && eq < end ? eq : end;
    if (keyEnd - i === name.length && query.startsWith(name, i)) {
      const raw = keyEnd === end ? '' : query.slice(keyEnd + 1, end);
      try {
        return decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        return undefined;
      }
    }
    i = end + 1;
  }
  return undefined;
}
