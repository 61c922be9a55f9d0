-- case_tally counts the cases (grievances and service requests) by
-- integration, day lodged (UTC), kind, category, status, PIN prefix (first
-- three digits, the sorting district) and day due (UTC, '' for none), so
-- the cases report reads a few rows a day instead of every case. Triggers
-- keep it in the transaction of every write to grievances. Rows at zero
-- stay. Times are INTEGER microseconds.
CREATE TABLE case_tally (
	integration_id text NOT NULL,
	day            text NOT NULL,
	kind           text NOT NULL,
	category       text NOT NULL,
	status         text NOT NULL,
	pin            text NOT NULL,
	due_day        text NOT NULL,
	n              INTEGER NOT NULL,
	PRIMARY KEY (integration_id, day, kind, category, status, pin, due_day)
);

CREATE TRIGGER grievances_tally_insert AFTER INSERT ON grievances BEGIN
	INSERT INTO case_tally (integration_id, day, kind, category, status, pin, due_day, n)
	VALUES (NEW.integration_id, date(NEW.created_at / 1000000, 'unixepoch'), NEW.kind, NEW.category, NEW.status,
		substr(NEW.pin_code, 1, 3), coalesce(date(NEW.due_at / 1000000, 'unixepoch'), ''), 1)
	ON CONFLICT (integration_id, day, kind, category, status, pin, due_day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER grievances_tally_delete AFTER DELETE ON grievances BEGIN
	UPDATE case_tally SET n = n - 1
	WHERE integration_id = OLD.integration_id AND day = date(OLD.created_at / 1000000, 'unixepoch')
		AND kind = OLD.kind AND category = OLD.category AND status = OLD.status AND pin = substr(OLD.pin_code, 1, 3)
		AND due_day = coalesce(date(OLD.due_at / 1000000, 'unixepoch'), '');
END;

CREATE TRIGGER grievances_tally_update AFTER UPDATE ON grievances
WHEN NOT (OLD.integration_id = NEW.integration_id AND OLD.created_at = NEW.created_at
	AND OLD.kind = NEW.kind AND OLD.category = NEW.category AND OLD.status = NEW.status
	AND substr(OLD.pin_code, 1, 3) = substr(NEW.pin_code, 1, 3)
	AND date(OLD.due_at / 1000000, 'unixepoch') IS date(NEW.due_at / 1000000, 'unixepoch'))
BEGIN
	UPDATE case_tally SET n = n - 1
	WHERE integration_id = OLD.integration_id AND day = date(OLD.created_at / 1000000, 'unixepoch')
		AND kind = OLD.kind AND category = OLD.category AND status = OLD.status AND pin = substr(OLD.pin_code, 1, 3)
		AND due_day = coalesce(date(OLD.due_at / 1000000, 'unixepoch'), '');
	INSERT INTO case_tally (integration_id, day, kind, category, status, pin, due_day, n)
	VALUES (NEW.integration_id, date(NEW.created_at / 1000000, 'unixepoch'), NEW.kind, NEW.category, NEW.status,
		substr(NEW.pin_code, 1, 3), coalesce(date(NEW.due_at / 1000000, 'unixepoch'), ''), 1)
	ON CONFLICT (integration_id, day, kind, category, status, pin, due_day) DO UPDATE SET n = n + 1;
END;

INSERT INTO case_tally (integration_id, day, kind, category, status, pin, due_day, n)
SELECT integration_id, date(created_at / 1000000, 'unixepoch'), kind, category, status, substr(pin_code, 1, 3),
	coalesce(date(due_at / 1000000, 'unixepoch'), ''), count(*)
FROM grievances GROUP BY 1, 2, 3, 4, 5, 6, 7;
