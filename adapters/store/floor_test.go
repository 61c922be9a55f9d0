package store

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// A message whose insert took its id before the floor moved past it, but
// committed after (a slow ingest), must still be served: the next refresh
// lowers the floor to it.
func TestPostgresFloorFindsALateCommit(t *testing.T) {
	e := newEnv(t, "postgres", nil)
	clock := e.clock
	ctx := context.Background()

	var reserved int64
	if err := e.s.db.DB.QueryRowContext(ctx, "SELECT nextval(pg_get_serial_sequence('inbox', 'id'))").Scan(&reserved); err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	e.ingest(inbound("911111111111", "a1", now, "a1"), inbound("912222222222", "b1", now, "b1"))
	if n := e.drain(reply(0, clock)); n != 2 {
		t.Fatalf("served %d steps, want 2", n)
	}
	time.Sleep(floorRefresh + 10*time.Millisecond)
	e.ingest(inbound("913333333333", "c1", now, "c1"))
	e.drain(reply(0, clock)) // the floor is now above the reserved id
	if f := e.s.inboxFloor.value; f <= reserved {
		t.Fatalf("inbox floor %d, want it above the reserved id %d", f, reserved)
	}

	e.exec(`INSERT INTO inbox (id, contact_id, wamid, integration_id, type, summary, wa_ts, received_at, arrival, input)
		OVERRIDING SYSTEM VALUE
		SELECT ` + strconv.FormatInt(reserved, 10) + `, contact_id, 'a0', integration_id, type, 'late', wa_ts, received_at, arrival, input
		FROM inbox WHERE wamid = 'a1'`)
	deadline := time.Now().Add(5 * floorRefresh)
	for {
		ok, err := e.s.ProcessNext(ctx, reply(0, clock))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the late message was not served within %s", 5*floorRefresh)
		}
		time.Sleep(floorRefresh / 4)
	}
	if in, _, _ := e.depths(); in != 0 {
		t.Fatalf("inbox depth %d after serving the late message, want 0", in)
	}
}
