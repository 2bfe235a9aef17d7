/**
 * Rate limits count per calendar minute (runtime/limits/rate-limit-rules.ts): a test whose
 * requests must all fall into one window waits for the next minute when fewer than `neededMs`
 * are left of this one.
 */
export async function withinOneMinute(neededMs: number): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 60_000 - neededMs) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
}
