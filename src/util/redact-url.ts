const schemePrefix = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
// A password passed as a query parameter (`?password=...`) or a conninfo pair (`password=...`).
const passwordParameter = /((?:^|[?&;\s])(?:ssl)?password=)[^&;\s]*/gi;
const MASK = '*****';

/**
 * A URL with its password masked, for anything printed. The user part ends at the last '@', as
 * a URL parser reads it, but across '/', '?' and '#' too: a password written raw with '@', '#',
 * '/' or ':' in it is masked whole, never in part (the parser would have cut it at the first
 * '#', '/' or '?' and shown the rest as host, path or fragment).
 */
export function redactUrl(url: string): string {
  const scheme = schemePrefix.exec(url)?.[0] ?? '';
  let rest = url.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const colon = rest.slice(0, at).indexOf(':');
    if (colon >= 0) rest = rest.slice(0, colon + 1) + MASK + rest.slice(at);
  }
  return scheme + rest.replace(passwordParameter, `$1${MASK}`);
}

/**
 * Free text (an error message) with the password of every URL in it masked: a net under the
 * messages of libraries. A URL runs to the next white space or quote.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s'"`<>]*/g, (url) => redactUrl(url))
    .replace(passwordParameter, `$1${MASK}`);
}

/**
 * Why a connection URL would be read other than as written, with pieces of its password taken
 * for a host, port, path or fragment (and then printed in the driver's errors, as in `getaddrinfo
 * ENOTFOUND ss`); undefined when it reads as written. Says what to fix without the password.
 */
export function connectionUrlProblem(url: string): string | undefined {
  const encode = "in a password, percent-encode '#' as %23, '/' as %2F, '?' as %3F and '@' as %40";
  if (url.includes('#')) return `holds a '#', which ends a URL: ${encode}`;
  const scheme = schemePrefix.exec(url)?.[0] ?? '';
  const at = url.lastIndexOf('@');
  const userinfo = at > scheme.length ? url.slice(scheme.length, at) : '';
  const colon = userinfo.indexOf(':');
  const password = colon >= 0 ? userinfo.slice(colon + 1) : '';
  let parsed: URL | undefined;
  try {
    // As the driver does: a URL without a host (`user@/db`, a local socket) is read with a stand-in.
    parsed = new URL(url.replace('@/', '@localhost/'));
  } catch {
    parsed = undefined;
  }
  // An '@' in the query (`?application_name=ops@eu`) of a URL without credentials is no password.
  const atInQuery = parsed !== undefined && parsed.username === '' && parsed.search.includes('@');
  const readAsWritten = parsed !== undefined && (atInQuery || decodeSafely(parsed.password) === decodeSafely(password));
  if (!readAsWritten && /[/?]/.test(password)) return `is not read as written: its password seems to hold '/' or '?'; ${encode}`;
  return parsed === undefined ? 'is not a valid URL (postgres://user:password@host:5432/database)' : undefined;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
