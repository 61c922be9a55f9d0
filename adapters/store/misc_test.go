package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
)

func TestAccessTokensAreEncryptedAtRest(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const token = "EAAG-secret-token-1234567890"
		in := Integration{ID: "city", Name: "City desk", PhoneNumberID: "1065432", Settings: []byte(`{"session":"30m"}`)}
		if err := e.s.PutIntegration(ctx, in); err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetAccessToken(ctx, "city", token); err != nil {
			t.Fatal(err)
		}
		var stored []byte
		if err := e.s.drv.DB().DB.QueryRowContext(ctx, "SELECT access_token FROM integrations WHERE id = 'city'").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if len(stored) == 0 || bytes.Contains(stored, []byte(token)) || bytes.Contains(stored, []byte("secret")) {
			t.Fatalf("the token is stored in clear: %q", stored)
		}
		got, err := e.s.AccessToken(ctx, "city")
		if err != nil || got != token {
			t.Fatalf("access token = %q, %v", got, err)
		}
		read, err := e.s.IntegrationByPhoneNumberID(ctx, "1065432")
		if err != nil || read.ID != "city" || !read.HasToken || string(read.Settings) != `{"session":"30m"}` || fmt.Sprintf("%+v", read) == "" {
			t.Fatalf("integration = %+v %v", read, err)
		}
		if strings.Contains(fmt.Sprintf("%+v", read), token) {
			t.Fatal("the integration carries the token")
		}
		// Updating the integration keeps the token.
		in.Name = "City services"
		if err := e.s.PutIntegration(ctx, in); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.s.AccessToken(ctx, "city"); got != token {
			t.Fatalf("token after update = %q", got)
		}
		// Another key cannot read it, and says nothing about it.
		other := e.open(Options{Clock: e.clock.Now, SecretKey: []byte("another key of thirty-two bytes!"), NoMigrate: true})
		if _, err := other.AccessToken(ctx, "city"); err == nil || strings.Contains(err.Error(), token) {
			t.Fatalf("another key: %v", err)
		}
		// A ciphertext moved to another integration does not decrypt.
		if err := e.s.PutIntegration(ctx, Integration{ID: "town", PhoneNumberID: "2000"}); err != nil {
			t.Fatal(err)
		}
		e.exec("UPDATE integrations SET access_token = (SELECT access_token FROM integrations WHERE id = 'city') WHERE id = 'town'")
		if _, err := e.s.AccessToken(ctx, "town"); err == nil {
			t.Fatal("a ciphertext moved between integrations decrypted")
		}
		// Without a key nothing is stored.
		nokey := e.open(Options{Clock: e.clock.Now, NoMigrate: true})
		if err := nokey.SetAccessToken(ctx, "city", "x"); !errors.Is(err, ErrNoSecretKey) {
			t.Fatalf("set without a key: %v", err)
		}
		if err := e.s.SetAccessToken(ctx, "nowhere", "x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown integration: %v", err)
		}
		if err := e.s.PutIntegration(ctx, Integration{ID: "dup", PhoneNumberID: "1065432"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("a phone number id used twice: %v", err)
		}
		list, err := e.s.Integrations(ctx)
		if err != nil || len(list) != 2 || list[0].ID != "city" || list[1].ID != "town" {
			t.Fatalf("integrations = %+v %v", list, err)
		}
		if _, err := Open(ctx, e.url, Options{SecretKey: []byte("short")}); err == nil {
			t.Fatal("a 5-byte key was accepted")
		}
		if _, err := Open(ctx, e.url, Options{MaxOpenConns: 4}); err == nil || !strings.Contains(err.Error(), "MaxOpenConns must be at least 8") {
			t.Fatalf("a pool of 4 connections: %v, want an error naming MaxOpenConns", err)
		}
	})
}

