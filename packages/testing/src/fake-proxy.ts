import http from 'node:http';
import net from 'node:net';

/** One request the proxy received. */
export interface FakeProxyRequest {
  /** `CONNECT` for a tunnel, else the forwarded method. */
  method: string;
  /** `host:port` for a tunnel, the absolute URL for a forwarded request. */
  target: string;
  /** The `Proxy-Authorization` header, when sent. */
  authorization?: string;
}

export interface FakeProxyOptions {
  /**
   * Where the proxy really connects for a target host and port (default: where it says). Lets a
   * test use names that do not resolve, proving that only the proxy could have reached them.
   */
  route?: (host: string, port: number) => { host: string; port: number } | undefined;
  /** Answer 407 unless `Proxy-Authorization` is this value (e.g. `Basic dXNlcjpwYXNz`). */
  authorization?: string;
}

/** A forwarding (absolute-form) and tunnelling (CONNECT) HTTP proxy on 127.0.0.1, for tests. */
export interface FakeProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly requests: FakeProxyRequest[];
  close(): Promise<void>;
}

function splitHostPort(value: string, defaultPort: number): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(value);
  return { host: match?.[1] ?? value, port: match?.[2] ? Number(match[2]) : defaultPort };
}

/** Start a proxy that forwards plain requests and tunnels CONNECT, recording each. */
export async function startFakeProxy(options: FakeProxyOptions = {}): Promise<FakeProxy> {
  const requests: FakeProxyRequest[] = [];
  const sockets = new Set<net.Socket>();
  const destination = (host: string, port: number) => options.route?.(host, port) ?? { host, port };
  const authorized = (header: string | undefined) => options.authorization === undefined || header === options.authorization;

  const server = http.createServer((request, response) => {
    const authorization = request.headers['proxy-authorization'];
    requests.push({ method: request.method ?? 'GET', target: request.url ?? '', ...(authorization ? { authorization } : {}) });
    if (!authorized(authorization)) {
      response.writeHead(407, { 'proxy-authenticate': 'Basic realm="fake"' }).end();
      return;
    }
    let target: URL;
    try {
      target = new URL(request.url ?? '');
    } catch {
      response.writeHead(400).end('absolute-form request expected');
      return;
    }
    const { host, port } = destination(target.hostname, Number(target.port || 80));
    const headers = { ...request.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request({ host, port, method: request.method, path: `${target.pathname}${target.search}`, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.once('error', () => response.headersSent ? response.destroy() : response.writeHead(502).end('upstream failed'));
    request.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const authorization = request.headers['proxy-authorization'];
    requests.push({ method: 'CONNECT', target: request.url ?? '', ...(authorization ? { authorization } : {}) });
    if (!authorized(authorization)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="fake"\r\n\r\n');
      return;
    }
    const { host, port } = splitHostPort(request.url ?? '', 443);
    const to = destination(host, port);
    const upstream = net.connect(to.port, to.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.once('error', () => client.destroy());
    client.once('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${port}`, requests, close, [Symbol.asyncDispose]: close };
}
