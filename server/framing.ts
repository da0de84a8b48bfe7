// Guards the stdio transport: passes on only well-formed LSP frames (a header block with a
// Content-Length, then that many bytes) and drops anything else, so random bytes or a
// malformed header on stdin cost the bytes themselves, never the session.

import { Transform, type TransformCallback } from 'node:stream';

const HEADER_END = Buffer.from('\r\n\r\n');
/** A header block longer than this is not a header: drop it. */
const MAX_HEADER = 64 * 1024;
/** Bodies larger than this are refused rather than awaited. */
export const MAX_BODY = 256 * 1024 * 1024;

export class FrameFilter extends Transform {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly report: (message: string) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.drain();
    done();
  }

  private drain(): void {
    for (;;) {
      const end = this.buffer.indexOf(HEADER_END);
      if (end < 0) {
        if (this.buffer.length > MAX_HEADER) this.discard(this.buffer.length - 3, 'bytes without a message header');
        return;
      }
      const header = this.buffer.subarray(0, end).toString('latin1');
      // The last Content-Length line wins; junk before it is dropped with it.
      const m = /(?:^|\r\n)content-length:[ \t]*(\d+)[ \t]*(?:\r\n[^\r\n]*)*$/i.exec(header);
      const length = m ? Number(m[1]) : NaN;
      if (!Number.isSafeInteger(length) || length > MAX_BODY) {
        this.discard(end + HEADER_END.length, 'a malformed message header');
        continue;
      }
      const frameEnd = end + HEADER_END.length + length;
      if (this.buffer.length < frameEnd) return;
      const start = m!.index + (m![0].startsWith('\r\n') ? 2 : 0);
      if (start > 0) this.report(`lockstep-lsp: dropped ${start} bytes before a message header`);
      this.push(this.buffer.subarray(start, frameEnd));
      this.buffer = this.buffer.subarray(frameEnd);
    }
  }

  private discard(bytes: number, what: string): void {
    this.report(`lockstep-lsp: dropped ${bytes} bytes: ${what}`);
    this.buffer = this.buffer.subarray(bytes);
  }
}
