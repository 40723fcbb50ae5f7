/** One raw HTTP/1.1 exchange over a fresh TCP connection: send bytes, optionally cut or reset, read the whole answer. */
import { connect } from 'node:net';

/** What to send and how the client behaves after the body. */
export interface RawCase {
  /** Request line and headers, ending with the blank line. */
  head: string;
  body: Buffer;
  /** `wait`: wait for the answer; `end`: half-close after the body; `destroy`: reset after the body; `stall`: send nothing more and wait. */
  ending: 'wait' | 'end' | 'destroy' | 'stall';
  /** Bytes per write and the pause between writes (a slow client); default: all at once. */
  trickle?: { bytes: number; everyMs: number };
}

/** How the exchange ended. */
export interface RawAnswer {
  /** HTTP status, or 0 when the connection ended without a status line. */
  status: number;
  /** `<Code>` of a COS XML error body, when there is one. */
  code: string | undefined;
  /** True when a 4xx/5xx answer carried a COS XML `<Error>` document (or none was needed: HEAD). */
  xmlError: boolean;
  /** `answered`, `closed` (no answer before the connection ended) or `timeout` (nothing within the limit). */
  outcome: 'answered' | 'closed' | 'timeout';
  /** Milliseconds from connect to the end of the answer. */
  ms: number;
}

/** Parses the first answer in `raw` (status line, headers, body as far as it came). */
function parseAnswer(raw: Buffer, method: string): Pick<RawAnswer, 'status' | 'code' | 'xmlError'> & { complete: boolean } {
  const text = raw.toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
  const headerEnd = text.indexOf('\r\n\r\n');
  if (status === 0 || headerEnd < 0) return { status, code: undefined, xmlError: false, complete: false };
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headerEnd))?.[1] ?? Number.NaN);
  const body = text.slice(headerEnd + 4);
  const complete = method === 'HEAD' || status === 304 || status === 204 || (Number.isFinite(length) ? body.length >= length : false);
  const code = /<Error>\s*<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  return { status, code, xmlError: status < 400 || method === 'HEAD' || code !== undefined, complete };
}

/** Sends `rawCase` to 127.0.0.1:`port` and resolves with how it ended; never rejects. */
export function rawExchange(port: number, rawCase: RawCase, timeoutMs = 30_000): Promise<RawAnswer> {
  const method = /^(\S+)/.exec(rawCase.head)?.[1] ?? 'GET';
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    let trickleTimer: NodeJS.Timeout | undefined;
    const finish = (outcome: RawAnswer['outcome']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(trickleTimer);
      socket.destroy();
      const parsed = parseAnswer(Buffer.concat(chunks), method);
      resolve({ status: parsed.status, code: parsed.code, xmlError: parsed.xmlError, outcome: parsed.status > 0 ? 'answered' : outcome, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    const afterBody = (): void => {
      if (rawCase.ending === 'end') socket.end();
      else if (rawCase.ending === 'destroy') finish('closed');
    };
    socket.on('connect', () => {
      const all = Buffer.concat([Buffer.from(rawCase.head, 'latin1'), rawCase.body]);
      if (!rawCase.trickle) {
        socket.write(all, afterBody);
        return;
      }
      const { bytes, everyMs } = rawCase.trickle;
      let offset = 0;
      const step = (): void => {
        if (settled || socket.destroyed) return;
        const piece = all.subarray(offset, offset + bytes);
        offset += piece.length;
        socket.write(piece);
        if (offset < all.length) trickleTimer = setTimeout(step, everyMs);
        else afterBody();
      };
      step();
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (parseAnswer(Buffer.concat(chunks), method).complete) finish('answered');
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
  });
}
