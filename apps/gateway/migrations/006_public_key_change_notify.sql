-- A keypair key's public keys are part of what replicas keep for its exchanges (keys/row-cache.ts): every
-- committed change to them (a rotation's next key, the end it gives the others, an edit in SQL) is
-- announced on keygate_key with the keyId, as a change to the key's own row is (migration 005). A row
-- moved to another keyId is announced under both; a TRUNCATE of either table, which fires no row trigger,
-- as '*': every kept row is forgotten.
CREATE OR REPLACE FUNCTION keygate_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('keygate_key', OLD.key_id);
  ELSIF (to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at') THEN
    PERFORM pg_notify('keygate_key', NEW.key_id);
    IF OLD.key_id IS DISTINCT FROM NEW.key_id THEN
      PERFORM pg_notify('keygate_key', OLD.key_id);
    END IF;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION keygate_public_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    PERFORM pg_notify('keygate_key', NEW.key_id);
  END IF;
  IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.key_id IS DISTINCT FROM NEW.key_id) THEN
    PERFORM pg_notify('keygate_key', OLD.key_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER key_public_keys_changed AFTER INSERT OR UPDATE OR DELETE ON key_public_keys FOR EACH ROW EXECUTE FUNCTION keygate_public_key_changed();

CREATE FUNCTION keygate_keys_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('keygate_key', '*');
  RETURN NULL;
END
$$;
CREATE TRIGGER api_keys_truncated AFTER TRUNCATE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION keygate_keys_truncated();
CREATE TRIGGER key_public_keys_truncated AFTER TRUNCATE ON key_public_keys FOR EACH STATEMENT EXECUTE FUNCTION keygate_keys_truncated();
