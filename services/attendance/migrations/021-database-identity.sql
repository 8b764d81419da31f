-- Which database this is (issue 18): a random id made once per database. Every attendance replica
-- shows it in /ready; a portal with several replicas refuses to be ready when they show different
-- ids (replicas each on their own embedded PostgreSQL would let one ticket enter twice).
CREATE TABLE IF NOT EXISTS database_identity (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  id uuid NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO database_identity DEFAULT VALUES ON CONFLICT DO NOTHING;
