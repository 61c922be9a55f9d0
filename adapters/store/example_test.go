package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/samvad/samvad/adapters/store"
)

// One citizen message through the store: ingest, a step, the send and the
// delivery report.
func Example() {
	dir, _ := os.MkdirTemp("", "samvad-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "samvad.db"), store.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()

	// 1. The webhook: store, commit, then answer 200.
	res, _ := st.Ingest(ctx, store.Batch{Messages: []store.Inbound{{
		Integration: "city", Wamid: "wamid.HBgM1", ContactKey: "919800000001", WaID: "919800000001",
		Type: "text", Summary: "hi", Input: []byte(`{"kind":"text","text":"hi"}`),
	}}})
	fmt.Println("new messages:", res.Messages)

	// 2. A worker step: the handler turns messages into an outcome.
	st.ProcessNext(ctx, func(ctx context.Context, w *store.Work) (*store.Outcome, error) {
		fmt.Println("first contact:", w.Contact.New, "messages:", len(w.Messages))
		return &store.Outcome{
			Session:        []byte("engine session bytes"),
			SessionExpires: time.Now().Add(30 * time.Minute),
			Outbox:         []store.OutboundMessage{{Type: "text", Summary: "Namaste!", Payload: []byte(`{"text":"Namaste!"}`)}},
		}, nil
	})

	// 3. The sender.
	msgs, _ := st.ClaimOutbox(ctx, 10, time.Minute)
	for _, m := range msgs {
		fmt.Println("send to", m.WaID, string(m.Payload))
		st.MarkSent(ctx, m.ID, "wamid.out.1")
	}

	// 4. The delivery report.
	st.Ingest(ctx, store.Batch{Statuses: []store.Status{{Integration: "city", Wamid: "wamid.out.1", Status: store.StatusRead}}})
	hist, _ := st.History(ctx, store.ContactID("city", "919800000001"), 10)
	for _, h := range hist {
		fmt.Println(h.Direction, h.Summary, h.Status)
	}
	// Output:
	// new messages: 1
	// first contact: true messages: 1
	// send to 919800000001 {"text":"Namaste!"}
	// in hi received
	// out Namaste! read
}
