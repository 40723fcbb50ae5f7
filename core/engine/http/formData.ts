/** Streaming multipart/form-data reader for POST Object: buffers the small fields before `file`, streams the file part. */
import { Readable } from 'node:stream';
import { cosError } from '../../protocol/cosError.ts';

/** Largest field value and total of all fields (bytes). */
export const MAX_FIELD_BYTES = 64 * 1024;
const MAX_FIELDS_TOTAL = 1024 * 1024;
const MAX_PART_HEADER = 16 * 1024;

/** The fields (lowercase names) and the file of a form upload. */
export interface FormUpload {
  fields: Map<string, string>;
  filename: string;
  /** The file bytes; ends at the closing boundary (anything after the file part is ignored). */
  file: Readable;
  /** Reads and discards the rest of the body (after the file has been consumed). */
  drain(): Promise<void>;
}

const malformed = (message: string) => cosError('MalformedPOSTRequest', message);

class ByteReader {
  buffer: Buffer = Buffer.alloc(0);
  done = false;
  readonly #iterator: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** Reads more input; false at the end. */
  async more(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.#iterator.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buffer = this.buffer.length === 0 ? next.value : Buffer.concat([this.buffer, next.value]);
    return true;
  }

  /** Bytes up to `needle` (consumed, needle too); throws when `limit` is exceeded or the input ends first. */
  async until(needle: Buffer, limit: number): Promise<Buffer> {
    for (;;) {
      const at = this.buffer.indexOf(needle);
      if (at !== -1) {
        const head = this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + needle.length);
        return head;
      }
      if (this.buffer.length > limit + needle.length) throw malformed('A form field is too large.');
      if (!(await this.more())) throw malformed('The form ended unexpectedly.');
    }
  }

  async take(count: number): Promise<Buffer> {
    while (this.buffer.length < count) if (!(await this.more())) throw malformed('The form ended unexpectedly.');
    const head = this.buffer.subarray(0, count);
    this.buffer = this.buffer.subarray(count);
    return head;
  }
}

function dispositionParam(disposition: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition) ?? new RegExp(`(?:^|;)\\s*${name}=([^;]*)`, 'i').exec(disposition);
  return match ? match[1]!.trim().replace(/\\(.)/g, '$1') : undefined;
}

/** The boundary of a `multipart/form-data` Content-Type; RequestIsNotMultiPartContent otherwise. */
export function formBoundary(contentType: string | undefined): string {
  const match = /^multipart\/form-data\s*;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!match) throw cosError('RequestIsNotMultiPartContent');
  return match[1] ?? match[2]!;
}

/** Reads the fields up to the `file` part and returns a stream of the file's bytes. */
export async function readFormUpload(source: AsyncIterable<Buffer>, boundary: string): Promise<FormUpload> {
  const reader = new ByteReader(source);
  const dash = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  await reader.until(dash, MAX_PART_HEADER);
  const fields = new Map<string, string>();
  let total = 0;
  for (;;) {
    const after = await reader.take(2);
    if (after.toString('latin1') === '--') throw cosError('IncorrectNumberOfFilesInPostRequest', 'The form has no file field.');
    if (after.toString('latin1') !== '\r\n') throw malformed('A form boundary is not followed by CRLF.');
    const head = (await reader.until(Buffer.from('\r\n\r\n'), MAX_PART_HEADER)).toString('utf8');
    const disposition = head.split('\r\n').find((line) => /^content-disposition:/i.test(line))?.replace(/^content-disposition:\s*/i, '') ?? '';
    const name = dispositionParam(disposition, 'name');
    if (name === undefined) throw malformed('A form part has no name.');
    if (name.toLowerCase() === 'file') {
      const filename = dispositionParam(disposition, 'filename') ?? '';
      const drain = async (): Promise<void> => {
        while (await reader.more()) reader.buffer = Buffer.alloc(0);
      };
      return { fields, filename, file: Readable.from(fileBytes(reader, delimiter), { objectMode: false }), drain };
    }
    const value = await reader.until(delimiter, MAX_FIELD_BYTES);
    total += value.length;
    if (total > MAX_FIELDS_TOTAL) throw malformed('The form fields are too large.');
    fields.set(name.toLowerCase(), value.toString('utf8'));
  }
}

async function* fileBytes(reader: ByteReader, delimiter: Buffer): AsyncGenerator<Buffer> {
  for (;;) {
    const at = reader.buffer.indexOf(delimiter);
    if (at !== -1) {
      if (at > 0) yield reader.buffer.subarray(0, at);
      reader.buffer = Buffer.alloc(0);
      return;
    }
    // Keep a tail that could be the start of the delimiter.
    const safe = reader.buffer.length - (delimiter.length - 1);
    if (safe > 0) {
      const chunk = reader.buffer.subarray(0, safe);
      reader.buffer = reader.buffer.subarray(safe);
      yield chunk;
    }
    if (!(await reader.more())) throw malformed('The form ended inside the file field.');
  }
}
