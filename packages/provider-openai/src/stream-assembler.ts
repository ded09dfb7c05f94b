import type { ModelStreamPart } from '@ml-intern/core';

/** Turns the items of one SDK stream (chunks or events) into core stream parts. */
export interface StreamAssembler<Item> {
  /** Id of the response being read (`x-request-id`), attached to errors raised while reading it. */
  requestId: string | undefined;
  /** Append the parts `item` produces to `parts`; throws the provider's mid-stream failures. */
  accept(item: Item, parts: ModelStreamPart[]): void;
  /** Parts after the last item; throws a retryable error when the stream ended before the answer did. */
  end(): ModelStreamPart[];
}
