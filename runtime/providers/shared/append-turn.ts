/**
 * Builds a conversation for providers whose user and assistant turns must alternate (Anthropic
 * Messages, Bedrock Converse): blocks of the same role as the last turn join that turn, in
 * order; a role change opens a new turn; no blocks, no turn (an empty turn is rejected upstream).
 */
export function appendTurn<Role extends string, Block>(turns: Array<{ role: Role; content: Block[] }>, role: Role, blocks: Block[]): void {
  if (blocks.length === 0) return;
  const last = turns[turns.length - 1];
  if (last && last.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}
