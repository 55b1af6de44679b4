// A recording span: collects what the API calls give it and hands itself, once ended, to the processor.
import {
  SpanStatusCode,
  type Attributes,
  type AttributeValue,
  type Exception,
  type Link,
  type Span,
  type SpanAttributes,
  type SpanAttributeValue,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import { toNs } from './time.ts';

export interface SpanEvent {
  name: string;
  timeNs: bigint;
  attributes: Attributes;
}

export interface Scope {
  name: string;
  version?: string;
}

/** What the exporter sees of an ended span. */
export interface FinishedSpan {
  name: string;
  kind: SpanKind;
  spanContext: SpanContext;
  parentSpanId: string | undefined;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  events: SpanEvent[];
  links: Link[];
  status: SpanStatus;
  scope: Scope;
}

export interface SpanSink {
  onEnd(span: FinishedSpan): void;
}

const MAX_ATTRIBUTES = 128;
const MAX_EVENTS = 128;

function isTimeInput(value: unknown): value is TimeInput {
  return typeof value === 'number' || value instanceof Date || Array.isArray(value);
}

export class RecordingSpan implements Span {
  private readonly attributes: Attributes = {};
  private readonly events: SpanEvent[] = [];
  private readonly links: Link[];
  private status: SpanStatus = { code: SpanStatusCode.UNSET };
  private readonly startNs: bigint;
  private ended = false;

  constructor(
    private name: string,
    private readonly context: SpanContext,
    private readonly kind: SpanKind,
    private readonly parentSpanId: string | undefined,
    private readonly scope: Scope,
    private readonly sink: SpanSink,
    options: { attributes?: SpanAttributes; links?: Link[]; startTime?: TimeInput },
  ) {
    this.startNs = toNs(options.startTime);
    this.links = [...(options.links ?? [])];
    if (options.attributes) this.setAttributes(options.attributes);
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: SpanAttributeValue): this {
    if (this.ended || value === undefined || value === null) return this;
    if (!(key in this.attributes) && Object.keys(this.attributes).length >= MAX_ATTRIBUTES) return this;
    this.attributes[key] = value as AttributeValue;
    return this;
  }

  setAttributes(attributes: SpanAttributes): this {
    for (const [k, v] of Object.entries(attributes)) if (v !== undefined) this.setAttribute(k, v);
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: SpanAttributes | TimeInput, startTime?: TimeInput): this {
    if (this.ended || this.events.length >= MAX_EVENTS) return this;
    const attributes = isTimeInput(attributesOrStartTime) ? {} : (attributesOrStartTime ?? {});
    const time = isTimeInput(attributesOrStartTime) ? attributesOrStartTime : startTime;
    this.events.push({ name, timeNs: toNs(time), attributes: { ...attributes } as Attributes });
    return this;
  }

  addLink(link: Link): this {
    if (!this.ended) this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const l of links) this.addLink(l);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (!this.ended) this.status = { ...status };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    const endNs = toNs(endTime);
    this.sink.onEnd({
      name: this.name,
      kind: this.kind,
      spanContext: this.context,
      parentSpanId: this.parentSpanId,
      startNs: this.startNs,
      endNs: endNs < this.startNs ? this.startNs : endNs,
      attributes: this.attributes,
      events: this.events,
      links: this.links,
      status: this.status,
      scope: this.scope,
    });
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: SpanAttributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else {
      if (exception.name) attributes['exception.type'] = exception.name;
      else if (exception.code !== undefined) attributes['exception.type'] = String(exception.code);
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    this.addEvent('exception', attributes, time);
  }
}
