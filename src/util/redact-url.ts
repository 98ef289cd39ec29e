/** A URL with its password masked, for anything printed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '*****';
    return parsed.toString();
  } catch {
    // Not a URL at all: mask anything between ':' and '@' after the scheme, and say no more.
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:*****@');
  }
}
