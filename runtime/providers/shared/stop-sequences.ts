/**
 * The client's `stop` (one string or a list of up to four) as the list providers take; undefined
 * when there is none to send (absent, null, or an empty list).
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-stop
 */
export function readStopSequences(stop: string | string[] | null | undefined): string[] | undefined {
  if (typeof stop === "string") return [stop];
  if (Array.isArray(stop) && stop.length > 0) return stop;
  return undefined;
}
