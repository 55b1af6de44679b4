import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeHeader,
  decodeRequest,
  decodeResponse,
  encodeFrame,
  encodeRequest,
  encodeResponse,
  HEADER_LENGTH,
  MessageType,
} from '../../../src/ttrpc/index.ts';
import { loadCapturedFrames } from './fixtures/captures.ts';
import { PROTOCOL_VECTORS } from './fixtures/protocol-vectors.ts';
import { hex } from './helpers.ts';

/** Decodes a frame down to its envelope and encodes it back. */
function reencode(frame: Buffer): string {
  const header = decodeHeader(frame);
  const data = frame.subarray(HEADER_LENGTH);
  assert.equal(header.length, data.length, 'length field matches the data');
  let body: Uint8Array = data;
  if (header.type === MessageType.Request) body = encodeRequest(decodeRequest(data));
  if (header.type === MessageType.Response) body = encodeResponse(decodeResponse(data));
  return hex(encodeFrame(header.streamId, header.type, header.flags, body));
}

describe('byte-exact round trip', () => {
  const captured = loadCapturedFrames();

  test('the capture file yields the frames it shows', () => {
    assert.ok(captured.length >= 70, `parsed only ${captured.length} frames`);
  });

  for (const frame of captured) {
    test(`capture line ${frame.line} re-encodes to the same bytes`, () => {
      assert.equal(reencode(frame.bytes), hex(frame.bytes));
    });
  }

  for (const vector of PROTOCOL_VECTORS) {
    test(`§11 ${vector.name} re-encodes to the same bytes`, () => {
      assert.equal(reencode(Buffer.from(vector.hex, 'hex')), vector.hex);
    });
  }
});

describe('encoding from values matches Go', () => {
  const TASK = 'containerd.task.v2.Task';
  const STATE_ABC = Buffer.from('0a03616263', 'hex');
  const vector = (prefix: string): string => PROTOCOL_VECTORS.find((v) => v.name.startsWith(prefix))!.hex;
  const request = (overrides: Partial<Parameters<typeof encodeRequest>[0]>): string =>
    hex(
      encodeFrame(
        1,
        MessageType.Request,
        0,
        encodeRequest({
          service: TASK,
          method: 'State',
          payload: STATE_ABC,
          timeoutNano: 0,
          metadata: [],
          ...overrides,
        }),
      ),
    );

  test('a plain request omits timeout and metadata (§11.1)', () => {
    assert.equal(request({}), vector('11.1'));
  });

  test('metadata is one KeyValue per value (§11.3)', () => {
    const metadata = [{ key: 'containerd-namespace-ttrpc', value: 'default' }];
    assert.equal(request({ metadata }), vector('11.3 State request with containerd'));
  });

  test('timeout_nano is a varint int64 (§11.3)', () => {
    assert.equal(request({ timeoutNano: 2_000_000_000 }), vector('11.3 State request with timeout'));
  });

  test('a negative timeout_nano survives a round trip', () => {
    assert.equal(
      decodeRequest(
        encodeRequest({
          service: 's',
          method: 'm',
          payload: new Uint8Array(0),
          timeoutNano: -5,
          metadata: [],
        }),
      ).timeoutNano,
      -5,
    );
  });

  test('an error response is the status alone (§11.2)', () => {
    const data = encodeResponse({
      status: { code: 5, message: 'not found', details: [] },
      payload: new Uint8Array(0),
    });
    assert.equal(hex(encodeFrame(1, MessageType.Response, 0, data)), vector('11.2'));
  });

  test('an empty success is a zero-length frame', () => {
    assert.equal(encodeResponse({ payload: new Uint8Array(0) }).length, 0);
  });

  test('a success response is the payload alone', () => {
    const data = encodeResponse({ payload: Buffer.from('0a03616263182a2002', 'hex') });
    assert.equal(hex(encodeFrame(1, MessageType.Response, 0, data)), vector('11.3 StateResponse'));
  });

  test('empty strings and empty KeyValue parts are not written', () => {
    const data = encodeRequest({
      service: '',
      method: '',
      payload: new Uint8Array(0),
      timeoutNano: 0,
      metadata: [{ key: 'k', value: '' }],
    });
    assert.equal(hex(data), '2a030a016b');
  });
});

describe('decoding', () => {
  test('accepts unknown fields and explicitly encoded defaults', () => {
    // field 6 (unknown), then service "" and timeout 0 written explicitly
    const request = decodeRequest(Buffer.from('32016b0a00200012016d', 'hex'));
    assert.deepEqual(request, {
      service: '',
      method: 'm',
      payload: new Uint8Array(0),
      timeoutNano: 0,
      metadata: [],
    });
  });

  test('rejects invalid UTF-8 in a string field', () => {
    assert.throws(() => decodeRequest(Buffer.from('0a02ff61', 'hex')), /string field contains invalid UTF-8/);
  });

  test('rejects invalid wire-format data', () => {
    assert.throws(
      () => decodeRequest(Buffer.from('0a7f61', 'hex')),
      /proto: cannot parse invalid wire-format data/,
    );
  });

  test('a response without status and payload is an empty success', () => {
    const response = decodeResponse(new Uint8Array(0));
    assert.equal(response.status, undefined);
    assert.equal(response.payload.length, 0);
  });

  test('status details are decoded', () => {
    const data = encodeResponse({
      status: {
        code: 3,
        message: 'bad',
        details: [{ typeUrl: 'type.googleapis.com/x', value: Buffer.from([1, 2]) }],
      },
      payload: new Uint8Array(0),
    });
    const { status } = decodeResponse(data);
    assert.equal(status?.details[0]?.typeUrl, 'type.googleapis.com/x');
    assert.deepEqual([...(status?.details[0]?.value ?? [])], [1, 2]);
  });
});

test('a truncated string in a Response is an error, not a silently shortened message', () => {
  assert.throws(() => decodeResponse(Buffer.from('0a0412096e6f', 'hex')), /proto: cannot parse/);
});

test('field number 0 is invalid wire data, as in Go', () => {
  assert.throws(() => decodeRequest(new Uint8Array(16)), /proto: cannot parse invalid wire-format data/);
});
