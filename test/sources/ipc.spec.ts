import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Data,
  Dictionary,
  Field,
  Float64,
  Int32,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Table,
  TimestampNanosecond,
  Utf8,
  type Vector,
  makeData,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import { readIPC } from '../../src/sources/ipc';
import { WeirError } from '../../src/errors';
import { replay } from '../../src/time/replay';

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'weir-ipc-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = new Schema(
  [
    new Field('ts', new TimestampNanosecond(), false),
    new Field('sym', new Dictionary(new Utf8(), new Int32(), 0), true),
    new Field('px', new Float64(), true),
    new Field('qty', new Int32(), true),
  ],
  new Map([['source', 'test']]),
);

/** A batch of `n` rows from row `from`: every 3rd px null, every 5th sym null, sym codes into `dictionary`. */
function makeBatch(from: number, n: number, dictionary: Vector<Utf8>): RecordBatch {
  const ts = BigInt64Array.from({ length: n }, (_, i) => BigInt(from + i) * 1_000_000n);
  const codes = Int32Array.from({ length: n }, (_, i) => (from + i) % dictionary.length);
  const symValid = Array.from({ length: n }, (_, i) => (from + i) % 5 !== 0);
  const px = Array.from({ length: n }, (_, i) => ((from + i) % 3 === 0 ? null : (from + i) / 4));
  const children = [
    makeData({ type: new TimestampNanosecond(), length: n, data: ts }),
    makeData({ type: schema.fields[1].type as Dictionary<Utf8, Int32>, length: n, data: codes, dictionary, nullBitmap: bitmap(symValid) }),
    vectorFromArray(px, new Float64()).data[0],
    makeData({ type: new Int32(), length: n, data: Int32Array.from({ length: n }, (_, i) => from + i) }),
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, children }) as Data<Struct>);
}

function bitmap(valid: boolean[]): Uint8Array {
  const bits = new Uint8Array((valid.length + 7) >> 3);
  valid.forEach((v, i) => v && (bits[i >> 3] |= 1 << (i & 7)));
  return bits;
}

const words = (...xs: string[]) => vectorFromArray(xs, new Utf8());

function write(name: string, batches: RecordBatch[], format: 'file' | 'stream', s = schema): string {
  const writer = format === 'file' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
  writer.reset(undefined, s);
  for (const b of batches) writer.write(b);
  writer.finish();
  const path = join(dir, name);
  writeFileSync(path, writer.toUint8Array(true));
  return path;
}

async function collect(path: string): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of readIPC(path)) out.push(b);
  return out;
}

/** Every batch equal to apache-arrow's reading of the whole file: schema, values, nulls, dictionaries and their sharing. */
async function expectSameAsArrow(path: string): Promise<RecordBatch[]> {
  const ours = await collect(path);
  const ref = tableFromIPC(readFileSync(path)).batches;
  expect(ours.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const [a, e] = [ours[i], ref[i]];
    expect(a.schema.fields.map(String)).toEqual(e.schema.fields.map(String));
    expect(a.schema.fields.map((f) => f.nullable)).toEqual(e.schema.fields.map((f) => f.nullable));
    expect(a.schema.metadata).toEqual(e.schema.metadata);
    expect(a.numRows).toBe(e.numRows);
    for (let j = 0; j < e.numCols; j++) {
      const [x, y] = [a.data.children[j], e.data.children[j]];
      expect(x.nullCount).toBe(y.nullCount);
      for (const key of ['values', 'valueOffsets', 'nullBitmap'] as const) expect(bytes(x[key]).equals(bytes(y[key])), key).toBe(true);
      if (e.numRows < 1000) expect([...a.getChildAt(j)!]).toEqual([...e.getChildAt(j)!]);
      if (y.dictionary) {
        expect([...x.dictionary!]).toEqual([...y.dictionary]);
        expect(x.dictionary!.data.length).toBe(y.dictionary.data.length); // delta chunks
        // shared with the previous batch exactly when apache-arrow's is
        if (i > 0) expect(x.dictionary === ours[i - 1].data.children[j].dictionary).toBe(y.dictionary === ref[i - 1].data.children[j].dictionary);
      }
    }
  }
  return ours;
}

const bytes = (a: ArrayBufferView | undefined) => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : Buffer.alloc(0));

/** The files this process holds open, by path. */
async function openFiles(): Promise<string[]> {
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((t) => t.startsWith(dir));
}

