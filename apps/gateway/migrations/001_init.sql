-- keygate schema: API keys (hashes only), signing keys (private part encrypted), audit log, revocations.

CREATE TABLE api_keys (
  key_id          text PRIMARY KEY,
  prefix          text NOT NULL,
  environment     text NOT NULL,
  last4           text NOT NULL,
  secret_hash     text NOT NULL,
  owner           text NOT NULL,
  name            text NOT NULL,
  scopes          text[] NOT NULL DEFAULT '{}',
  audiences       text[] NOT NULL DEFAULT '{}',
  ip_allowlist    inet[] NOT NULL DEFAULT '{}',
  metadata        jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz,
  disabled_at     timestamptz,
  revoked_at      timestamptz,
  revoked_reason  text,
  last_used_at    timestamptz,
  rotated_from    text REFERENCES api_keys (key_id),
  -- Monotonic insertion order for stable cursor pagination.
  seq             bigserial UNIQUE
);
CREATE INDEX api_keys_owner_idx ON api_keys (owner, seq);

CREATE TABLE signing_keys (
  kid             text PRIMARY KEY,
  alg             text NOT NULL,
  public_jwk      jsonb NOT NULL,
  -- AES-256-GCM under the master key, AAD = kid: iv (12) || tag (16) || ciphertext of the PKCS#8 DER.
  private_key_enc bytea NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- Published in JWKS from created_at; signs from activates_at; leaves JWKS at retires_at.
  activates_at    timestamptz NOT NULL DEFAULT now(),
  retires_at      timestamptz
);

CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  action      text NOT NULL,
  target      text,
  reason      text,
  client_ip   text,
  user_agent  text,
  request_id  text,
  details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_target_idx ON audit_log (target, id);

-- Revocations that outstanding tokens must honour: by key, by token (jti) or by owner.
CREATE TABLE revocations (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('key', 'token', 'owner')),
  subject     text NOT NULL,
  revoked_at  timestamptz NOT NULL DEFAULT now(),
  -- No token issued before revoked_at outlives this: the entry can be pruned after it.
  expires_at  timestamptz NOT NULL
);
CREATE INDEX revocations_expires_idx ON revocations (expires_at);

-- Transactional outbox: written with the revocation, relayed to Redis, never lost.
CREATE TABLE revocation_outbox (
  seq           bigserial PRIMARY KEY,
  revocation_id bigint NOT NULL REFERENCES revocations (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz,
  -- The sequence number the relay gave it in the Redis stream (for propagation reports).
  published_seq bigint
);
CREATE INDEX revocation_outbox_pending_idx ON revocation_outbox (seq) WHERE published_at IS NULL;
