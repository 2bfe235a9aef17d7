/**
 * Fallback chains. Configured chains name direct fallbacks only; the compiled route
 * carries the whole transitive chain so the runtime never walks the graph per request.
 */

export type FallbackGraph = Readonly<Record<string, readonly string[]>>;

/** Own entries only: model names such as "constructor" must not reach Object.prototype. */
function edgesOf(graph: FallbackGraph, model: string): readonly string[] {
  return Object.hasOwn(graph, model) ? graph[model]! : [];
}

/**
 * The transitive fallbacks of `model`, depth-first in configured order, deduplicated
 * (first occurrence wins), never containing `model` itself. Safe on cyclic graphs.
 * Example: { a: [b, c], b: [d] } gives a -> [b, d, c].
 */
export function resolveFallbacks(model: string, graph: FallbackGraph): string[] {
  const chain: string[] = [];
  const seen = new Set<string>([model]);
  const visit = (from: string): void => {
    for (const next of edgesOf(graph, from)) {
      if (seen.has(next)) continue;
      seen.add(next);
      chain.push(next);
      visit(next);
    }
  };
  visit(model);
  return chain;
}

export interface FallbackCycle {
  /** The models in the cycle, starting and ending with the same model: ["a", "b", "a"]. */
  models: string[];
}

/**
 * Every distinct cycle reachable by depth-first search (one per back edge), each rotated
 * to start at the model configured first, in a stable order.
 */
export function findFallbackCycles(graph: FallbackGraph): FallbackCycle[] {
  const order = Object.keys(graph);
  const rank = (model: string): number => {
    const index = order.indexOf(model);
    return index === -1 ? Infinity : index;
  };
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const cycles: FallbackCycle[] = [];
  const seenCycles = new Set<string>();

  const visit = (model: string): void => {
    state.set(model, "active");
    stack.push(model);
    for (const next of edgesOf(graph, model)) {
      const nextState = state.get(next);
      if (nextState === "active") {
        const members = stack.slice(stack.indexOf(next));
        let start = 0;
        members.forEach((member, index) => {
          if (rank(member) < rank(members[start]!)) start = index;
        });
        const rotated = [...members.slice(start), ...members.slice(0, start)];
        const identity = rotated.join("\u0000");
        if (!seenCycles.has(identity)) {
          seenCycles.add(identity);
          cycles.push({ models: [...rotated, rotated[0]!] });
        }
      } else if (nextState === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(model, "done");
  };
  for (const model of order) if (!state.has(model)) visit(model);
  return cycles;
}
