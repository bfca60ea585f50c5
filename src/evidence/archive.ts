import { createHash } from "node:crypto";
import { once } from "node:events";
import { createGunzip, createGzip } from "node:zlib";
import * as tar from "tar-stream";

/** A failure to read or trust a bundle, carrying the exact reason shown to the user. */
export class BundleRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "BundleRejected";
  }
}

export interface ArchiveMember {
  name: string;
  /** The member's bytes, in one piece or several; packed as given, never copied. */
  chunks: readonly Uint8Array[];
}

/** A member as read from an archive: its digest and its bytes. */
export interface ExtractedMember {
  /** SHA-256 (hex) of the member's bytes. */
  digest: string;
  size: number;
  /** The bytes in the pieces decompression gave, not joined, so reading copies nothing. */
  chunks: Buffer[];
}

export interface ExtractLimits {
  /** Largest size of one member, in bytes. */
  maxMemberBytes: number;
  /** Largest decompressed size of the whole tar stream, in bytes: the gzip-bomb cap. */
  maxTotalBytes: number;
  /** Largest number of members. */
  maxMembers: number;
}

/**
 * Default caps, an estimate sized for the snapshot of a large estate (a few hundred thousand
 * resources) with room to spare. The members a caller keeps are held in memory, so the total cap
 * also bounds memory use.
 */
export const DEFAULT_LIMITS: ExtractLimits = {
  maxMemberBytes: 256 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxMembers: 10_000,
};

/** gzip header byte 9: the operating system. Fixed so the bytes do not depend on the host. */
const GZIP_OS_UNIX = 3;

/** Output pieces of decompression: larger than zlib's 16 KiB default, for fewer stream steps. */
const GUNZIP_CHUNK_BYTES = 256 * 1024;

/**
 * Packs members into a deterministic .tar.gz: entries sorted by name, regular files only, mode
 * 0644, uid/gid 0, no owner names and one fixed mtime. The gzip header has mtime 0 and no file name.
 * The tar stream is compressed as it is made, so the archive exists only compressed.
 * NOTE: the bytes repeat only on the same zlib build. Another zlib version may compress
 * differently, which changes the archive digest but never the member digests.
 */
export async function packArchive(members: ArchiveMember[], mtime: Date): Promise<Buffer> {
  const sorted = [...members].sort(compareNames);
  const pack = tar.pack();
  const compressed = gzipAll(pack as AsyncIterable<Uint8Array>);
  // A failed compression ends the pack, so no entry waits for a reader that is gone.
  compressed.catch((error: unknown) => pack.destroy(error as Error));

  for (const member of sorted) {
    const size = member.chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    await new Promise<void>((resolve, reject) => {
      const header = { name: member.name, type: "file" as const, mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", mtime, size };
      const done = (error?: Error | null): void => (error ? reject(error) : resolve());
      if (member.chunks.length <= 1) {
        pack.entry(header, member.chunks[0] ?? new Uint8Array(0), done);
        return;
      }
      const entry = pack.entry(header, done);
      for (const chunk of member.chunks.slice(0, -1)) entry.write(chunk);
      entry.end(member.chunks.at(-1));
    });
  }
  pack.finalize();

  const gzipped = await compressed;
  gzipped[9] = GZIP_OS_UNIX;
  return gzipped;
}

/** Compresses a stream at level 9 and returns the output in one buffer. */
async function gzipAll(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const output: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => output.push(chunk));
  const ended = once(gzip, "end");
  for await (const chunk of source) {
    if (!gzip.write(chunk)) await once(gzip, "drain");
  }
  gzip.end();
  await ended;
  return Buffer.concat(output);
}

/** Orders by UTF-16 code units, the same order on every locale. */
function compareNames(a: ArchiveMember, b: ArchiveMember): number {
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}

/**
 * Reads a .tar.gz held in memory as a stream, never touching the file system. Each member is
 * hashed as it is decompressed. Rejects anything a bundle never contains: links, devices,
 * directories, absolute or `..` paths, duplicate names, oversized members, a decompressed stream
 * over the cap, and truncated data.
 */
