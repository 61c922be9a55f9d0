package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"
)

// The generated traffic, made by the database. A pair p (1…P) is a
// citizen's message and the bot's reply a second later, at t(p), spread
// evenly over the year; its citizen is drawn from those already seen, so
// early citizens return more. h(p) is a multiplicative hash, the source of
// every "random" choice, so that a size is the same data every time.
const pairsSQL = `CREATE UNLOGGED TABLE gen_pairs AS
SELECT p, c AS contact, 'st' || (c % 4) AS integ, h,
	$3::timestamptz + (p * 31536000.0 / $1) * interval '1 second' AS t
FROM (SELECT p, h, 1 + (h % greatest(1, (p::bigint * $2) / $1)) AS c
	FROM (SELECT p, (p::bigint * 2654435761) % 4294967296 AS h FROM generate_series(1, $1) p) x) y`

// steps are the tables' statements, in order ($1 pairs, $2 citizens,
// $3 the year's start, $4 cases).
var steps = []struct{ name, sql string }{
	{"citizens", `INSERT INTO contacts (id, integration_id, key, language, first_seen, last_seen)
SELECT 'c' || i, 'st' || (i % 4), i::text, (ARRAY['hi','en','bn','mr','ta','or'])[1 + ((i::bigint * 2654435761) % 4294967296) % 6],
	$3::timestamptz + ((i - 1) * 31536000.0 / $2) * interval '1 second', $3::timestamptz + ((i - 1) * 31536000.0 / $2) * interval '1 second'
FROM generate_series(1, $2) i`},
	{"pairs", pairsSQL},
	{"messages", `INSERT INTO messages (contact_id, seq, conversation, integration_id, direction, type, summary, status, at)
SELECT 'c' || contact, 2 * p + d, 1, integ, CASE d WHEN 0 THEN 'in' ELSE 'out' END, 'text', '', 0, t + d * interval '1 second'
FROM gen_pairs CROSS JOIN (VALUES (0), (1)) v(d)`},
	{"outbox", `INSERT INTO outbox (contact_id, seq, integration_id, conversation, type, payload, status, is_open, due_at, created_at, sent_at, error_code)
SELECT 'c' || contact, 2 * p + 1, integ, 1, 'text', '\x00'::bytea, CASE WHEN p % 200 = 0 THEN 5 ELSE 3 END, FALSE,
	t + interval '1 second', t + interval '1 second',
	CASE WHEN p % 200 <> 0 THEN t + (300 + h % 2700) * interval '1 millisecond' END,
	CASE WHEN p % 200 = 0 THEN (ARRAY[131047, 131026, 131049, 130472])[1 + (p / 200) % 4] END
FROM gen_pairs`},
	{"events", `INSERT INTO events (contact_id, integration_id, conversation, kind, flow, node, detail, at)
SELECT 'c' || contact, integ, 1, k.kind,
	(ARRAY['ration','grievance','vaccination','property_tax','helplines','certificates'])[1 + p % 6],
	CASE k.kind WHEN 'node_entered' THEN (ARRAY['menu','ask_id','confirm','result','feedback'])[1 + (p / 6) % 5]
		WHEN 'flow_started' THEN '' WHEN 'flow_completed' THEN '' ELSE 'lookup' END,
	CASE WHEN k.kind IN ('service_called', 'service_error')
		THEN (ARRAY['ration.card','grievance.lodge','vaccination.slots','tax.due','helplines.find','certificate.fetch'])[1 + p % 6] || ' ' || (40 + h % 900) || 'ms'
			|| CASE WHEN k.kind = 'service_error' THEN ': timed out' ELSE '' END
		ELSE '' END,
	t
FROM gen_pairs CROSS JOIN LATERAL (
	SELECT v.kind FROM (VALUES (0, 'flow_started'), (1, 'node_entered'),
		(2, CASE WHEN p % 91 = 0 THEN 'service_error' ELSE 'service_called' END), (3, 'flow_completed')) v(o, kind)
	WHERE v.o = 1 OR (v.o = 0 AND p % 4 = 0) OR (v.o = 2 AND p % 7 = 0) OR (v.o = 3 AND p % 10 = 0)
	ORDER BY v.o) k`},
	{"conversations", `INSERT INTO conversations (contact_id, seq, integration_id, opened_at, closed_at, handoff_queue, handoff_reason, handoff_at, first_response_at)
SELECT 'c' || contact, p, integ, t,
	CASE WHEN p % 300 <> 0 THEN t + (60 + h % 86400) * interval '1 second' END,
	CASE WHEN p % 100 = 0 THEN (ARRAY['ration_desk','grievance_desk','general'])[1 + (p / 100) % 3] ELSE '' END, '',
	CASE WHEN p % 100 = 0 THEN t + interval '1 minute' END,
	CASE WHEN p % 100 = 0 AND p % 500 <> 0 THEN t + interval '1 minute' + (h % 1800) * interval '1 second' END
FROM gen_pairs WHERE p % 8 = 0`},
	{"cases", `INSERT INTO grievances (integration_id, reference, contact_id, kind, category, status, pin_code, created_at, updated_at, due_at)
SELECT 'st' || (g % 4), 'GRV-' || g, 'c' || (1 + ((g::bigint * 2654435761) % 4294967296) % $2),
	CASE WHEN g % 3 = 0 THEN 'ration_card' ELSE 'grievance' END,
	(ARRAY['water','roads','power','sanitation','ration'])[1 + g % 5],
	(ARRAY['lodged','assigned','in_progress','resolved','closed','closed','resolved','rejected'])[1 + ((g::bigint * 2654435761) % 4294967296) % 8],
	(400001 + (g % 997) * 97)::text,
	$3::timestamptz + (g * 31536000.0 / $4) * interval '1 second', $3::timestamptz + (g * 31536000.0 / $4) * interval '1 second',
	$3::timestamptz + (g * 31536000.0 / $4) * interval '1 second' + (7 + g % 24) * interval '1 day'
FROM generate_series(1, $4) g`},
	{"cleaning up", `DROP TABLE gen_pairs`},
	// VACUUM summarises the block-range indexes, as autovacuum does for
	// a server's tables as they grow.
	{"vacuuming", `VACUUM ANALYZE`},
}

// generate writes n messages' worth of a year, printing its progress.
func generate(ctx context.Context, db *sql.DB, n int) error {
	pairs, citizens, cases := n/2, n/20, n/50
	for _, s := range steps {
		began := time.Now()
		var args []any
		switch s.name {
		case "citizens":
			args = []any{nil, citizens, yearAt}
		case "pairs":
			args = []any{pairs, citizens, yearAt}
		case "cases":
			args = []any{nil, citizens, yearAt, cases}
		}
		if args != nil && args[0] == nil {
			args[0] = pairs
		}
		if _, err := db.ExecContext(ctx, s.sql, args...); err != nil {
			return fmt.Errorf("reportgen: %d messages: %s: %w", n, s.name, err)
		}
		fmt.Fprintf(os.Stderr, "%d messages: %s in %v\n", n, s.name, time.Since(began).Round(time.Millisecond))
	}
	return nil
}
