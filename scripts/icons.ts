/** Draws the app and tray icons (a cloud with a padlock) as PNGs into build/icons/, with no image tools needed. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];

function crc32(data: Buffer): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** Encodes an RGBA image as PNG. */
function png(size: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x, y);
      const offset = y * (size * 4 + 1) + 1 + x * 4;
      rows[offset] = r;
      rows[offset + 1] = g;
      rows[offset + 2] = b;
      rows[offset + 3] = a;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8;
  header[9] = 6;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** Coverage of the icon shapes at unit coordinates (0..1): background tile, cloud, padlock. */
function shade(u: number, v: number): Rgba {
  const inside = (cx: number, cy: number, r: number): boolean => (u - cx) ** 2 + (v - cy) ** 2 <= r * r;
  const corner = 0.18;
  const dx = Math.max(corner - u, u - (1 - corner), 0);
  const dy = Math.max(corner - v, v - (1 - corner), 0);
  if (dx * dx + dy * dy > corner * corner) return [0, 0, 0, 0];
  const lockBody = u > 0.38 && u < 0.62 && v > 0.5 && v < 0.7;
  const shackle = inside(0.5, 0.5, 0.09) && !inside(0.5, 0.5, 0.055) && v < 0.5;
  if (lockBody || shackle) return [18, 92, 200, 255];
  const cloud = inside(0.36, 0.56, 0.16) || inside(0.55, 0.46, 0.2) || inside(0.7, 0.6, 0.13) || (u > 0.3 && u < 0.75 && v > 0.56 && v < 0.73);
  if (cloud) return [255, 255, 255, 255];
  const t = v;
  return [Math.round(30 + 20 * t), Math.round(120 + 40 * t), Math.round(230 - 30 * t), 255];
}

function render(size: number): Buffer {
  const samples = 4;
  return png(size, (x, y) => {
    const sum = [0, 0, 0, 0];
    for (let sy = 0; sy < samples; sy++) {
      for (let sx = 0; sx < samples; sx++) {
        const color = shade((x + (sx + 0.5) / samples) / size, (y + (sy + 0.5) / samples) / size);
        for (let i = 0; i < 4; i++) sum[i]! += color[i]!;
      }
    }
    return sum.map((value) => Math.round(value / (samples * samples))) as Rgba;
  });
}

mkdirSync('build/icons', { recursive: true });
for (const size of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(`build/icons/${size}x${size}.png`, render(size));
writeFileSync('build/icons/icon.png', render(512));
writeFileSync('build/icons/tray.png', render(32));
console.log('icons written to build/icons/');
