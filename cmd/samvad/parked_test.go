package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store"
)

// parkOne parks a message of citizen key in the SQLite store at db, as a
// step that keeps failing would.
func parkOne(t *testing.T, db, key string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+db, store.Options{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := store.Inbound{Integration: "city", Wamid: "wamid.P1", ContactKey: key, WaID: key, Type: "text",
		Timestamp: time.Now(), Summary: "my Aadhaar is 2345 6789 0123", Input: []byte(`{}`)}
	if _, err := st.Ingest(ctx, store.Batch{Messages: []store.Inbound{in}}); err != nil {
		t.Fatal(err)
	}
	_, err = st.ProcessNext(ctx, func(context.Context, *store.Work) (*store.Outcome, error) {
		return nil, errors.New("the department's API is down")
	})
	var serr *store.StepError
	if !errors.As(err, &serr) || !serr.Parked {
		t.Fatalf("the failing step: %v, want the message parked", err)
	}
}

// The configuration names an integration without its secrets (the access
// token lives only where the service runs): parked lists and requeues
// without them.
func TestParkedListsAndRequeues(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	cfg := filepath.Join(dir, "samvad.yaml")
	if err := os.WriteFile(cfg, []byte("database_url: sqlite:"+db+"\nintegrations: [{id: city, phone_number_id: '1'}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const key = "919812345678"
	parkOne(t, db, key)

	code, out, errOut := runCmd(t, "", "parked", "--config", cfg)
	if code != 0 || !strings.Contains(out, "1 parked message(s) shown") || !strings.Contains(out, "the department's API is down") {
		t.Fatalf("list: code %d\n%s%s", code, out, errOut)
	}
	for _, secret := range []string{key, "2345 6789 0123"} {
		if strings.Contains(out, secret) {
			t.Fatalf("the list shows %q in clear:\n%s", secret, out)
		}
	}
	fields := strings.Fields(strings.Split(out, "\n")[1])
	if len(fields) == 0 {
		t.Fatalf("no row in:\n%s", out)
	}
	id := fields[0]

	if code, _, errOut := runCmd(t, "", "parked", "--config", cfg, "--requeue"); code != 2 || !strings.Contains(errOut, "needs the ids") {
		t.Fatalf("--requeue without ids: code %d, %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "", "parked", "--config", cfg, "--requeue", "x1"); code != 2 || !strings.Contains(errOut, `"x1" is not a message id`) {
		t.Fatalf("--requeue with a bad id: code %d, %s", code, errOut)
	}
	code, out, errOut = runCmd(t, "", "parked", "--config", cfg, "--requeue", id)
	if code != 0 || !strings.Contains(out, "1 parked message(s) requeued") {
		t.Fatalf("requeue %s: code %d\n%s%s", id, code, out, errOut)
	}
	if code, out, _ := runCmd(t, "", "parked", "--config", cfg); code != 0 || !strings.Contains(out, "no parked messages") {
		t.Fatalf("list after the requeue: code %d\n%s", code, out)
	}
}
