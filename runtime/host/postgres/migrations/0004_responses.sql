-- Stored Responses API responses (config `responses: { store: true }`), shared by every replica on
-- the database so previous_response_id and GET /v1/responses/{id} work on whichever one a request
-- reaches. The conversation is kept whole in each row (StoredResponse.items).
CREATE TABLE IF NOT EXISTS responses (
  id text PRIMARY KEY,
  owner text NOT NULL,
  response jsonb NOT NULL,
  items jsonb NOT NULL,
  stored_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_expires_at ON responses (expires_at);
