import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** A TCP socket a process listens on, as the kernel reports it. */
export interface ListeningSocket {
  address: string;
  port: number;
}

/**
 * The TCP sockets process `pid` listens on, read from /proc (Linux): its file descriptors' socket
 * inodes matched against the LISTEN entries of /proc/<pid>/net/tcp and tcp6.
 */
export function listeningSockets(pid: number): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // The descriptor closed while we read the directory.
    }
  }
  const sockets: ListeningSocket[] = [];
  for (const table of ['tcp', 'tcp6'] as const) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is fields[1], st fields[3] (0A = LISTEN), inode fields[9].
      if (fields.length < 10 || fields[3] !== '0A' || !inodes.has(fields[9]!)) continue;
      const [hexAddress, hexPort] = fields[1]!.split(':') as [string, string];
      sockets.push({ address: table === 'tcp' ? ipv4(hexAddress) : ipv6(hexAddress), port: parseInt(hexPort, 16) });
    }
  }
  return sockets;
}

/** /proc writes addresses as 32-bit words in host (little-endian) byte order. */
function wordBytes(hex: string): number[] {
  return [6, 4, 2, 0].map((offset) => parseInt(hex.slice(offset, offset + 2), 16));
}

function ipv4(hex: string): string {
  return wordBytes(hex).join('.');
}

function ipv6(hex: string): string {
  const bytes = [0, 8, 16, 24].flatMap((offset) => wordBytes(hex.slice(offset, offset + 8)));
  const groups: string[] = [];
  for (let index = 0; index < 16; index += 2) groups.push(((bytes[index]! << 8) | bytes[index + 1]!).toString(16));
  // The URL parser writes an IPv6 address in its shortest form.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
