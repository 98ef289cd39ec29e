import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError, errorMessage } from '../errors.js';
import type { ReconcileMetrics } from './metrics.js';

export interface MetricsServerOptions {
  /** 0 picks a free port; the returned `port` is the one bound. */
  readonly port: number;
  /** Defaults to all interfaces, so a Prometheus outside the pod can scrape it. */
  readonly host?: string;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves GET /metrics (Prometheus text) and GET /healthz ("ok") for `reconcile --metrics-port`.
 * Rejects with a UserError naming the port when it cannot be bound, so the CLI prints one line.
 */
export async function serveMetrics(metrics: ReconcileMetrics, options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    handle(metrics, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`metrics failed: ${errorMessage(error)}\n`);
    });
  });
  // A scrape holds no state worth waiting for: close() must not hang on a keep-alive connection.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenError(error, options));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options.port, options.host);
  });

  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(metrics: ReconcileMetrics, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const method = request.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    response.end('method not allowed\n');
    return;
  }
  if (path === '/metrics') {
    const text = await metrics.metricsText();
    response.writeHead(200, { 'content-type': metrics.contentType });
    response.end(method === 'HEAD' ? undefined : text);
    return;
  }
  if (path === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(method === 'HEAD' ? undefined : 'ok');
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  response.end('not found: try /metrics or /healthz\n');
}

function listenError(error: NodeJS.ErrnoException, options: MetricsServerOptions): Error {
  const where = options.host ? `${options.port} on ${options.host}` : String(options.port);
  switch (error.code) {
    case 'EADDRINUSE':
      return new UserError(`metrics port ${where} is already in use; choose another with --metrics-port`);
    case 'EACCES':
      return new UserError(`metrics port ${where} needs more privileges than this process has; use a port above 1023`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new UserError(`metrics host ${options.host ?? ''} is not an address of this machine`);
    default:
      return new UserError(`cannot serve metrics on port ${where}: ${error.message}`);
  }
}
