-- The Redis stream incarnation (epoch) each outbox row was published to: with published_seq, what Redis
-- must still hold. A Redis that holds less (a demoted primary, a replica missing the last writes, an old
-- dump) lost writes, and the relay rebuilds the stream under a new epoch.
ALTER TABLE revocation_outbox ADD COLUMN published_epoch text;
CREATE INDEX revocation_outbox_epoch_idx ON revocation_outbox (published_epoch) WHERE published_epoch IS NOT NULL;
-- The epoch last published to, found at once on every poll.
CREATE INDEX revocation_outbox_published_at_idx ON revocation_outbox (published_at DESC) WHERE published_epoch IS NOT NULL;
