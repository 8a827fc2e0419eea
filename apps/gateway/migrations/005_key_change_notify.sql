-- Every committed change to a key's row, but for its last use, is announced on keygate_key with the keyId:
-- replicas that keep key rows for exchanges (keys/row-cache.ts) forget it. One trigger, so that no write
-- path can forget to tell them; NOTIFY is sent at commit, and not at all on rollback.
CREATE FUNCTION keygate_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('keygate_key', OLD.key_id);
  ELSIF (to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at') THEN
    PERFORM pg_notify('keygate_key', NEW.key_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE ON api_keys FOR EACH ROW EXECUTE FUNCTION keygate_key_changed();
