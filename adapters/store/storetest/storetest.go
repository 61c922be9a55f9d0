// Package storetest is the conformance suite of the store's drivers: the
// guarantees every database under package store must give, checked on the
// driver itself (internal/driver.Driver). Each driver's tests run it:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) driver.Driver { return open(t) })
//	}
//
// and package store runs its own suite, on the public API, against every
// driver (eachStore in adapters/store). A new driver passes both.
//
// It also lends the drivers' own tests the helpers the suite uses to fill
// a database: messages to ingest, steps that answer them, replies queued.
// It is for tests only: nothing in the samvad binary imports it.
package storetest

import (
	"context"
	"fmt"
	"hash/crc32"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// Epoch is the time the suite's databases start at.
var Epoch = time.Date(2026, 5, 21, 10, 0, 0, 0, time.UTC)

// Inbound is a message from the citizen key to integration "city".
func Inbound(key, wamid string, at time.Time, text string) driver.Inbound {
	return driver.Inbound{ContactID: "city/" + key, Integration: "city", Wamid: wamid, ContactKey: key, WaID: key,
		ProfileName: "Citizen " + key, Type: "text", Summary: text, Timestamp: at, Input: []byte(text), Raw: []byte(`{"id":"` + wamid + `"}`)}
}

// Ingest writes messages at now as one batch (in key order, contacts
// included, as the store does) and returns the keys of those inserted.
func Ingest(t testing.TB, d driver.Driver, now time.Time, ms ...driver.Inbound) []driver.InboxKey {
	t.Helper()
	in := &driver.Ingest{Now: now, Expected: func(string) bool { return false }}
	seen := map[string]bool{}
	for i, m := range ms {
		m.Pos = i
		in.Messages = append(in.Messages, m)
		if !seen[m.ContactID] {
			seen[m.ContactID] = true
			in.Contacts = append(in.Contacts, m)
		}
	}
	keys, err := d.Ingest(context.Background(), in)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return keys
}

// Reply is the step a simple handler makes of a claimed contact: a session
// listing the inputs, and one reply per message (none when replies is
// false).
func Reply(l *driver.StepLoad, now time.Time, replies bool) *driver.Step {
	c := l.Contact
	tg := driver.Target{ID: c.ID, Integration: c.Integration, WaID: c.WaID, UserID: c.UserID, Name: c.Name,
		Username: c.Username, LastSeen: c.LastSeen, Conversation: l.Conversation}
	if !l.HasSession {
		tg.Conversation, tg.NewConversation = l.Conversations+1, true
	}
	st := &driver.Step{Contact: tg, Now: now, Session: append([]byte{}, l.State...)}
	seq := l.MsgSeq
	for _, m := range l.Messages {
		seq++
		st.MessageIDs = append(st.MessageIDs, m.ID)
		st.Session = append(append(st.Session, m.Input...), ';')
		st.History = append(st.History, driver.HistoryEntry{Seq: seq, Direction: "in", Wamid: m.Wamid, Type: m.Type, Summary: m.Summary, At: m.Timestamp})
	}
	st.OutboxSeq = seq
	if replies {
		for _, m := range l.Messages {
			seq++
			st.Outbox = append(st.Outbox, driver.OutboundMessage{Type: "text", Summary: "re " + m.Summary, Payload: append([]byte("re:"), m.Input...)})
			st.History = append(st.History, driver.HistoryEntry{Seq: seq, Direction: "out", Type: "text", Summary: "re " + m.Summary, At: now})
		}
	}
	st.Checksum = int64(crc32.ChecksumIEEE(st.Session))
	st.MsgSeq, st.Conversations = seq, max(l.Conversations, tg.Conversation)
	return st
}

// Drain claims and steps contacts (Reply) until none is left, and returns
// how many steps it wrote.
func Drain(t testing.TB, d driver.Driver, now time.Time, replies bool) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	for tries := 0; ; {
		cl, err := d.Claim(ctx, now, 8)
		if err != nil {
			t.Fatalf("claim: %v", err)
		}
		loads := cl.Loads()
		if len(loads) == 0 {
			claimed := cl.Claimed()
			cl.Rollback()
			cl.Close()
			if claimed > 0 && tries < 3 {
				tries++
				continue
			}
			return n
		}
		cm := &driver.Commit{LeaseFrom: now, LeaseUntil: now}
		for _, l := range loads {
			cm.Writes = append(cm.Writes, driver.Write{Step: Reply(l, now, replies)})
		}
		_, err = cl.Commit(ctx, cm)
		cl.Close()
		if err != nil {
			t.Fatalf("commit: %v", err)
		}
		n += len(loads)
	}
}

// Queue ingests one message from each key and steps them, so that each
// key has one reply queued; it returns the replies claimed (leased for an
// hour) when claim is true.
func Queue(t testing.TB, d driver.Driver, now time.Time, claim bool, keys ...string) []driver.OutboxRow {
	t.Helper()
	var ms []driver.Inbound
	for _, k := range keys {
		ms = append(ms, Inbound(k, "wamid.in."+k, now, "hello "+k))
	}
	Ingest(t, d, now, ms...)
	if n := Drain(t, d, now, true); n != len(keys) {
		t.Fatalf("stepped %d contacts, want %d", n, len(keys))
	}
	if !claim {
		return nil
	}
	rows, err := d.ClaimOutbox(context.Background(), now, len(keys)+1, now.Add(time.Hour))
	if err != nil || len(rows) != len(keys) {
		t.Fatalf("claim outbox: %d rows (%v), want %d", len(rows), err, len(keys))
	}
	return rows
}

// Keys are n citizen keys with a prefix.
func Keys(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%04d", prefix, i)
	}
	return out
}
