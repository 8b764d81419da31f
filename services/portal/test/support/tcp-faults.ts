// Network faults made with real TCP servers on loopback: a server that never answers, proxies that lose, refuse or hold answers.
import { readFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

export interface FaultServer {
  url: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * What a fault server does with its `index`-th client (from 0). `connectTarget` opens a connection to
 * the real server behind it; when either of the two closes, so does the other.
 */
type ClientHandler = (client: Socket, index: number, connectTarget: (port: number) => Socket) => void;

/** Listens on loopback and hands each client to `handle`; close() also ends every socket still open. */
async function startFaultServer(handle: ClientHandler): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  let accepted = 0;
  const server = createServer((client) => {
    track(client);
    handle(client, accepted++, (port) => {
      const target = connect(port, '127.0.0.1');
      track(target);
      for (const socket of [client, target]) {
        socket.on('close', () => {
          client.destroy();
          target.destroy();
        });
      }
      return target;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and reads requests, but never answers: an upstream stuck on something. */
export function startStalledServer(): Promise<FaultServer> {
  return startFaultServer((client) => {
    client.on('data', () => undefined);
  });
}

/**
 * A proxy in front of a real server. The first `dropFirst` connections carry the request to the
 * target, let the target do the work, then lose the answer: the client's connection is destroyed
 * when the target's response starts arriving. Later connections are passed through untouched.
 */
export function startAnswerLosingProxy(targetPort: number, dropFirst = 1): Promise<FaultServer> {
  return startFaultServer((client, index, connectTarget) => {
    const target = connectTarget(targetPort);
    client.pipe(target);
    if (index < dropFirst) {
      target.once('data', () => {
        client.destroy();
        target.destroy();
      });
    } else {
      target.pipe(client);
    }
  });
}

/**
 * A proxy whose first `failFirst` connections are answered `503 Service Unavailable` by the proxy
 * itself (the target never sees them), like a load balancer with no healthy backend for a moment.
 */
export function startFlakyGateway(targetPort: number, failFirst = 1): Promise<FaultServer> {
  return startFaultServer((client, index, connectTarget) => {
    if (index < failFirst) {
      client.once('data', () => {
        const body = '{"detail":"no backend"}';
        client.end(
          `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
        );
      });
      return;
    }
    const target = connectTarget(targetPort);
    client.pipe(target);
    target.pipe(client);
  });
}

/** Whether nothing listens on `port` of 127.0.0.1 right now (we could bind it). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * A loopback URL with nothing listening on it (connections are refused). The port lies below the
 * kernel's ephemeral range: a test server elsewhere in the run, listening on port 0, can never be
 * handed it (an ephemeral free port once was, and the "down" upstream answered /health).
 */
export async function refusingUrl(): Promise<string> {
  const [low] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '32768'))
    .trim()
    .split(/\s+/)
    .map(Number);
  const below = Math.max(2048, (low ?? 32768) - 1);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 1024 + Math.floor(Math.random() * (below - 1024));
    if (await isFree(port)) return `http://127.0.0.1:${port}`;
  }
  throw new Error('no free port below the ephemeral range');
}

/**
 * A proxy that holds what clients send until `release()` is called (an upstream busy for a
 * moment), then passes everything through, the held bytes first.
 */
export async function startHoldingProxy(targetPort: number): Promise<FaultServer & { release(): void }> {
  let isHeld = true;
  const waiting: (() => void)[] = [];
  const proxy = await startFaultServer((client, _index, connectTarget) => {
    client.pause();
    const target = connectTarget(targetPort);
    const pass = () => {
      client.pipe(target);
      target.pipe(client);
      client.resume();
    };
    if (isHeld) waiting.push(pass);
    else pass();
  });
  return {
    ...proxy,
    release() {
      isHeld = false;
      for (const pass of waiting.splice(0)) pass();
    },
  };
}
