/**
 * Reading Arrow IPC files and streams lazily, one record batch at a time.
 *
 * apache-arrow's own lazy reader (`RecordBatchReader.from(fileHandle)`) awaits four reads
 * per message (continuation, length, metadata, body), the body into a zero-filled buffer,
 * and never reads ahead: the consumer sits idle while each read runs on libuv's thread
 * pool. Here the bytes are read with whole-message positioned reads (at least
 * {@link MIN_READ} bytes, so small messages come many per read, never zero-filled), the
 * following messages are read ahead while the consumer works on the current batch, and
 * the messages are decoded by apache-arrow itself: a synchronous `RecordBatchStreamReader`
 * is fed the complete messages through an in-memory queue, so schemas, dictionaries
 * (shared across batches, deltas, replacements), compression and message metadata are
 * handled exactly as apache-arrow handles them.
 *
 * What remains above reading a file that is already in memory: the reads themselves (the
 * pages of each fresh buffer are faulted in), and the garbage collections that V8 starts
 * as fresh buffers accumulate (memory stays bounded only because used buffers are freed).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Message, RecordBatchReader, type RecordBatch, type RecordBatchStreamReader, type Schema } from 'apache-arrow';
// Not re-exported by apache-arrow's entry point; only the block positions are used.
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { WeirError } from '../errors';

/** The smallest read: small messages are read many at a time. */
const MIN_READ = 1 << 20;
/**
 * Most bytes read ahead besides the read in use; one message is always read ahead. Deeper
 * read-ahead made plain iteration faster but not replays, and raised their peak RSS.
 */
const READ_AHEAD = 2 << 20;
/** Read-ahead slack over the last message's size when guessing the next one's (streams). */
const SLACK = 64 << 10;
/** `ARROW1`: the magic at both ends of the file format. */
const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31];

/**
 * The record batches of an Arrow IPC file (`.arrow`, random-access format) or stream
 * (`.arrows`), read lazily: one batch in memory at a time (plus the next, read
 * ahead), so a history larger than memory replays in bounded memory. The format is
 * detected from the file's contents. Batches, schemas and dictionaries are apache-arrow's
 * own (the same as `tableFromIPC(readFileSync(path)).batches`); a file with a schema and
 * no batch yields one empty batch, as apache-arrow's readers do. The file is closed when
 * the iteration ends, fails or is stopped early (`return()`).
 *
 * Throws `WeirError` naming the path when the contents are not valid Arrow IPC data
 * (empty, truncated, corrupted).
 *
 * @example
 * for await (const batch of readIPC('trades.arrow')) console.log(batch.numRows);
 */
export async function* readIPC(path: string): AsyncGenerator<RecordBatch, void, undefined> {
  const file = new ReadAhead(await open(path, 'r'), path);
  try {
    const size = await file.size();
    const head = size >= 16 ? await file.bytes(0, 8) : undefined; // the file format needs magic + footer
    // A file's schema is in its footer (apache-arrow's writer puts none in the messages).
    const footer = head && MAGIC.every((b, i) => head[i] === b) ? await readFooter(file, size) : undefined;
    const messages = footer ? fileMessages(file, footer, size) : streamMessages(file, 0);
    const queue = new MessageQueue();
    let reader: RecordBatchStreamReader | undefined; // synchronous: it only reads what is queued
    let batches = 0;
    for await (const { bytes, isRecordBatch } of messages) {
      queue.push(bytes);
      reader ??= openReader(queue, footer?.schema);
      if (!isRecordBatch) continue; // schemas and dictionaries are read with the next batch
      const r = reader.next();
      if (r.done) throw file.error('a record batch message', 'the reader found none');
      batches++;
      yield r.value;
    }
    queue.end();
    reader ??= openReader(queue, footer?.schema);
    if (!reader.schema) throw file.error('a schema message', size === 0 ? 'an empty file' : 'none');
    // apache-arrow yields one empty batch for a schema without batches
    const last = reader.next();
    if (!last.done && batches === 0) yield last.value;
  } catch (e) {
    // a failed read (EIO, ...) is reported as it is; any other error means the bytes are not Arrow IPC data
    if (e instanceof WeirError || (e as NodeJS.ErrnoException | undefined)?.code !== undefined) throw e;
    throw file.error('valid Arrow IPC data', e instanceof Error ? e.message : String(e), e);
  } finally {
    await file.close();
  }
}

