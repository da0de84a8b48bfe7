// A deliberately raw client for both protocols (LSP's JSON-RPC and DAP share the framing):
// it writes any bytes, well-formed or not, and reads the server's frames with the same
// frame reader the servers use. Every wait has a limit, so a hang becomes a finding.

import { FrameReader } from '../transport/frames';

export interface Wire {
  write(bytes: string | Buffer): void;
  readonly readable: NodeJS.ReadableStream;
}

export type Message = Record<string, unknown>;

export function frame(body: unknown): string {
  const json = typeof body === 'string' ? body : JSON.stringify(body);
  return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

/** Looks for a JavaScript stack in text a user would see (a message, a log line, stderr). */
export function hasStack(text: string): boolean {
  // A JavaScript frame names a .js/.ts file or a node: module; the kernel-style reports'
  // `at file.lockstep:8:9` lines do not.
  return /\n\s+at (?:[^\n]* \()?(?:node:[\w/]+|[^\s():]*\.(?:m?js|cjs|ts)):\d+:\d+\)?/.test(text);
}

export class Timeout extends Error {}

/** Request/response over a Wire: `match` pairs a response with its request. */
export class RawClient {
  private readonly waiting = new Map<number, { resolve: (m: Message) => void; timer: NodeJS.Timeout }>();
  readonly events: Message[] = [];
  /** Messages the server sent that a user would see (log lines, output events, error answers). */
  readonly shown: string[] = [];
  private closed = false;
  onMessage: (m: Message) => void = () => undefined;

  constructor(private readonly wire: Wire, private readonly idOf: (m: Message) => number | undefined) {
    const reader = new FrameReader({ report: () => undefined });
    wire.readable.pipe(reader);
    reader.on('data', (chunk: Buffer) => {
      const body = chunk.subarray(chunk.indexOf('\r\n\r\n') + 4).toString('utf8');
      let m: Message;
      try {
        m = JSON.parse(body) as Message;
      } catch {
        return;
      }
      this.onMessage(m);
      const id = this.idOf(m);
      const w = id === undefined ? undefined : this.waiting.get(id);
      if (w && id !== undefined) {
        this.waiting.delete(id);
        clearTimeout(w.timer);
        w.resolve(m);
      } else {
        this.events.push(m);
        if (this.events.length > 1000) this.events.splice(0, 500);
      }
    });
    wire.readable.on('close', () => this.close());
    wire.readable.on('end', () => this.close());
    wire.readable.on('error', () => this.close());
  }

  send(bytes: string | Buffer): void {
    if (!this.closed) this.wire.write(bytes);
  }

  /** Sends a message and waits for the answer with the same id (rejects with Timeout after `ms`). */
  call(id: number, message: unknown, ms: number): Promise<Message> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error('the connection is closed'));
        return;
      }
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Timeout(`no answer to ${JSON.stringify(message).slice(0, 160)} within ${ms} ms`));
      }, ms);
      this.waiting.set(id, { resolve, timer });
      this.send(frame(message));
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, w] of this.waiting) {
      clearTimeout(w.timer);
      w.resolve({ closed: true });
    }
    this.waiting.clear();
  }
}

/** Malformed bytes of every kind the servers must survive. */
export function junk(pick: <T>(xs: readonly T[]) => T, int: (n: number) => number): string | Buffer {
  const body = JSON.stringify({ jsonrpc: '2.0', method: 'no/such', params: {} });
  switch (int(9)) {
    case 0:
      return 'stray bytes without any header';
    case 1:
      return `Content-Length: 3\r\n\r\n${body}`;
    case 2:
      return 'Content-Length: 17';
    case 3:
      return frame('null');
    case 4:
      return frame('{"jsonrpc": "2.0", "id": 1, "meth');
    case 5:
      return `Content-Length: ${pick(['-1', 'x', '1e9', '99999999999999999999', ''])}\r\n\r\n`;
    case 6:
      return Buffer.from(Array.from({ length: 1 + int(300) }, () => int(256)));
    case 7:
      return frame(pick(['[]', '42', '"text"', '{}', '{"type":"request"}', '{"jsonrpc":"2.0","id":null,"method":null}']));
    default:
      return '\r\n\r\n\r\n';
  }
}