func TestGrievancesGetUniqueReferences(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		g := Grievance{Integration: "city", ContactID: ContactID("city", "911111111111"), Category: "roads",
			Description: "big pothole near bus stop", PinCode: "400051",
			Location:    &engine.Location{Latitude: 19.05, Longitude: 72.84, Name: "Bus stop"},
			Attachments: []engine.Attachment{{Kind: "image", MediaID: "m1", MimeType: "image/jpeg"}},
			Due:         e.clock.Now().Add(7 * 24 * time.Hour)}
		ref1, err := e.s.CreateGrievance(ctx, g)
		if err != nil || !strings.HasPrefix(ref1, "GRV-26-") {
			t.Fatalf("first: %q %v", ref1, err)
		}
		ref2, err := e.s.CreateGrievance(ctx, g)
		if err != nil || ref2 == ref1 {
			t.Fatalf("second: %q %v, after %q", ref2, err, ref1)
		}
		got, err := e.s.GrievanceByReference(ctx, "city", ref1)
		if err != nil {
			t.Fatal(err)
		}
		if got.Category != "roads" || got.PinCode != "400051" || got.Status != "open" || got.Location == nil ||
			got.Location.Latitude != 19.05 || len(got.Attachments) != 1 || got.Attachments[0].MediaID != "m1" ||
			!got.Due.Equal(g.Due) || !got.Created.Equal(e.clock.Now()) || got.Kind != "grievance" || got.Series != "GRV" || got.Serial == 0 {
			t.Fatalf("stored grievance = %+v", got)
		}
		if err := e.s.SetGrievanceStatus(ctx, "city", ref1, "resolved", time.Time{}); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.s.GrievanceByReference(ctx, "city", ref1); got.Status != "resolved" || !got.Due.Equal(g.Due) {
			t.Fatalf("after status change: %+v", got)
		}
		if _, err := e.s.GrievanceByReference(ctx, "city", "GRV-9"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown reference: %v", err)
		}
		if _, err := e.s.CreateGrievance(ctx, Grievance{Integration: "city", Location: &engine.Location{Latitude: 200}}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad location: %v", err)
		}

		// Inside a step: the case exists only once the step commits; a
		// service request keeps its kind, series, title and fields.
		key := "922222222222"
		e.ingest(inbound(key, "w1", e.clock.Now(), "submit"))
		var ref string
		e.drain(func(ctx context.Context, w *Work) (*Outcome, error) {
			var err error
			ref, err = WorkFrom(ctx).AddGrievance(ctx, Grievance{Kind: "ration_card", Series: "RCA", Title: "New ration card",
				Fields: map[string]any{"head": "Asha Rao", "members": 4.0}})
			if err != nil {
				return nil, err
			}
			if gs, _ := e.s.GrievancesOfContact(ctx, w.Contact.ID); len(gs) != 0 {
				t.Errorf("the case is visible before the step commits")
			}
			return &Outcome{Outbox: []OutboundMessage{{Payload: []byte("registered " + ref)}}}, nil
		})
		gs, err := e.s.GrievancesOfContact(ctx, ContactID("city", key))
		if err != nil || len(gs) != 1 || gs[0].Reference != ref || !strings.HasPrefix(ref, "RCA-26-") || gs[0].Kind != "ration_card" ||
			gs[0].Title != "New ration card" || gs[0].Fields["head"] != "Asha Rao" || gs[0].Fields["members"] != 4.0 {
			t.Fatalf("cases of the contact = %+v %v (reference %q)", gs, err, ref)
		}
		// Fields that are not JSON are refused when the case is added.
		e.ingest(inbound(key, "w2", e.clock.Now(), "again"))
		e.drain(func(ctx context.Context, w *Work) (*Outcome, error) {
			if _, err := WorkFrom(ctx).AddGrievance(ctx, Grievance{Fields: map[string]any{"x": func() {}}}); err == nil {
				t.Error("fields that do not encode were taken")
			}
			return &Outcome{}, nil
		})
	})
}

// Steps and stores lodging at once never draw the same serial: each
// reference is made once, and no lodging is ever tried twice. On Postgres
// two stores share the database, as two processes would.
func TestCasesLodgedAtOnceGetDistinctReferences(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		stores := []*Store{e.s}
		if e.s.Dialect() == "postgres" {
			other, err := Open(context.Background(), e.url, e.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			stores = append(stores, other)
		}
		const each = 40
		refs := make(chan string, each*len(stores)*2)
		var wg sync.WaitGroup
		for _, st := range stores {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						ref, err := st.CreateGrievance(context.Background(), Grievance{Integration: "city", Category: "water"})
						if err != nil {
							t.Error(err)
							return
						}
						refs <- ref
					}
				}()
			}
		}
		wg.Wait()
		close(refs)
		seen := map[string]bool{}
		for r := range refs {
			if seen[r] {
				t.Fatalf("reference %s made twice", r)
			}
			seen[r] = true
		}
		if len(seen) != each*len(stores)*2 {
			t.Fatalf("%d references, want %d", len(seen), each*len(stores)*2)
		}
	})
}