export async function extractArchive(bytes: Uint8Array, limits: ExtractLimits = DEFAULT_LIMITS): Promise<Map<string, ExtractedMember>> {
  const extract = tar.extract();
  const members = new Map<string, ExtractedMember>();
  const done = readEntries(extract, members, limits);
  gunzipInto(bytes, extract, limits.maxTotalBytes);
  await done;
  return members;
}

/**
 * Decompresses into the tar reader. A gzip failure or the size cap ends it with the reason.
 * NOTE: the tar reader parses while the data arrives, so a gzip bomb of zeros costs the parse of
 * up to `maxTotalBytes` of empty tar blocks before the cap rejects it (1.5 s for 512 MiB, measured
 * on one core of an AMD EPYC), though no memory.
 */
function gunzipInto(bytes: Uint8Array, extract: tar.Extract, maxTotalBytes: number): void {
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  let total = 0;
  gunzip.on("data", (chunk: Buffer) => {
    total += chunk.length;
    if (total > maxTotalBytes) {
      gunzip.destroy();
      extract.destroy(new BundleRejected(`the archive decompresses to more than ${maxTotalBytes} bytes`));
    } else if (!extract.write(chunk)) {
      gunzip.pause();
    }
  });
  extract.on("drain", () => gunzip.resume());
  gunzip.on("end", () => endStream(extract));
  gunzip.on("error", (error: NodeJS.ErrnoException) => {
    const reason = error.code === "Z_BUF_ERROR" ? "the archive is truncated (gzip stream ends early)" : `the archive is not valid gzip: ${error.message}`;
    extract.destroy(new BundleRejected(reason));
  });
  gunzip.end(bytes);
}

async function readEntries(extract: tar.Extract, members: Map<string, ExtractedMember>, limits: ExtractLimits): Promise<void> {
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      checkMemberName(name);
      if (type !== "file" && type !== "contiguous-file") {
        throw new BundleRejected(`member ${name} is a ${type ?? "special entry"}; only regular files are allowed`);
      }
      if (members.has(name)) throw new BundleRejected(`member ${name} appears more than once`);
      if (members.size >= limits.maxMembers) throw new BundleRejected(`the archive has more than ${limits.maxMembers} members`);
      if ((entry.header.size ?? 0) > limits.maxMemberBytes) {
        throw new BundleRejected(`member ${name} is larger than ${limits.maxMemberBytes} bytes`);
      }

      const hash = createHash("sha256");
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const piece of entry) {
        const chunk = piece as Buffer;
        hash.update(chunk);
        size += chunk.length;
        chunks.push(chunk);
      }
      members.set(name, { digest: hash.digest("hex"), size, chunks });
    }
  } catch (error) {
    extract.destroy();
    if (error instanceof BundleRejected) throw error;
    throw new BundleRejected(`the archive is truncated or not a valid tar: ${(error as Error).message}`);
  }
}

/** Ends a streamx stream; its types require a last chunk, which `end` does not need. */
function endStream(stream: { end(data?: unknown): unknown }): void {
  stream.end();
}

/** Rejects names that could escape an extraction folder or be read differently on another OS. */
export function checkMemberName(name: string): void {
  const quoted = JSON.stringify(name);
  if (name === "") throw new BundleRejected("a member has an empty name");
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) throw new BundleRejected(`member ${quoted} has an absolute path`);
  if (name.includes("\\")) throw new BundleRejected(`member ${quoted} contains a backslash`);
  if (/[\u0000-\u001f]/.test(name)) throw new BundleRejected(`member ${quoted} contains a control character`);
  const segments = name.split("/");
  if (segments.includes("..")) throw new BundleRejected(`member ${quoted} has a path outside the bundle ("..")`);
  if (segments.some((segment) => segment === "" || segment === ".")) {
    throw new BundleRejected(`member ${quoted} is not a normalized relative path`);
  }
}
