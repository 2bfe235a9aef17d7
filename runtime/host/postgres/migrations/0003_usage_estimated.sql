-- Whether gw counted a request's tokens itself because the upstream did not report them (a stream
-- cut short by the client, the upstream or a shutdown): its cost is an estimate.
ALTER TABLE spend_ledger ADD COLUMN usage_estimated boolean NOT NULL DEFAULT false;
