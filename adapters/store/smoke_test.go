package store

import (
	"context"
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		r := e.ingest(inbound("919800000001", "w1", now, "hi"), inbound("919800000001", "w2", now.Add(time.Second), "2"), inbound("919800000002", "w3", now, "hello?"))
		t.Logf("ingest %+v", r)
		n := e.drain(reply(time.Hour, e.clock))
		t.Logf("steps %d", n)
		ms, err := e.s.ClaimOutbox(context.Background(), 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			t.Logf("claimed %d %s %s", m.ID, m.ContactID, m.Payload)
			if err := e.s.MarkSent(context.Background(), m.ID, "out-"+string(m.Payload)); err != nil {
				t.Fatal(err)
			}
		}
		_, err = e.s.Ingest(context.Background(), Batch{Statuses: []Status{{Integration: "city", Wamid: "out-re:hi", Status: "delivered"}, {Integration: "city", Wamid: "nope", Status: "read"}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", e.history("919800000001"))
		t.Logf("%+v", e.outbox("919800000001"))
		a, b, c := e.depths()
		t.Logf("depths %d %d %d", a, b, c)
	})
}
