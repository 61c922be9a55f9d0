-- case_tally counts the cases (grievances and service requests) by
-- integration, day lodged (UTC), kind, category, status, PIN prefix (first
-- three digits, the sorting district) and day due (UTC, '' for none), so
-- the cases report reads a few rows a day instead of every case. A trigger
-- keeps it in the transaction of every write to grievances: an upsert per
-- insert (and a decrement per delete), a decrement and an upsert when a
-- counted column changes; the upserts' row locks make concurrent writers
-- add up. Rows at zero stay.
CREATE TABLE case_tally (
	integration_id text NOT NULL,
	day            text NOT NULL,
	kind           text NOT NULL,
	category       text NOT NULL,
	status         text NOT NULL,
	pin            text NOT NULL,
	due_day        text NOT NULL,
	n              bigint NOT NULL,
	PRIMARY KEY (integration_id, day, kind, category, status, pin, due_day)
);

CREATE FUNCTION case_tally_add(g grievances, d bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO case_tally (integration_id, day, kind, category, status, pin, due_day, n)
	VALUES (g.integration_id, to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), g.kind, g.category, g.status,
		left(g.pin_code, 3), coalesce(to_char(g.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ''), d)
	ON CONFLICT (integration_id, day, kind, category, status, pin, due_day) DO UPDATE SET n = case_tally.n + d;
END
$$;

-- A move takes its two rows' locks in the order of their keys, so that
-- two moves the opposite way do not deadlock.
CREATE FUNCTION case_tally_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	o text;
	n text;
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM case_tally_add(NEW, 1);
		RETURN NULL;
	END IF;
	IF TG_OP = 'DELETE' THEN
		PERFORM case_tally_add(OLD, -1);
		RETURN NULL;
	END IF;
	o := concat_ws(chr(31), OLD.integration_id, to_char(OLD.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), OLD.kind,
		OLD.category, OLD.status, left(OLD.pin_code, 3), coalesce(to_char(OLD.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ''));
	n := concat_ws(chr(31), NEW.integration_id, to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), NEW.kind,
		NEW.category, NEW.status, left(NEW.pin_code, 3), coalesce(to_char(NEW.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ''));
	IF o = n THEN
		RETURN NULL;
	END IF;
	IF o COLLATE "C" < n COLLATE "C" THEN
		PERFORM case_tally_add(OLD, -1);
		PERFORM case_tally_add(NEW, 1);
	ELSE
		PERFORM case_tally_add(NEW, 1);
		PERFORM case_tally_add(OLD, -1);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER grievances_tally AFTER INSERT OR UPDATE OR DELETE ON grievances
	FOR EACH ROW EXECUTE FUNCTION case_tally_count();

INSERT INTO case_tally (integration_id, day, kind, category, status, pin, due_day, n)
SELECT integration_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), kind, category, status, left(pin_code, 3),
	coalesce(to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ''), count(*)
FROM grievances GROUP BY 1, 2, 3, 4, 5, 6, 7;
