-- mark_outbox_sent marks the outbox rows ids[i] sent with wamids[i] at ats[i], one after the other,
-- as MarkSent describes, and returns for each row it changed its place in the arrays (from 1) and
-- whether the contact has another message waiting. It first takes the lock of each wamid
-- (lock_outbound_wamids, which status webhooks call too; the locks' first key is 7261), so that a
-- status written at the same time is not missed.
CREATE PROCEDURE lock_outbound_wamids(wamids text[]) LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7261, k)
	FROM (SELECT DISTINCT hashtext(w) AS k FROM unnest(wamids) AS w ORDER BY 1) AS ordered;
END
$$;

CREATE FUNCTION mark_outbox_sent(ids bigint[], wamids text[], ats timestamptz[])
RETURNS TABLE (n integer, has_next boolean) LANGUAGE plpgsql AS $$
DECLARE
	sent_contact text;
	sent_seq bigint;
BEGIN
	CALL lock_outbound_wamids(wamids);
	FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
		UPDATE outbox SET provider_wamid = wamids[i], sent_at = ats[i], status_at = ats[i], lease_until = NULL, is_open = FALSE,
			status = st.rank, error_code = st.code, error_title = st.title, error_details = st.details
		FROM (
			SELECT COALESCE(MAX(rank), 2) AS rank, MAX(error_code) FILTER (WHERE rank = 5) AS code,
				MAX(error_title) FILTER (WHERE rank = 5) AS title, MAX(error_details) FILTER (WHERE rank = 5) AS details
			FROM statuses WHERE wamid = wamids[i] AND rank >= 2
		) st
		WHERE outbox.id = ids[i] AND outbox.status = 1
		RETURNING outbox.contact_id, outbox.seq INTO sent_contact, sent_seq;
		IF FOUND THEN
			n := i;
			has_next := EXISTS (SELECT 1 FROM outbox o WHERE o.contact_id = sent_contact AND o.seq > sent_seq AND o.is_open);
			RETURN NEXT;
		END IF;
	END LOOP;
END
$$;
