// Wire constants of the ttrpc protocol (reference: ttrpc-protocol.md §2).

export const HEADER_LENGTH = 10;

/** Largest data length (header excluded) either side accepts; Go rejects anything strictly greater. */
export const MESSAGE_LENGTH_MAX = 4 << 20;

export const MessageType = {
  Request: 0x01,
  Response: 0x02,
  Data: 0x03,
} as const;

export const Flags = {
  RemoteClosed: 0x01,
  RemoteOpen: 0x02,
  NoData: 0x04,
} as const;

/** Go's wording, kept identical because peers and logs compare it. */
export function oversizeMessage(length: number): string {
  return `message length ${length} exceed maximum message size of ${MESSAGE_LENGTH_MAX}`;
}
