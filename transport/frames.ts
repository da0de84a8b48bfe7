// The byte-level reader both servers put between their input and the protocol library: it
// passes on only well-formed frames (a `Content-Length:` header block, then that many bytes
// of a JSON object) and resynchronises at the next `Content-Length:` after anything else —
// stray bytes, a too-short or too-long length, a header without its CRLF, a body that is
// `null` or not JSON — so bad bytes cost themselves, never the messages after them.

import { Transform, type TransformCallback } from 'node:stream';

const HEADER = 'content-length:';
const HEADER_END = Buffer.from('\r\n\r\n');
/** A header block longer than this is not a header. */
const MAX_HEADER = 8 * 1024;
/** Bodies larger than this are refused rather than awaited. */
export const MAX_BODY = 64 * 1024 * 1024;

export interface FrameReaderOptions {
  /** Told (in one line, never echoing the bytes) what was dropped and why. */
  readonly report: (message: string) => void;
  readonly maxBody?: number;
}

/** Where `Content-Length:` (any case) next starts in `buf` at or after `from`, or -1. */
function findHeader(buf: Buffer, from: number): number {
  for (let i = buf.indexOf(':', from + HEADER.length - 1, 'latin1'); i >= 0; i = buf.indexOf(':', i + 1, 'latin1')) {
    const start = i - (HEADER.length - 1);
    if (start >= from && buf.toString('latin1', start, i + 1).toLowerCase() === HEADER) return start;
  }
  return -1;
}

/** Whether a body is a JSON object, which every LSP and DAP message is. */
function isJsonObject(body: Buffer): boolean {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/**
 * The frame scanner as a stream: write raw input, read clean frames (`Content-Length: N`,
 * a blank line, the body). Chunks of a long body are gathered without copying until the
 * whole frame is there.
 */
export class FrameReader extends Transform {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** Bytes needed before scanning again (a body is still arriving). */
  private needed = 0;
  private readonly maxBody: number;

  constructor(private readonly options: FrameReaderOptions) {
    super();
    this.maxBody = options.maxBody ?? MAX_BODY;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes >= this.needed) {
      const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
      const rest = this.scan(buf);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.bytes = rest.length;
    }
    done();
  }

  /** Passes on every complete frame in `buf`; returns what must wait for more input. */
  private scan(buf: Buffer): Buffer {
    let at = 0;
    this.needed = 0;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const start = findHeader(buf, at);
      if (start < 0) {
        // Keep a tail that may be the start of a header cut by the chunk boundary.
        const keep = Math.max(at, buf.length - (HEADER.length - 1));
        this.discard(keep - at, 'bytes outside any message');
        return buf.subarray(keep);
      }
      this.discard(start - at, 'stray bytes before a message header');
      at = start;
      const end = buf.indexOf(HEADER_END, start);
      const next = findHeader(buf, start + HEADER.length);
      if (end < 0) {
        // A header without its blank line: resynchronise at a later header if one is there.
        if (next >= 0) {
          this.discard(next - at, 'a header without its blank line');
          at = next;
          continue;
        }
        if (buf.length - start > MAX_HEADER) {
          this.discard(buf.length - start, 'a header that never ends');
          return Buffer.alloc(0);
        }
        return buf.subarray(start);
      }
      if (next >= 0 && next < end) {
        this.discard(next - at, 'a header without its blank line');
        at = next;
        continue;
      }
      const length = contentLength(buf.toString('latin1', start, end));
      const bodyStart = end + HEADER_END.length;
      if (length === undefined || length > this.maxBody) {
        this.discard(bodyStart - at, length === undefined ? 'a malformed message header' : `a message of ${length} bytes (the limit is ${this.maxBody})`);
        at = bodyStart;
        continue;
      }
      if (buf.length < bodyStart + length) {
        this.needed = bodyStart + length - start;
        return buf.subarray(start);
      }
      const body = buf.subarray(bodyStart, bodyStart + length);
      if (!isJsonObject(body)) {
        // A wrong length or a body that is not a message: what follows the header may hold
        // the next one, so only the header itself is dropped.
        this.discard(bodyStart - at, 'a header whose body is not a JSON object');
        at = bodyStart;
        continue;
      }
      this.push(Buffer.concat([Buffer.from(`Content-Length: ${length}\r\n\r\n`, 'latin1'), body]));
      at = bodyStart + length;
    }
    return buf.subarray(at);
  }

  private discard(bytes: number, why: string): void {
    if (bytes <= 0) return;
    this.options.report(`dropped ${bytes} bytes: ${why}`);
  }
}

/** The Content-Length of a header block whose first line is that header; undefined if malformed. */
function contentLength(header: string): number | undefined {
  const lines = header.split('\r\n');
  const m = /^content-length:[ \t]*(\d{1,15})[ \t]*$/i.exec(lines[0]!);
  if (!m) return undefined;
  for (const line of lines.slice(1)) if (!/^[!-9;-~]+:/.test(line)) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}
