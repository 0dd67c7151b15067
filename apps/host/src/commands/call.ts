import type { HandlerArgs, HandlerName, HandlerResult } from '@lora-studio/api';
import type { Dispatcher } from '@lora-studio/core';

/** CLI commands go through the same validated door as the UI, so both see the same errors. */
export async function callOrFail<K extends HandlerName>(d: Dispatcher, name: K, args: HandlerArgs<K>): Promise<HandlerResult<K>> {
  const res = await d.call(1, name, args);
  if (!res.ok) throw new CommandFailed(res.error.message);
  return res.result as HandlerResult<K>;
}

/** A failure the user can act on: printed without a stack trace, exit code 1. */
export class CommandFailed extends Error {
  override name = 'CommandFailed';
}