/**
 * apache-arrow's synchronous stream reader over the queued messages: it pulls bytes as it
 * decodes. With a `schema` (a file's, from its footer) it reads no schema message.
 */
function openReader(queue: MessageQueue, schema: Schema | undefined): RecordBatchStreamReader {
  const reader = RecordBatchReader.from(queue) as RecordBatchStreamReader;
  if (schema) reader.reset(schema);
  return reader.open();
}

/** The footer of the file format: its schema and the positions of its dictionary and record batch messages. */
async function readFooter(file: ReadAhead, size: number): Promise<Footer> {
  const tail = await file.bytes(size - 10, 10);
  if (!MAGIC.every((b, i) => tail[4 + i] === b)) throw file.error('the magic ARROW1 at the end of the file', 'none (truncated?)');
  const length = new DataView(tail.buffer, tail.byteOffset, 4).getInt32(0, true);
  if (length <= 0 || length > size - 18) throw file.error('a footer length within the file', `${length}`);
  return Footer.decode(await file.bytes(size - 10 - length, length));
}

/** One complete IPC message: its bytes (prefix, metadata, body) and whether it holds a record batch. */
interface RawMessage {
  readonly bytes: Uint8Array;
  readonly isRecordBatch: boolean;
}

/**
 * The messages of the file format in the order apache-arrow's file reader uses them: every
 * dictionary block of the footer, then the record batch blocks.
 */
async function* fileMessages(file: ReadAhead, footer: Footer, size: number): AsyncGenerator<RawMessage> {
  const blocks = [...footer.dictionaryBatches(), ...footer.recordBatches()];
  for (let i = 0; i < blocks.length; i++) {
    const { offset, metaDataLength, bodyLength } = blocks[i];
    const length = metaDataLength + bodyLength;
    if (offset < 8 || offset + length > size) throw file.error(`block ${i} within the file`, `bytes ${offset}..${offset + length} of ${size}`);
    const bytes = await file.bytes(offset, length);
    for (let j = i + 1; j < blocks.length && file.prefetch(blocks[j].offset, blocks[j].metaDataLength + blocks[j].bodyLength); j++);
    yield { bytes, isRecordBatch: i >= footer.numDictionaries };
  }
}

/** The messages of the stream format, from `pos` up to the end-of-stream marker or the end of the file. */
async function* streamMessages(file: ReadAhead, pos: number): AsyncGenerator<RawMessage> {
  for (let m = await readMessage(file, pos); m; m = await readMessage(file, pos)) {
    pos += m.bytes.byteLength;
    // guess: the next message is at most as large as this one
    file.prefetch(pos, m.bytes.byteLength + SLACK);
    yield m;
  }
}

/**
 * The message starting at `pos`, or `undefined` at the end of the file or at an
 * end-of-stream marker (as apache-arrow's MessageReader). Its prefix is the continuation
 * marker `0xFFFFFFFF` and the metadata length, or (before Arrow 0.15) the length alone.
 */
async function readMessage(file: ReadAhead, pos: number): Promise<RawMessage | undefined> {
  const available = Math.min(8, (await file.size()) - pos);
  if (available < 4) return undefined;
  const prefix = await file.bytes(pos, available);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let prefixLength = 4;
  let metadataLength = view.getInt32(0, true);
  if (metadataLength === -1) {
    if (available < 8) return undefined;
    prefixLength = 8;
    metadataLength = view.getInt32(4, true);
  }
  if (metadataLength === 0) return undefined;
  if (metadataLength < 0) throw file.error(`a message metadata length at byte ${pos}`, `${metadataLength}`);
  const message = Message.decode(await file.bytes(pos + prefixLength, metadataLength));
  if (!(message.bodyLength >= 0)) throw file.error(`a message body length at byte ${pos}`, `${message.bodyLength}`);
  const length = prefixLength + metadataLength + message.bodyLength;
  return { bytes: await file.bytes(pos, length), isRecordBatch: message.isRecordBatch() };
}

/**
 * The byte source of apache-arrow's synchronous stream reader: the complete messages
 * pushed so far, handed out one per pull (zero-copy: the reader takes views of them).
 * Since the reader is synchronous it must never wait: a record batch is asked for only
 * once its message is queued, so the reader asks for bytes beyond the queue only at the
 * end of a message (`wanted` = 0: answered with none) or at the end of the data (after
 * {@link end}). Asking for missing bytes otherwise ends its data.
 */
