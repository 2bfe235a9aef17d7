/**
 * LiteLLM's `mock_response`, where the config allows it (`allowMockResponses`, for tests): the
 * request goes to one in-process `mock` deployment that answers with the given text (streamed
 * when asked), instead of the model's deployments. Everything else is as for any request: auth,
 * the caller's model access, limits and budgets, the log line and a spend record (price 0, the
 * deployment "mock_response"). Never sent upstream.
 */
import { mock } from "../providers/mock/index.ts";
import type { RuntimeRoute } from "../start/plan.ts";

export const mockResponseDeploymentId = "mock_response";

const views = new WeakMap<RuntimeRoute, RuntimeRoute>();

/** The route answered by the mock alone: no retries, no fallbacks. */
export function mockResponseRoute(route: RuntimeRoute): RuntimeRoute {
  let view = views.get(route);
  if (view === undefined) {
    view = {
      name: route.name,
      wildcardPrefix: route.wildcardPrefix,
      deployments: [
        {
          deployment: {
            id: mockResponseDeploymentId,
            provider: "mock",
            model: route.name,
            baseUrl: mock.defaultBaseUrl,
            apiKey: null,
            secrets: {},
            headers: {},
            options: {},
            timeoutMs: 60_000,
            price: null,
            priceProvider: null,
          },
          adapter: mock,
          price: null,
          extraHeaders: null,
          authorizer: null,
        },
      ],
      cumulativeWeights: [1],
      fallbacks: [],
      retry: { attempts: 0, initialBackoffMs: 0, maxBackoffMs: 0 },
    };
    views.set(route, view);
  }
  return view;
}
