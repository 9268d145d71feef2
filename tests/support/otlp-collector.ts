import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpCollector {
  url: string;
  /** The body of every OTLP/HTTP trace export received, in order. */
  exports: Buffer[];
  close(): Promise<void>;
}

/** Stands in for an OpenTelemetry collector: keeps the body of every OTLP/HTTP trace export. */
export async function startCollector(): Promise<OtlpCollector> {
  const exports: Buffer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') exports.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
