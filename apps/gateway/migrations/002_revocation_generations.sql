-- Revocation without races: a key's policy generation, revocations by generation, signing-key revocation.

-- Raised by disable and by narrowing scopes or audiences; a token carries the generation it was minted at.
ALTER TABLE api_keys ADD COLUMN generation integer NOT NULL DEFAULT 1;
CREATE INDEX api_keys_rotated_from_idx ON api_keys (rotated_from) WHERE rotated_from IS NOT NULL;

-- For kind 'key': tokens of the key whose generation is below this are void (2^53 - 1: every token).
ALTER TABLE revocations ADD COLUMN generation bigint NOT NULL DEFAULT 0;
ALTER TABLE revocations DROP CONSTRAINT revocations_kind_check;

-- Owner revocations become one final revocation per key the owner had then, published anew.
WITH converted AS (
  INSERT INTO revocations (kind, subject, revoked_at, expires_at, generation)
  SELECT 'key', k.key_id, r.revoked_at, r.expires_at, 9007199254740991
  FROM revocations r JOIN api_keys k ON k.owner = r.subject AND k.created_at <= r.revoked_at
  WHERE r.kind = 'owner' AND r.expires_at > now()
  RETURNING id
)
INSERT INTO revocation_outbox (revocation_id) SELECT id FROM converted;
DELETE FROM revocations WHERE kind = 'owner';

-- Key revocations made by time: a revoked key voids every token; a disable voids the tokens minted
-- before this migration (they carry no generation, read as 0).
UPDATE revocations r SET generation = CASE WHEN k.revoked_at IS NOT NULL THEN 9007199254740991 ELSE 1 END
FROM api_keys k WHERE r.kind = 'key' AND k.key_id = r.subject;
UPDATE revocations SET generation = 9007199254740991 WHERE kind = 'key' AND generation = 0;

ALTER TABLE revocations ADD CONSTRAINT revocations_kind_check CHECK (kind IN ('key', 'token', 'signing-key'));

-- A revoked signing key leaves the JWKS at once, and its tokens are void everywhere.
ALTER TABLE signing_keys ADD COLUMN revoked_at timestamptz;
-- When a key's retirement went out on the revocation stream: verifiers that still cache it refuse it then.
ALTER TABLE signing_keys ADD COLUMN retirement_announced_at timestamptz;