// A store opened on a database with cases already in it counts on from
// the greatest serial (SQLite counts in the process).
func TestSerialsGoOnAfterAReopen(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ref, err := e.s.CreateGrievance(ctx, Grievance{Integration: "city"})
		if err != nil {
			t.Fatal(err)
		}
		first, _ := e.s.GrievanceByReference(ctx, "city", ref)
		e.s.Close()
		again, err := Open(ctx, e.url, e.opts)
		if err != nil {
			t.Fatal(err)
		}
		e.s = again
		ref2, err := again.CreateGrievance(ctx, Grievance{Integration: "city"})
		if err != nil {
			t.Fatal(err)
		}
		second, _ := again.GrievanceByReference(ctx, "city", ref2)
		if second.Serial <= first.Serial || ref2 == ref {
			t.Fatalf("serial %d (%s) after a reopen, the first was %d (%s)", second.Serial, ref2, first.Serial, ref)
		}
	})
}

func TestDefaultCaseReference(t *testing.T) {
	if got := defaultCaseReference("GRV", 2026, 42); got != "GRV-26-00000042" {
		t.Fatalf("%q", got)
	}
	if got := defaultCaseReference("RCA", 2031, 123_456_789_012); got != "RCA-31-56789012" {
		t.Fatalf("%q", got)
	}
}

func TestFlowVersionsAreKeptOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		src := []byte("id: grievance\nstart: ask\n")
		if err := e.s.SaveFlowVersion(ctx, "grievance", "h1", src); err != nil {
			t.Fatal(err)
		}
		if err := e.s.SaveFlowVersion(ctx, "grievance", "h1", src); err != nil {
			t.Fatalf("saving the same version again: %v", err)
		}
		if err := e.s.SaveFlowVersion(ctx, "grievance", "h1", []byte("other")); !errors.Is(err, ErrConflict) {
			t.Fatalf("other source under the same version: %v, want ErrConflict", err)
		}
		got, err := e.s.FlowVersionSource(ctx, "grievance", "h1")
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("source = %q %v", got, err)
		}
		if _, err := e.s.FlowVersionSource(ctx, "grievance", "h2"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown version: %v", err)
		}
		if err := e.s.SaveFlowVersion(ctx, "", "h1", src); !errors.Is(err, ErrInvalid) {
			t.Fatalf("empty flow id: %v", err)
		}
	})
}

func TestMigrationsRunOnceAndNoMigrateChecksTheSchema(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			url := storeURL(t, dialect)
			if _, err := Open(ctx, url, Options{NoMigrate: true}); err == nil || !strings.Contains(err.Error(), "migrate") {
				t.Fatalf("NoMigrate on an empty database: %v, want an error that says to migrate", err)
			}
			// Several processes starting at once.
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := Open(ctx, url, Options{})
					if err == nil {
						err = s.Migrate(ctx)
						s.Close()
					}
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("concurrent migrate: %v", err)
				}
			}
			s, err := Open(ctx, url, Options{NoMigrate: true})
			if err != nil {
				t.Fatalf("NoMigrate on a migrated database: %v", err)
			}
			defer s.Close()
			var n int
			want := len(s.drv.MigrationNames())
			if err := s.drv.DB().DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM bun_migrations").Scan(&n); err != nil || n != want {
				t.Fatalf("bun_migrations has %d rows (%v), want one per migration (%d)", n, err, want)
			}
		})
	}
}

func TestPostgresReloadsAStaleClaim(t *testing.T) {
	// The reload path (taken when a step for the contact committed between
	// the claim's snapshot and its lock) must load the same work.
	e := newEnv(t, "postgres", func(o *Options) { o.forceReload = true })
	clock := e.clock
	now := clock.Now()
	e.ingest(inbound("911111111111", "w1", now.Add(time.Second), "b"), inbound("911111111111", "w2", now, "a"))
	var w *Work
	e.drain(capture(&w, func(w *Work) *Outcome { return &Outcome{Session: []byte("s")} }))
	if len(w.Messages) != 2 || string(w.Messages[0].Input) != "a" || string(w.Messages[1].Input) != "b" {
		t.Fatalf("reloaded work = %+v", w.Messages)
	}
	if pending, _, _ := e.depths(); pending != 0 {
		t.Fatalf("%d pending", pending)
	}
}

// Warnings names autovacuum when the database runs without it, and only
// then (CI's Postgres runs without it; a production one should not).
func TestWarningsNameAutovacuumOff(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ws, err := e.s.Warnings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !e.pg() {
			if len(ws) != 0 {
				t.Fatalf("SQLite warnings: %q", ws)
			}
			return
		}
		var setting string
		if err := e.s.drv.DB().QueryRowContext(ctx, "SHOW autovacuum").Scan(&setting); err != nil {
			t.Fatal(err)
		}
		warned := len(ws) == 1 && strings.Contains(ws[0], "autovacuum = off")
		if warned != (setting == "off") || len(ws) > 1 {
			t.Fatalf("autovacuum is %s, warnings %q", setting, ws)
		}
	})
}
