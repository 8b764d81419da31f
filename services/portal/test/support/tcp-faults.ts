// Network faults made with real TCP servers on loopback: a server that never answers, a proxy that loses answers.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface FaultServer {
  url: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

async function listen(server: Server, sockets: Set<Socket>): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and reads requests, but never answers: an upstream stuck on something. */
export async function startStalledServer(): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const { port, close } = await listen(server, sockets);
  return { url: `http://127.0.0.1:${port}`, port, connections: () => accepted, close };
}

/**
 * A proxy in front of a real server. The first `dropFirst` connections carry the request to the
 * target, let the target do the work, then lose the answer: the client's connection is destroyed
 * when the target's response starts arriving. Later connections are passed through untouched.
 */
export async function startAnswerLosingProxy(targetPort: number, dropFirst = 1): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    const dropping = accepted < dropFirst;
    accepted++;
    const target = connect(targetPort, '127.0.0.1');
    for (const socket of [client, target]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        target.destroy();
      });
    }
    client.pipe(target);
    if (dropping) {
      target.once('data', () => {
        client.destroy();
        target.destroy();
      });
    } else {
      target.pipe(client);
    }
  });
  const { port, close } = await listen(server, sockets);
  return { url: `http://127.0.0.1:${port}`, port, connections: () => accepted, close };
}

/**
 * A proxy whose first `failFirst` connections are answered `503 Service Unavailable` by the proxy
 * itself (the target never sees them), like a load balancer with no healthy backend for a moment.
 */
export async function startFlakyGateway(targetPort: number, failFirst = 1): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    if (accepted++ < failFirst) {
      client.once('data', () => {
        const body = '{"detail":"no backend"}';
        client.end(
          `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
        );
      });
      return;
    }
    const target = connect(targetPort, '127.0.0.1');
    sockets.add(target);
    target.on('error', () => undefined);
    target.on('close', () => {
      sockets.delete(target);
      client.destroy();
    });
    client.on('close', () => target.destroy());
    client.pipe(target);
    target.pipe(client);
  });
  const { port, close } = await listen(server, sockets);
  return { url: `http://127.0.0.1:${port}`, port, connections: () => accepted, close };
}

/** A loopback port with nothing listening on it (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const sockets = new Set<Socket>();
  const { port, close } = await listen(server, sockets);
  await close();
  return port;
}

/**
 * A proxy that holds what clients send until `release()` is called (an upstream busy for a
 * moment), then passes everything through, the held bytes first.
 */
export async function startHoldingProxy(targetPort: number): Promise<FaultServer & { release(): void }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let isHeld = true;
  const waiting: (() => void)[] = [];
  const server = createServer((client) => {
    accepted++;
    client.pause();
    const target = connect(targetPort, '127.0.0.1');
    for (const socket of [client, target]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        target.destroy();
      });
    }
    const pass = () => {
      client.pipe(target);
      target.pipe(client);
      client.resume();
    };
    if (isHeld) waiting.push(pass);
    else pass();
  });
  const { port, close } = await listen(server, sockets);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => accepted,
    close,
    release() {
      isHeld = false;
      for (const pass of waiting.splice(0)) pass();
    },
  };
}
