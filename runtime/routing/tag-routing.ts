/**
 * Tag routing (LiteLLM's tag_filtering): deployments may carry `tags`; a request's tags (its
 * `metadata.tags`, or the `x-gw-tags` header for clients that cannot set metadata) select the
 * deployments that carry one of them.
 *
 * - A route none of whose deployments has tags is not filtered (no work at all).
 * - A tagged request goes to the deployments carrying one of its tags; when none does, to the
 *   deployments tagged "default"; when there are none either, the model cannot serve it (null).
 * - An untagged request goes to the deployments tagged "default" when there are any, else to
 *   every deployment.
 *
 * The narrowed route keeps the deployments' relative weights (route-endpoints.ts narrowRoute);
 * views are cached per route and tag set.
 */
import type { RuntimeRoute } from "../start/plan.ts";
import { narrowRoute } from "./route-endpoints.ts";

export const defaultTag = "default";
/** Header for clients that cannot send `metadata.tags`: comma-separated tags. */
export const tagsHeader = "x-gw-tags";

const tagged = new WeakMap<RuntimeRoute, boolean>();
const views = new WeakMap<RuntimeRoute, Map<string, RuntimeRoute | null>>();
const maxViewsPerRoute = 256;

/** Whether any deployment of the route has tags (else tag routing does nothing). */
export function routeHasTags(route: RuntimeRoute): boolean {
  let known = tagged.get(route);
  if (known === undefined) {
    known = route.deployments.some((target) => target.tags !== undefined && target.tags.size > 0);
    tagged.set(route, known);
  }
  return known;
}

/** The string tags of a request's `metadata.tags` (LiteLLM's convention); null when it has none. */
export function metadataTags(body: object): string[] | null {
  const metadata = (body as { metadata?: unknown }).metadata;
  const tags = typeof metadata === "object" && metadata !== null ? (metadata as { tags?: unknown }).tags : undefined;
  if (!Array.isArray(tags) || tags.length === 0) return null;
  const strings = tags.filter((tag): tag is string => typeof tag === "string");
  return strings.length === 0 ? null : strings;
}

/** The request's routing tags: `metadata.tags` strings, plus the header's. */
export function requestRoutingTags(body: object, headers: Headers): readonly string[] {
  const fromBody = metadataTags(body);
  const header = headers.get(tagsHeader);
  if (fromBody === null && header === null) return [];
  const tags = new Set<string>();
  if (fromBody !== null) for (const tag of fromBody) if (tag !== "") tags.add(tag);
  if (header !== null) for (const tag of header.split(",")) if (tag.trim() !== "") tags.add(tag.trim());
  return [...tags];
}

/** The route narrowed to the deployments the request's tags select; null when none may serve it. */
export function routeForTags(route: RuntimeRoute, tags: readonly string[]): RuntimeRoute | null {
  if (!routeHasTags(route)) return route;
  const key = tags.length === 0 ? "" : [...tags].sort().join("\u0000");
  let cache = views.get(route);
  if (cache === undefined) {
    cache = new Map();
    views.set(route, cache);
  }
  if (cache.has(key)) return cache.get(key) ?? null;
  const indexesWith = (wanted: (tag: string) => boolean): number[] => {
    const indexes: number[] = [];
    route.deployments.forEach((target, index) => {
      if (target.tags !== undefined && [...target.tags].some(wanted)) indexes.push(index);
    });
    return indexes;
  };
  const defaults = indexesWith((tag) => tag === defaultTag);
  let indexes: number[];
  if (tags.length > 0) {
    const matching = indexesWith((tag) => tags.includes(tag));
    indexes = matching.length > 0 ? matching : defaults;
  } else {
    indexes = defaults.length > 0 ? defaults : route.deployments.map((_, index) => index);
  }
  const view = narrowRoute(route, indexes);
  if (cache.size >= maxViewsPerRoute) cache.clear();
  cache.set(key, view);
  return view;
}