class MessageQueue implements Iterator<Uint8Array>, Iterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
  }

  end(): void {
    this.ended = true;
  }

  next(wanted?: number): IteratorResult<Uint8Array> {
    const chunk = this.chunks.shift();
    if (chunk) return { done: false, value: chunk };
    if (this.ended || (wanted ?? 1) > 0) return { done: true, value: undefined };
    return { done: false, value: new Uint8Array(0) };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * Positioned reads of a file with reads ahead: {@link bytes} serves a byte range from the
 * last read, from a read ahead, or from a new read; {@link prefetch} starts reading a range
 * the caller will ask for later, while the caller's consumer works (up to
 * {@link READ_AHEAD} bytes in flight). Every read goes into a fresh buffer, never reused:
 * the batches keep views of it (zero-copy).
 */
class ReadAhead {
  /** The bytes of the last read used, and the file position of its first byte. */
  private window: Uint8Array = new Uint8Array(0);
  private start = 0;
  /** Reads ahead, in file order. */
  private pending: { pos: number; length: number; read: Promise<Uint8Array> }[] = [];
  private pendingBytes = 0;
  private sizeOf: Promise<number> | undefined;

  constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
  ) {}

  size(): Promise<number> {
    return (this.sizeOf ??= this.handle.stat().then((s) => s.size));
  }

  /** The bytes `[pos, pos + length)`, zero-copy when one read holds them. */
  async bytes(pos: number, length: number): Promise<Uint8Array> {
    if (!this.covers(this.start, this.window.byteLength, pos, length)) {
      // reads ahead before the one holding the range are not needed any more
      const i = this.pending.findIndex((p) => this.covers(p.pos, p.length, pos, length));
      const next = i >= 0 ? this.pending[i] : undefined;
      for (const p of this.pending.splice(0, i + 1)) {
        this.pendingBytes -= p.length;
        if (p !== next) await p.read.catch(() => undefined);
      }
      if (next) {
        this.window = await next.read;
        this.start = next.pos;
      } else {
        await this.drain();
        this.window = await this.read(pos, Math.max(length, MIN_READ));
        this.start = pos;
      }
      if (!this.covers(this.start, this.window.byteLength, pos, length)) {
        throw this.error(`bytes ${pos}..${pos + length}`, `a file of ${await this.size()} bytes (truncated?)`);
      }
    }
    return this.window.subarray(pos - this.start, pos - this.start + length);
  }

  /**
   * Starts reading `[pos, pos + length)` (at least {@link MIN_READ} bytes) unless a read
   * already holds it. Returns `false` when the reads ahead are at their budget (nothing started).
   */
  prefetch(pos: number, length: number): boolean {
    if (this.covers(this.start, this.window.byteLength, pos, length)) return true;
    if (this.pending.some((p) => this.covers(p.pos, p.length, pos, length))) return true;
    if (this.pendingBytes > 0 && this.pendingBytes + length > READ_AHEAD) return false;
    length = Math.max(length, MIN_READ);
    const read = this.read(pos, length);
    read.catch(() => undefined); // reported when awaited by bytes()
    this.pending.push({ pos, length, read });
    this.pendingBytes += length;
    return true;
  }

  /** Waits for the reads ahead and forgets them. */
  private async drain(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const p of pending) await p.read.catch(() => undefined);
  }

  /** Waits for the reads ahead (a read must not outlive the handle), then closes the file. */
  async close(): Promise<void> {
    await this.drain();
    await this.handle.close();
  }

  /** The error for data that is not what the format requires, naming the file. */
  error(expected: string, actual: string, cause?: unknown): WeirError {
    const e = new WeirError(`Invalid Arrow IPC file '${this.path}'`, { expected, actual });
    if (cause !== undefined) e.cause = cause;
    return e;
  }

  /** Whether the bytes `[start, start + held)` hold `[pos, pos + length)`. */
  private covers(start: number, held: number, pos: number, length: number): boolean {
    return pos >= start && pos + length <= start + held;
  }

  /** Reads up to `length` bytes at `pos` (fewer at the end of the file) into a fresh, not zero-filled buffer. */
  private async read(pos: number, length: number): Promise<Uint8Array> {
    length = Math.max(0, Math.min(length, (await this.size()) - pos));
    const buffer = Buffer.allocUnsafeSlow(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buffer, done, length - done, pos + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    // a plain Uint8Array (not a Buffer, whose slice() does not copy), as apache-arrow's own reads give
    return new Uint8Array(buffer.buffer, buffer.byteOffset, done);
  }
}
