// The busybox test image as an OCI image-layout tar, built in-process (no registry, no docker) and cached under
// .cache/image/. `ctr images import` reads it on every containerd version the tests use.
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { busyboxRootfs, cacheDir } from './rootfs.ts';
import { tarEntries, type TarEntry } from './tar.ts';

export const imageRef = 'docker.io/tsshim/busybox:latest';

const imageDir = join(cacheDir, 'image');
const imagePath = join(imageDir, 'busybox-oci.tar');

const MEDIA_INDEX = 'application/vnd.oci.image.index.v1+json';
const MEDIA_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MEDIA_CONFIG = 'application/vnd.oci.image.config.v1+json';
const MEDIA_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

interface Blob {
  digest: string;
  size: number;
  data: Buffer;
}

function blob(data: Buffer): Blob {
  return { digest: `sha256:${createHash('sha256').update(data).digest('hex')}`, size: data.length, data };
}

function jsonBlob(value: unknown): Blob {
  return blob(Buffer.from(JSON.stringify(value)));
}

/** Every entry under dir, parents before children, in a stable order. */
function* walk(dir: string, rel = ''): Generator<TarEntry> {
  for (const name of readdirSync(dir).sort()) {
    const abs = join(dir, name);
    const path = rel ? `${rel}/${name}` : name;
    const st = lstatSync(abs);
    const mode = st.mode & 0o7777;
    if (st.isSymbolicLink()) yield { type: 'symlink', path, target: readlinkSync(abs) };
    else if (st.isDirectory()) {
      yield { type: 'dir', path, mode };
      yield* walk(abs, path);
    } else if (st.isFile()) yield { type: 'file', path, data: readFileSync(abs), mode };
  }
}

function buildImageTar(): Buffer {
  const layerTar = tarEntries(walk(busyboxRootfs()));
  const layer = blob(gzipSync(layerTar));
  const diffId = `sha256:${createHash('sha256').update(layerTar).digest('hex')}`;
  const config = jsonBlob({
    architecture: 'amd64',
    os: 'linux',
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['sh'],
      WorkingDir: '/',
    },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created_by: 'tsshim test/helpers/image.ts' }],
  });
  const manifest = jsonBlob({
    schemaVersion: 2,
    mediaType: MEDIA_MANIFEST,
    config: { mediaType: MEDIA_CONFIG, digest: config.digest, size: config.size },
    layers: [{ mediaType: MEDIA_LAYER, digest: layer.digest, size: layer.size }],
  });
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_INDEX,
    manifests: [
      {
        mediaType: MEDIA_MANIFEST,
        digest: manifest.digest,
        size: manifest.size,
        platform: { architecture: 'amd64', os: 'linux' },
        // containerd's importer takes io.containerd.image.name as is; the OCI ref name alone would be
        // rewritten by ctr's default "import-<date>" prefix translator and dropped.
        annotations: { 'io.containerd.image.name': imageRef, 'org.opencontainers.image.ref.name': imageRef },
      },
    ],
  };
  const blobs = [layer, config, manifest];
  return tarEntries([
    { type: 'file', path: 'oci-layout', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { type: 'file', path: 'index.json', data: Buffer.from(JSON.stringify(index)) },
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
    ...blobs.map((b): TarEntry => ({
      type: 'file',
      path: `blobs/sha256/${b.digest.slice(7)}`,
      data: b.data,
    })),
  ]);
}

/** Path of the busybox OCI image tar (named `imageRef`), built on first use. */
export async function imageTar(): Promise<string> {
  if (existsSync(imagePath)) return imagePath;
  mkdirSync(imageDir, { recursive: true });
  const tmp = `${imagePath}.tmp.${process.pid}`;
  writeFileSync(tmp, buildImageTar());
  renameSync(tmp, imagePath);
  return imagePath;
}
