import { gunzipSync, gzipSync } from "node:zlib";
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
  data: Uint8Array;
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
 * resources) with room to spare. The whole archive is held in memory, so the total cap also bounds memory use.
 */
export const DEFAULT_LIMITS: ExtractLimits = {
  maxMemberBytes: 256 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxMembers: 10_000,
};

/** gzip header byte 9: the operating system. Fixed so the bytes do not depend on the host. */
const GZIP_OS_UNIX = 3;

/**
 * Packs members into a deterministic .tar.gz: entries sorted by name, regular files only, mode
 * 0644, uid/gid 0, no owner names and one fixed mtime. The gzip header has mtime 0 and no file name.
 * NOTE: the bytes repeat only on the same zlib build. Another zlib version may compress
 * differently, which changes the archive digest but never the member digests.
 */
export async function packArchive(members: ArchiveMember[], mtime: Date): Promise<Buffer> {
  const sorted = [...members].sort(compareNames);
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();

  for (const member of sorted) {
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        { name: member.name, type: "file", mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", mtime, size: member.data.length },
        Buffer.from(member.data),
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }
  pack.finalize();
  await collected;

  const gzipped = gzipSync(Buffer.concat(chunks), { level: 9 });
  gzipped[9] = GZIP_OS_UNIX;
  return gzipped;
}

/** Orders by UTF-16 code units, the same order on every locale. */
function compareNames(a: ArchiveMember, b: ArchiveMember): number {
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}

/**
 * Reads a .tar.gz entirely in memory, never touching the file system, and rejects anything a
 * bundle never contains: links, devices, directories, absolute or `..` paths, duplicate names,
 * oversized members, a decompressed stream over the cap, and truncated data.
 */
export async function extractArchive(bytes: Uint8Array, limits: ExtractLimits = DEFAULT_LIMITS): Promise<Map<string, Buffer>> {
  const tarBytes = gunzip(bytes, limits.maxTotalBytes);
  const members = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = readEntries(extract, members, limits);
  extract.end(tarBytes);
  await done;
  return members;
}

function gunzip(bytes: Uint8Array, maxTotalBytes: number): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxTotalBytes });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError) {
      throw new BundleRejected(`the archive decompresses to more than ${maxTotalBytes} bytes`);
    }
    if (code === "Z_BUF_ERROR") throw new BundleRejected("the archive is truncated (gzip stream ends early)");
    throw new BundleRejected(`the archive is not valid gzip: ${(error as Error).message}`);
  }
}

async function readEntries(extract: tar.Extract, members: Map<string, Buffer>, limits: ExtractLimits): Promise<void> {
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

      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
      members.set(name, Buffer.concat(chunks));
    }
  } catch (error) {
    if (error instanceof BundleRejected) {
      extract.destroy();
      throw error;
    }
    throw new BundleRejected(`the archive is truncated or not a valid tar: ${(error as Error).message}`);
  }
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
