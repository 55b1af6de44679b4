// Whether the shim exports traces, and over which OTLP protocol. Tracing is on by the rule of containerd's own
// tracing plugin (checkDisabled): OTEL_SDK_DISABLED unset or false, and an OTLP endpoint set. Everything else
// (endpoint URL, headers, timeouts, certificates, compression, sampler, batch sizes, resource) is read by the
// OpenTelemetry SDK and exporters themselves, as they document it; nothing here loads them.

export type Env = Readonly<Record<string, string | undefined>>;

/** the two OTLP transports containerd itself exports over */
export type OtlpProtocol = 'http/protobuf' | 'grpc';

export type TracingDecision =
  { enabled: true; protocol: OtlpProtocol; endpoint: string } | { enabled: false; reason: string };

/** Go's strconv.ParseBool, which containerd uses for OTEL_SDK_DISABLED. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

export function tracingFromEnv(env: Env): TracingDecision {
  const disabled = env.OTEL_SDK_DISABLED;
  if (disabled !== undefined && disabled !== '') {
    const parsed = parseGoBool(disabled);
    if (parsed === undefined)
      return { enabled: false, reason: `invalid value for OTEL_SDK_DISABLED: ${disabled}` };
    if (parsed) return { enabled: false, reason: `tracing disabled by env OTEL_SDK_DISABLED=${disabled}` };
  }
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return { enabled: false, reason: 'tracing endpoint not configured' };
  const exporter = env.OTEL_TRACES_EXPORTER;
  if (exporter && exporter !== 'otlp') return { enabled: false, reason: `OTEL_TRACES_EXPORTER=${exporter}` };
  const protocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'grpc')
    return {
      enabled: false,
      reason: `OTLP protocol ${protocol} is not supported (http/protobuf or grpc, as containerd)`,
    };
  return { enabled: true, protocol, endpoint };
}
