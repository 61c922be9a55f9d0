-- case_tally counts the cases (grievances and service requests) by
-- integration, day lodged (UTC), kind, category, status, PIN prefix (first
-- three digits, the sorting district) and day due (UTC, '' for none), so
-- the cases report reads a few rows a day instead of every case. A trigger
-- keeps it in the transaction of every write to grievances: an upsert per
-- insert, a decrement and an upsert when a counted column changes; the row
-- locks of the upsert make concurrent writers add up. Rows at zero stay.
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

CREATE FUNCTION case_tally_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.integration_id = NEW.integration_id AND OLD.created_at = NEW.created_at
		AND OLD.kind = NEW.kind AND OLD.category = NEW.category AND OLD.status = NEW.status
		AND left(OLD.pin_code, 3) = left(NEW.pin_code, 3)
		AND to_char(OLD.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') IS NOT DISTINCT FROM to_char(NEW.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') THEN
		RETURN NULL;
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		UPDATE case_tally SET n = n - 1
		WHERE integration_id = OLD.integration_id AND day = to_char(OLD.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
			AND kind = OLD.kind AND category = OLD.category AND status = OLD.status AND pin = left(OLD.pin_code, 3)
			AND due_day = coalesce(to_char(OLD.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '');
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') THEN
		INSERT INTO case_tally (integration_id, day, kind, category, status, pin, due_day, n)
		VALUES (NEW.integration_id, to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), NEW.kind, NEW.category,
			NEW.status, left(NEW.pin_code, 3), coalesce(to_char(NEW.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ''), 1)
		ON CONFLICT (integration_id, day, kind, category, status, pin, due_day) DO UPDATE SET n = case_tally.n + 1;
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
