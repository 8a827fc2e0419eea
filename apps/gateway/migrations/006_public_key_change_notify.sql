-- A keypair key's public keys are part of what replicas keep for its exchanges (keys/row-cache.ts): every
-- committed change to them (a rotation's next key, the end it gives the others, an edit in SQL) is
-- announced on keygate_key with the keyId, as a change to the key's own row is (migration 005).
CREATE FUNCTION keygate_public_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('keygate_key', CASE WHEN TG_OP = 'DELETE' THEN OLD.key_id ELSE NEW.key_id END);
  RETURN NULL;
END
$$;
CREATE TRIGGER key_public_keys_changed AFTER INSERT OR UPDATE OR DELETE ON key_public_keys FOR EACH ROW EXECUTE FUNCTION keygate_public_key_changed();
