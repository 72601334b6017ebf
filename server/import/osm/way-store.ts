// The kept ways of a PBF in a temporary file instead of the heap (issue 14 item 3), read back in file order
// by the import's one loop over them. Each way is one record: its byte length, then as varints the way id
// (zig-zag delta from the previous way's), the index of its tag set (the interned, frozen sets stay in
// memory: most ways share `building=yes`), the number of refs, and the refs as zig-zag deltas (nodes of a
// way have nearby ids, so most refs take 1–3 bytes instead of 8 as doubles). In memory only the tag sets
// and the record position of each member way of a kept relation (the multipolygon assembly looks those up
// by id).
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { osmTempPrefix } from './temp-files';
import type { Tags } from './osm-tags';

export interface OsmWay {
  id: number;
  tags: Tags;
  /** Node ids in order: a fresh array the caller owns. */
  refs: number[];
}

export interface OsmWays extends Iterable<OsmWay> {
  readonly length: number;
  /** A member way of a kept relation, by id; undefined when the file does not have it. */
  member(id: number): OsmWay | undefined;
}

const WRITE_BATCH = 1 << 20;
const READ_CHUNK = 1 << 20;

/** Zig-zag without 32-bit operators: OSM ids pass 2^31 (exact as doubles up to 2^53). */
const zig = (v: number) => (v >= 0 ? v * 2 : -v * 2 - 1);
const unzig = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** Appends varints to a growing byte buffer. */
class VarintWriter {
  buf = Buffer.allocUnsafe(64 * 1024);
  length = 0;
  uint(v: number): void {
    if (this.length + 10 > this.buf.length) {
      const next = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }
}

export class WayStore implements OsmWays {
  private readonly fd: number;
  private fileBytes = 0;
  private readonly out = new VarintWriter();
  private readonly record = new VarintWriter();
  private prevId = 0;
  private readonly tagSets: Tags[] = [];
  private readonly tagIndex = new Map<Tags, number>();
  /** Record offset and length of the member ways of kept relations. */
  private readonly members = new Map<number, [number, number]>();
  private finished = false;
  private closed = false;
  length = 0;
  /** Refs of all kept ways. */
  refs = 0;

  private constructor(private readonly dir: string, private readonly memberIds: ReadonlySet<number>) {
    this.fd = openSync(path.join(dir, 'ways.bin'), 'w+');
  }

  /** `memberIds`: ways to be found by id later (members of kept relations). The file goes in its own folder under `parent`. */
  static async create(memberIds: ReadonlySet<number>, parent = tmpdir()): Promise<WayStore> {
    return new WayStore(await mkdtemp(osmTempPrefix(parent, 'osmways')), memberIds);
  }

  /** Adds a kept way; `tags` must be an interned set (the same object for equal tags). */
  push(id: number, refs: readonly number[], tags: Tags): void {
    if (this.finished) throw new Error('WayStore.push after finish');
    let t = this.tagIndex.get(tags);
    if (t === undefined) { t = this.tagSets.length; this.tagSets.push(tags); this.tagIndex.set(tags, t); }
    const r = this.record;
    r.length = 0;
    r.uint(zig(id - this.prevId));
    r.uint(t);
    r.uint(refs.length);
    let prev = 0;
    for (const ref of refs) { r.uint(zig(ref - prev)); prev = ref; }
    const start = this.fileBytes + this.out.length;
    this.out.uint(r.length);
    const lenBytes = this.fileBytes + this.out.length - start;
    if (this.memberIds.has(id)) this.members.set(id, [start, lenBytes + r.length]);
    this.ensureOut(r.length);
    r.buf.copy(this.out.buf, this.out.length, 0, r.length);
    this.out.length += r.length;
    this.prevId = id;
    this.length++;
    this.refs += refs.length;
    if (this.out.length >= WRITE_BATCH) this.flush();
  }

  finish(): void {
    if (this.finished) return;
    this.flush();
    this.finished = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    await rm(this.dir, { recursive: true, force: true });
  }

  get bytesOnDisk(): number { return this.fileBytes + this.out.length; }

  /** Distinct tag sets of the kept ways. */
  get tagSetCount(): number { return this.tagSets.length; }

  member(id: number): OsmWay | undefined {
    const at = this.members.get(id);
    if (!at) return undefined;
    this.assertReadable();
    const buf = Buffer.allocUnsafe(at[1]);
    this.readFully(buf, at[0]);
    const reader = new RecordReader(buf);
    reader.uint(); // record length
    // Ids are stored as deltas from the previous way; the member's own id is what was asked for.
    reader.uint();
    return this.decodeRest(reader, id);
  }

  *[Symbol.iterator](): Iterator<OsmWay> {
    this.assertReadable();
    let buf = Buffer.allocUnsafe(READ_CHUNK);
    let end = 0;
    let filePos = 0;
    let pos = 0;
    let prevId = 0;
    // Keeps at least `need` unread bytes in buf (fewer only at the end of the file).
    const ensure = (need: number) => {
      if (end - pos >= need) return;
      buf.copy(buf, 0, pos, end);
      end -= pos;
      pos = 0;
      if (need > buf.length) {
        const bigger = Buffer.allocUnsafe(need * 2);
        buf.copy(bigger, 0, 0, end);
        buf = bigger;
      }
      while (end < need && filePos < this.fileBytes) {
        const n = readSync(this.fd, buf, end, Math.min(buf.length - end, this.fileBytes - filePos), filePos);
        if (n === 0) break;
        end += n;
        filePos += n;
      }
    };
    for (let k = 0; k < this.length; k++) {
      ensure(10);
      const head = new RecordReader(buf, pos);
      const len = head.uint();
      pos = head.pos;
      ensure(len);
      const reader = new RecordReader(buf, pos);
      const id = prevId + unzig(reader.uint());
      prevId = id;
      const way = this.decodeRest(reader, id);
      pos += len;
      yield way;
    }
  }

  private decodeRest(reader: RecordReader, id: number): OsmWay {
    const tags = this.tagSets[reader.uint()];
    const n = reader.uint();
    const refs = new Array<number>(n);
    let prev = 0;
    for (let i = 0; i < n; i++) { prev += unzig(reader.uint()); refs[i] = prev; }
    return { id, tags, refs };
  }

  private assertReadable(): void {
    if (!this.finished) throw new Error('WayStore read before finish');
    if (this.closed) throw new Error('WayStore read after close');
  }

  private ensureOut(extra: number): void {
    if (this.out.length + extra <= this.out.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.out.buf.length * 2, this.out.length + extra));
    this.out.buf.copy(next, 0, 0, this.out.length);
    this.out.buf = next;
  }

  private flush(): void {
    let done = 0;
    while (done < this.out.length) done += writeSync(this.fd, this.out.buf, done, this.out.length - done, this.fileBytes + done);
    this.fileBytes += this.out.length;
    this.out.length = 0;
  }

  private readFully(buf: Buffer, at: number): void {
    let got = 0;
    while (got < buf.length) {
      const n = readSync(this.fd, buf, got, buf.length - got, at + got);
      if (n === 0) throw new Error('way store: record is truncated');
      got += n;
    }
  }
}

class RecordReader {
  constructor(private readonly buf: Buffer, public pos = 0) {}
  uint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
  }
}