describe('readIPC', () => {
  const abc = words('a', 'b', 'c');
  const batches = [makeBatch(0, 10, abc), makeBatch(10, 7, abc), makeBatch(17, 1, abc)];

  it.each(['file', 'stream'] as const)('reads every batch of the %s format as apache-arrow does (shared dictionary, nulls)', async (format) => {
    const ours = await expectSameAsArrow(write(`three.${format}`, batches, format));
    expect(ours.map((b) => b.numRows)).toEqual([10, 7, 1]);
    expect(ours[1].data.children[1].dictionary).toBe(ours[0].data.children[1].dictionary);
    expect(ours[0].data.children[2].nullCount).toBe(4);
    expect(ours[2].getChild('qty')!.get(0)).toBe(17);
  });

  it.each(['file', 'stream'] as const)('applies delta dictionaries (%s)', async (format) => {
    const grown = abc.concat(words('d', 'e'));
    const ours = await expectSameAsArrow(write(`delta.${format}`, [makeBatch(0, 6, abc), makeBatch(6, 9, grown), makeBatch(15, 4, grown)], format));
    expect([...ours[2].data.children[1].dictionary!]).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(ours[2].getChild('sym')!.get(1)).toBe('b'); // row 16: code 16 % 5 = 1
  });

  it('applies replacement dictionaries in streams', async () => {
    const ours = await expectSameAsArrow(write('replace.arrows', [makeBatch(0, 4, abc), makeBatch(4, 4, words('x', 'y'))], 'stream'));
    expect([...ours[1].getChild('sym')!]).toEqual(['x', null, 'x', 'y']); // rows 4..7: codes i % 2, row 5 null
  });

  it('reads many batches across reads (larger than one read, with read-ahead)', async () => {
    const dict = words(...Array.from({ length: 300 }, (_, i) => `s${i}`));
    const many = Array.from({ length: 6 }, (_, k) => makeBatch(k * 45_000, 45_000, dict)); // > 1 MB each
    for (const format of ['file', 'stream'] as const) {
      const ours = await expectSameAsArrow(write(`many.${format}`, many, format));
      expect(ours.reduce((n, b) => n + b.numRows, 0)).toBe(270_000);
    }
  });

  it('reads batches of very different sizes (reads ahead that miss)', async () => {
    const dict = words('u', 'v', 'w', 'x');
    const mixed = [makeBatch(0, 10, dict), makeBatch(10, 60_000, dict), makeBatch(60_010, 3, dict), makeBatch(60_013, 90_000, dict), makeBatch(150_013, 1, dict)];
    for (const format of ['file', 'stream'] as const) {
      expect((await expectSameAsArrow(write(`mixed.${format}`, mixed, format))).map((b) => b.numRows)).toEqual([10, 60_000, 3, 90_000, 1]);
    }
  });

  it('reads streams in the legacy (pre-0.15) message format', async () => {
    const writer = new RecordBatchStreamWriter({ writeLegacyIpcFormat: true });
    const path = join(dir, 'legacy.arrows');
    writeFileSync(path, writer.writeAll(batches).toUint8Array(true));
    expect(readFileSync(path).readInt32LE(0)).toBeGreaterThan(0); // no continuation marker
    expect((await expectSameAsArrow(path)).length).toBe(3);
  });

  it('reads many small batches in one read', async () => {
    const small = Array.from({ length: 50 }, (_, k) => makeBatch(k * 3, 3, abc));
    for (const format of ['file', 'stream'] as const) expect((await expectSameAsArrow(write(`small.${format}`, small, format))).length).toBe(50);
  });

  it.each(['file', 'stream'] as const)('yields one empty batch for a schema without batches (%s), as apache-arrow', async (format) => {
    const ours = await expectSameAsArrow(write(`empty.${format}`, [], format));
    expect(ours).toHaveLength(1);
    expect(ours[0].numRows).toBe(0);
    expect(ours[0].schema.fields.map((f) => f.name)).toEqual(['ts', 'sym', 'px', 'qty']);
  });

  it('reads files written by tableToIPC', async () => {
    const t = new Table([makeBatch(0, 5, words('p', 'q'))]);
    for (const format of ['file', 'stream'] as const) {
      const path = join(dir, `t2i.${format}`);
      writeFileSync(path, tableToIPC(t, format));
      await expectSameAsArrow(path);
    }
  });

  it('closes the file on completion, on early return and on error', async () => {
    const path = write('close.arrow', batches, 'file');
    await collect(path);
    expect(await openFiles()).toEqual([]);

    const it = readIPC(path);
    expect(((await it.next()).value as RecordBatch).numRows).toBe(10);
    expect(await openFiles()).toEqual([path]);
    await it.return();
    expect(await openFiles()).toEqual([]);

    for await (const b of readIPC(path)) if (b.numRows) break; // a for-await break calls return()
    expect(await openFiles()).toEqual([]);

    // stopped while a read ahead is in flight
    const big = write('close-big.arrows', Array.from({ length: 4 }, (_, k) => makeBatch(k * 50_000, 50_000, abc)), 'stream');
    const it2 = readIPC(big);
    await it2.next();
    await it2.return();
    expect(await openFiles()).toEqual([]);

    const bad = join(dir, 'close-bad.arrow');
    writeFileSync(bad, readFileSync(path).subarray(0, 200));
    await expect(collect(bad)).rejects.toThrow(WeirError);
    expect(await openFiles()).toEqual([]);
  });

  it('stops reading when a replay stops early (end) and closes the file', async () => {
    const path = write('replay.arrow', batches, 'file');
    const out = await replay(({ a }) => a, { a: path }, { end: 5n * 1_000_000n });
    expect(out.numRows).toBe(5);
    expect(await openFiles()).toEqual([]);
  });

  it('names the path in a clear error for truncated, corrupted and empty files', async () => {
    const whole = readFileSync(write('ok.arrow', batches, 'file'));
    const stream = readFileSync(write('ok.arrows', batches, 'stream'));
    const cases: [string, Uint8Array][] = [
      ['truncated.arrow', whole.subarray(0, whole.length - 100)],
      ['truncated.arrows', stream.subarray(0, stream.length - 100)],
      ['garbage.arrow', Uint8Array.from(whole, (b, i) => (i > 8 && i < whole.length - 16 ? (b * 31 + i) & 255 : b))],
      ['zero.arrows', new Uint8Array(0)],
      ['text.arrows', new TextEncoder().encode('not arrow at all, just some text')],
    ];
    for (const [name, bytes] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const error = await collect(path).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(WeirError);
      expect((error as Error).message).toContain(path);
    }
    expect(await openFiles()).toEqual([]);
  });

  it('passes file system errors through (missing file)', async () => {
    await expect(collect(join(dir, 'missing.arrow'))).rejects.toThrow(/ENOENT/);
  });
});
