-- Keypair keys: the gateway keeps public keys only, the caller signs an assertion (RFC 7523, private_key_jwt).

ALTER TABLE api_keys ADD COLUMN credential text NOT NULL DEFAULT 'secret' CHECK (credential IN ('secret', 'keypair'));
ALTER TABLE api_keys ALTER COLUMN secret_hash DROP NOT NULL;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_credential_hash_check CHECK ((credential = 'secret') = (secret_hash IS NOT NULL));

-- A keypair key's public keys; a rotation adds the next one and gives the others an end (the grace period).
CREATE TABLE key_public_keys (
  key_id      text NOT NULL REFERENCES api_keys (key_id) ON DELETE CASCADE,
  thumbprint  text NOT NULL,
  alg         text NOT NULL CHECK (alg IN ('EdDSA', 'ES256')),
  jwk         jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  PRIMARY KEY (key_id, thumbprint)
);

-- Assertions seen, until they expire: a jti is single-use at every replica (when Redis cannot answer).
CREATE TABLE client_assertion_jtis (
  key_id      text NOT NULL,
  jti         text NOT NULL,
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (key_id, jti)
);
CREATE INDEX client_assertion_jtis_expires_idx ON client_assertion_jtis (expires_at);
