// When and how the shim exports traces, from the standard OTEL_* variables. Tracing is on by the rule of
// containerd's own tracing plugin (checkDisabled): OTEL_SDK_DISABLED unset or false, and an OTLP endpoint set.
// Nothing here loads exporter code: setup.ts imports the SDK only for an enabled config.

export type Env = Readonly<Record<string, string | undefined>>;

export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface BatchConfig {
  scheduleDelayMs: number;
  exportTimeoutMs: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
}

export interface TracingConfig {
  /** OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces */
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  sampler: { name: SamplerName; ratio: number };
  batch: BatchConfig;
}

export type TracingDecision = { enabled: true; config: TracingConfig } | { enabled: false; reason: string };

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

/** Go's strconv.ParseBool, which containerd uses for OTEL_SDK_DISABLED. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** `k1=v1,k2=v2` with percent-encoded values (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES). */
export function parseKeyValueList(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (value ?? '').split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const key = item.slice(0, eq).trim();
    try {
      out[key] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      out[key] = item.slice(eq + 1).trim();
    }
  }
  return out;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
}

function withScheme(endpoint: string): string {
  return endpoint.includes('://') ? endpoint : `http://${endpoint}`;
}

/** The signal-specific endpoint is used as is; the generic one gets /v1/traces appended (OTLP exporter spec). */
export function tracesUrl(env: Env): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (traces) return withScheme(traces);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) return undefined;
  return `${withScheme(base).replace(/\/+$/, '')}/v1/traces`;
}

export function tracingFromEnv(env: Env): TracingDecision {
  const disabled = env.OTEL_SDK_DISABLED;
  if (disabled !== undefined && disabled !== '') {
    const parsed = parseGoBool(disabled);
    if (parsed === undefined)
      return { enabled: false, reason: `invalid value for OTEL_SDK_DISABLED: ${disabled}` };
    if (parsed) return { enabled: false, reason: `tracing disabled by env OTEL_SDK_DISABLED=${disabled}` };
  }
  const url = tracesUrl(env);
  if (!url) return { enabled: false, reason: 'tracing endpoint not configured' };
  const exporter = env.OTEL_TRACES_EXPORTER;
  if (exporter && exporter !== 'otlp') return { enabled: false, reason: `OTEL_TRACES_EXPORTER=${exporter}` };
  const protocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (protocol !== 'http/protobuf')
    return { enabled: false, reason: `OTLP protocol ${protocol} is not supported (only http/protobuf)` };

  const resourceAttributes = parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES);
  const samplerName = (env.OTEL_TRACES_SAMPLER || 'parentbased_always_on') as SamplerName;
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  return {
    enabled: true,
    config: {
      url,
      headers: {
        ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS),
        ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
      },
      timeoutMs: positiveInt(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT || env.OTEL_EXPORTER_OTLP_TIMEOUT, 10_000),
      serviceName: env.OTEL_SERVICE_NAME || resourceAttributes['service.name'] || 'unknown_service:node',
      resourceAttributes,
      sampler: {
        name: SAMPLERS.includes(samplerName) ? samplerName : 'parentbased_always_on',
        ratio: Number.isFinite(ratio) ? Math.min(Math.max(ratio, 0), 1) : 1,
      },
      batch: {
        scheduleDelayMs: positiveInt(env.OTEL_BSP_SCHEDULE_DELAY, 5_000),
        exportTimeoutMs: positiveInt(env.OTEL_BSP_EXPORT_TIMEOUT, 30_000),
        maxQueueSize: positiveInt(env.OTEL_BSP_MAX_QUEUE_SIZE, 2_048),
        maxExportBatchSize: positiveInt(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512),
      },
    },
  };
}
