package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// Open gives the suite a fresh, migrated database of the driver under
// test; the driver is closed when the test ends.
type Open func(t *testing.T) driver.Driver

// Run runs the conformance suite against the driver open returns.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, d driver.Driver)
	}{
		{"IngestDeduplicates", testIngestDeduplicates},
		{"ClaimLoadsInOrder", testClaimLoadsInOrder},
		{"ClaimedContactIsNotClaimedTwice", testClaimedContactIsNotClaimedTwice},
		{"CommitMarksDoneAndQueues", testCommitMarksDoneAndQueues},
		{"FailureHoldsThenParks", testFailureHoldsThenParks},
		{"OutboxOneInFlightPerContact", testOutboxOneInFlightPerContact},
		{"MarksMoveOnlyInFlightRows", testMarksMoveOnlyInFlightRows},
		{"StatusesMoveForwardOnly", testStatusesMoveForwardOnly},
		{"ClosedIsUnavailable", testClosedIsUnavailable},
		{"SchemaIsCurrent", testSchemaIsCurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func testIngestDeduplicates(t *testing.T, d driver.Driver) {
	a, b := Inbound("911", "w1", Epoch, "a"), Inbound("911", "w2", Epoch, "b")
	if keys := Ingest(t, d, Epoch, a, b); len(keys) != 2 {
		t.Fatalf("first ingest inserted %v, want both messages", keys)
	}
	keys := Ingest(t, d, Epoch, b, Inbound("912", "w1", Epoch, "c"))
	if want := []driver.InboxKey{{ContactID: "city/912", Wamid: "w1"}}; !slices.Equal(keys, want) {
		t.Fatalf("re-delivery inserted %v, want only %v (a wamid is unique per contact)", keys, want)
	}
}

func testClaimLoadsInOrder(t *testing.T, d driver.Driver) {
	// Later timestamp first in the batch: the load orders by WhatsApp time.
	Ingest(t, d, Epoch, Inbound("911", "w2", Epoch.Add(time.Second), "second"), Inbound("911", "w1", Epoch, "first"))
	cl, err := d.Claim(context.Background(), Epoch, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	defer cl.Rollback()
	loads := cl.Loads()
	if len(loads) != 1 {
		t.Fatalf("claimed %d contacts, want 1", len(loads))
	}
	l := loads[0]
	if l.Contact.ID != "city/911" || l.Contact.Key != "911" || l.HasSession || l.Steps != 0 || len(l.Messages) != 2 {
		t.Fatalf("load = %+v, want a new contact with two messages", l)
	}
	if l.Messages[0].Wamid != "w1" || l.Messages[1].Wamid != "w2" || string(l.Messages[0].Input) != "first" ||
		!l.Messages[0].Timestamp.Equal(Epoch) || l.Messages[0].ProfileName != "Citizen 911" {
		t.Fatalf("messages = %+v, want w1 then w2 with their fields", l.Messages)
	}
}

func testClaimedContactIsNotClaimedTwice(t *testing.T, d driver.Driver) {
	Ingest(t, d, Epoch, Inbound("911", "w1", Epoch, "a"))
	ctx := context.Background()
	first, err := d.Claim(ctx, Epoch, 8)
	if err != nil || len(first.Loads()) != 1 {
		t.Fatalf("first claim: %v", err)
	}
	second, err := d.Claim(ctx, Epoch, 8)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(second.Loads()); n != 0 {
		t.Fatalf("a second claim took %d contacts while the first holds the only one", n)
	}
	second.Rollback()
	second.Close()
	first.Rollback()
	first.Close()
	third, err := d.Claim(ctx, Epoch, 8)
	if err != nil || len(third.Loads()) != 1 {
		t.Fatalf("after the first claim ended: %v, want the contact claimable again", err)
	}
	third.Rollback()
	third.Close()
}

func testCommitMarksDoneAndQueues(t *testing.T, d driver.Driver) {
	Ingest(t, d, Epoch, Inbound("911", "w1", Epoch, "a"))
	if n := Drain(t, d, Epoch, true); n != 1 {
		t.Fatalf("stepped %d, want 1", n)
	}
	if n := Drain(t, d, Epoch, true); n != 0 {
		t.Fatalf("stepped %d after the messages were done, want 0", n)
	}
	Ingest(t, d, Epoch, Inbound("911", "w2", Epoch.Add(time.Minute), "b"))
	cl, err := d.Claim(context.Background(), Epoch.Add(time.Minute), 8)
	if err != nil || len(cl.Loads()) != 1 {
		t.Fatalf("claim: %v", err)
	}
	l := cl.Loads()[0]
	cl.Rollback()
	cl.Close()
	if !l.HasSession || string(l.State) != "a;" || l.Steps != 1 || l.MsgSeq != 2 || l.Conversation != 1 || !l.OutboxOpen || len(l.Messages) != 1 {
		t.Fatalf("load after one step = %+v, want the session, counters and the open reply", l)
	}
	rows, err := d.ClaimOutbox(context.Background(), Epoch, 10, Epoch.Add(time.Hour))
	if err != nil || len(rows) != 1 || string(rows[0].Payload) != "re:a" || rows[0].Seq != 2 || rows[0].Claims != 1 {
		t.Fatalf("claim outbox = %+v (%v), want the reply", rows, err)
	}
}

func testFailureHoldsThenParks(t *testing.T, d driver.Driver) {
	ctx := context.Background()
	Ingest(t, d, Epoch, Inbound("911", "w1", Epoch, "a"))
	cl, err := d.Claim(ctx, Epoch, 8)
	if err != nil || len(cl.Loads()) != 1 {
		t.Fatalf("claim: %v", err)
	}
	l := cl.Loads()[0]
	tg := driver.Target{ID: l.Contact.ID, Integration: "city", Conversation: 1, NewConversation: true}
	f := &driver.Failure{Contact: tg, Now: Epoch, MessageID: l.Messages[0].ID, Attempts: 1, Reason: "boom",
		HoldUntil: Epoch.Add(time.Minute), Log: driver.LogEntry{Integration: "city", Level: "warn", Kind: "step_failed"}}
	if _, err := cl.Commit(ctx, &driver.Commit{Writes: []driver.Write{{Failure: f}}}); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	if n := Drain(t, d, Epoch.Add(30*time.Second), false); n != 0 {
		t.Fatalf("a held contact was stepped %d times during its backoff", n)
	}
	cl, err = d.Claim(ctx, Epoch.Add(time.Minute), 8)
	if err != nil || len(cl.Loads()) != 1 || cl.Loads()[0].Messages[0].Attempts != 1 {
		t.Fatalf("claim after the backoff: %v, want the message with one attempt", err)
	}
	l = cl.Loads()[0]
	f = &driver.Failure{Contact: tg, Now: Epoch, MessageID: l.Messages[0].ID, Attempts: 2, Reason: "boom", Parked: true,
		History:   []driver.HistoryEntry{{Seq: 1, Direction: "in", Wamid: "w1", Status: driver.RankFailed, At: Epoch}},
		OutboxSeq: 1, Outbox: []driver.OutboundMessage{{Type: "text", Payload: []byte("sorry")}}, MsgSeq: 2, Conversations: 1,
		Log: driver.LogEntry{Integration: "city", Level: "error", Kind: "message_parked"}}
	if _, err := cl.Commit(ctx, &driver.Commit{Writes: []driver.Write{{Failure: f}}}); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	if n := Drain(t, d, Epoch.Add(time.Hour), false); n != 0 {
		t.Fatalf("a parked message was stepped %d times", n)
	}
	rows, err := d.ClaimOutbox(ctx, Epoch, 10, Epoch.Add(time.Hour))
	if err != nil || len(rows) != 1 || string(rows[0].Payload) != "sorry" || rows[0].Seq != 2 {
		t.Fatalf("claim outbox = %+v (%v), want the apology", rows, err)
	}
}

func testOutboxOneInFlightPerContact(t *testing.T, d driver.Driver) {
	ctx := context.Background()
	Ingest(t, d, Epoch, Inbound("911", "w1", Epoch, "a"), Inbound("911", "w2", Epoch, "b"))
	Drain(t, d, Epoch, true)
	rows, err := d.ClaimOutbox(ctx, Epoch, 10, Epoch.Add(time.Minute))
	if err != nil || len(rows) != 1 || string(rows[0].Payload) != "re:a" {
		t.Fatalf("first claim = %+v (%v), want the first reply alone", rows, err)
	}
	if again, err := d.ClaimOutbox(ctx, Epoch, 10, Epoch.Add(time.Minute)); err != nil || len(again) != 0 {
		t.Fatalf("second claim = %+v (%v), want nothing while the first is in flight", again, err)
	}
	// The lease runs out: the row is claimed again.
	later := Epoch.Add(2 * time.Minute)
	again, err := d.ClaimOutbox(ctx, later, 10, later.Add(time.Minute))
	if err != nil || len(again) != 1 || again[0].ID != rows[0].ID || again[0].Claims != 2 {
		t.Fatalf("claim after the lease = %+v (%v), want the same row, claimed twice", again, err)
	}
	if applied, next, err := d.MarkSent(ctx, rows[0].ID, "wamid.out.1", later); err != nil || !applied || !next {
		t.Fatalf("mark sent = %v %v %v, want applied with the next waiting", applied, next, err)
	}
	last, err := d.ClaimOutbox(ctx, later, 10, later.Add(time.Minute))
	if err != nil || len(last) != 1 || string(last[0].Payload) != "re:b" {
		t.Fatalf("claim after the first was sent = %+v (%v), want the second reply", last, err)
	}
}

func testMarksMoveOnlyInFlightRows(t *testing.T, d driver.Driver) {
	ctx := context.Background()
	rows := Queue(t, d, Epoch, true, "911", "912", "913")
	a, b, c := rows[0].ID, rows[1].ID, rows[2].ID
	if ok, err := d.Release(ctx, a, Epoch.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("release = %v %v", ok, err)
	}
	if ok, err := d.Release(ctx, a, Epoch); err != nil || ok {
		t.Fatalf("a second release = %v %v, want not applied", ok, err)
	}
	retry := &driver.RetryMark{ID: b, Now: Epoch, Code: 500, Reason: "down", MaxAttempts: 2, Due: []time.Time{Epoch.Add(time.Second)}, Note: "gave up"}
	if ok, status, err := d.MarkRetry(ctx, retry); err != nil || !ok || status != driver.RankQueued {
		t.Fatalf("first retry = %v %d %v, want queued again", ok, status, err)
	}
	again, err := d.ClaimOutbox(ctx, Epoch.Add(time.Second), 10, Epoch.Add(time.Hour))
	if err != nil || len(again) != 1 || again[0].ID != b || again[0].Attempts != 1 {
		t.Fatalf("claim when the retry is due = %+v (%v), want the retried row alone", again, err)
	}
	if ok, status, err := d.MarkRetry(ctx, retry); err != nil || !ok || status != driver.RankFailed {
		t.Fatalf("last retry = %v %d %v, want failed for good", ok, status, err)
	}
	if ok, err := d.MarkFailed(ctx, &driver.FailMark{ID: c, Now: Epoch, Code: 131026, Reason: "undeliverable", Note: "x"}); err != nil || !ok {
		t.Fatalf("mark failed = %v %v", ok, err)
	}
	if ok, _, err := d.MarkSent(ctx, c, "wamid.late", Epoch); err != nil || ok {
		t.Fatalf("mark sent after failed = %v %v, want not applied", ok, err)
	}
}

func testStatusesMoveForwardOnly(t *testing.T, d driver.Driver) {
	ctx := context.Background()
	rows := Queue(t, d, Epoch, true, "911")
	if ok, _, err := d.MarkSent(ctx, rows[0].ID, "wamid.out", Epoch); err != nil || !ok {
		t.Fatalf("mark sent: %v %v", ok, err)
	}
	status := func(s string) driver.Status {
		return driver.Status{Integration: "city", Wamid: "wamid.out", Status: s, Timestamp: Epoch}
	}
	for _, sts := range [][]driver.Status{{status("read")}, {status("delivered")}} {
		in := &driver.Ingest{Now: Epoch, All: sts, Best: sts, Expected: func(string) bool { return false }}
		if _, err := d.Ingest(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	var got int
	if err := d.ReadDB().NewSelect().Table("outbox").Column("status").Where("id = ?", rows[0].ID).Scan(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if got != driver.RankRead {
		t.Fatalf("status after read then delivered = %d, want read (%d)", got, driver.RankRead)
	}
}

func testClosedIsUnavailable(t *testing.T, d driver.Driver) {
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Ping(context.Background()); !errors.Is(err, driver.ErrUnavailable) {
		t.Fatalf("ping after close = %v, want ErrUnavailable", err)
	}
	if _, err := d.Claim(context.Background(), Epoch, 1); !errors.Is(err, driver.ErrUnavailable) {
		t.Fatalf("claim after close = %v, want ErrUnavailable", err)
	}
}

func testSchemaIsCurrent(t *testing.T, d driver.Driver) {
	ctx := context.Background()
	if err := d.CheckSchema(ctx, ""); err != nil {
		t.Fatalf("check schema after migrating: %v", err)
	}
	if err := d.Migrate(ctx, ""); err != nil {
		t.Fatalf("migrating again: %v", err)
	}
	var n int
	want := len(d.MigrationNames())
	if err := d.ReadDB().NewSelect().Table("bun_migrations").ColumnExpr("COUNT(*)").Scan(ctx, &n); err != nil || n != want || want < 7 {
		t.Fatalf("bun_migrations has %d rows (%v), want the %d migrations once each", n, err, want)
	}
}
