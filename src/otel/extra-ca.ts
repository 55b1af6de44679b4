// bin/containerd-shim-tsshim-v2 takes NODE_EXTRA_CA_CERTS away from Node (which would parse the file at every
// shim start) and passes the path on as TSSHIM_NODE_EXTRA_CA_CERTS: the exporters, the shim's only TLS clients,
// get that file added to Node's CAs here, as Node would have done. An OTEL_EXPORTER_OTLP_*CERTIFICATE the
// operator set replaces the CAs altogether (the exporters read it themselves): the file is then left out.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { Env } from './config.ts';

let extraCa: string[] | undefined;

/** Node's CAs plus the file the launcher took out of NODE_EXTRA_CA_CERTS; undefined when there is none, for
 *  Node's defaults. */
export function certificateAuthorities(env: Env = process.env): string[] | undefined {
  const file = env.TSSHIM_NODE_EXTRA_CA_CERTS;
  if (!file) return undefined;
  if (!extraCa) {
    try {
      extraCa = [...rootCertificates, readFileSync(file, 'utf8')];
    } catch {
      // as Node does with a NODE_EXTRA_CA_CERTS it cannot read: carry on with its own CAs
      extraCa = [...rootCertificates];
    }
  }
  return extraCa;
}

/** OTEL_EXPORTER_OTLP_TRACES_<name> or else OTEL_EXPORTER_OTLP_<name>, as the exporters pick them */
function otlpVariable(env: Env, name: string): string | undefined {
  return (
    env[`OTEL_EXPORTER_OTLP_TRACES_${name}`]?.trim() || env[`OTEL_EXPORTER_OTLP_${name}`]?.trim() || undefined
  );
}

function readOptional(path: string | undefined): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(resolve(path));
  } catch {
    return undefined; // the exporter warns about it through diag when it reads the same variable
  }
}

export interface ExporterTls {
  ca: string[];
  /** the client certificate chain and key (mutual TLS), which the exporter's own TLS options would have held */
  cert?: Buffer;
  key?: Buffer;
}

/** TLS options to hand the exporter in place of its own, or undefined to let it read the environment alone. */
export function exporterTls(env: Env = process.env): ExporterTls | undefined {
  if (otlpVariable(env, 'CERTIFICATE')) return undefined;
  const ca = certificateAuthorities(env);
  if (!ca) return undefined;
  const cert = readOptional(otlpVariable(env, 'CLIENT_CERTIFICATE'));
  const key = readOptional(otlpVariable(env, 'CLIENT_KEY'));
  return { ca, ...(cert && key ? { cert, key } : {}) };
}

/** Whether the grpc exporter speaks TLS, by its own rule: an https:// endpoint does, an http:// one does not, and
 *  one without a scheme does unless OTEL_EXPORTER_OTLP_(TRACES_)INSECURE is true. */
export function grpcUsesTls(env: Env = process.env): boolean {
  const url = otlpVariable(env, 'ENDPOINT') ?? '';
  if (url.startsWith('https://')) return true;
  if (url.startsWith('http://')) return false;
  return otlpVariable(env, 'INSECURE')?.toLowerCase() !== 'true';
}
