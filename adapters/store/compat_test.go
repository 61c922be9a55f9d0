package store

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/samvad/samvad/internal/testdb"
)

// A database that the store made before its drivers had migrations of
// their own (testdata/old-store-*.sql: an integration with its token, three
// citizens, one reply sent and delivered, one queued, a parked message with
// its apology, a grievance, a flow version) opens as current, reads as it
// was written, and goes on working.
func TestOpensADatabaseOfTheOldStore(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			u := testdb.URL(t, dialect)
			loadOldStore(t, dialect, u)
			at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
			ctx := context.Background()
			// The old store's schema is behind by the migrations added since:
			// NoMigrate says so, and Open (as samvad serve does) brings it up.
			if _, err := Open(ctx, u, Options{NoMigrate: true}); err == nil || !strings.Contains(err.Error(), "behind") {
				t.Fatalf("NoMigrate on the old store's database: %v, want it to say the schema is behind", err)
			}
			opts := Options{Clock: func() time.Time { return at }, SecretKey: testKey}
			s, err := Open(ctx, u, opts)
			if err != nil {
				t.Fatalf("opening the old store's database: %v", err)
			}
			defer s.Close()
			checkOldStore(t, s)
			var n int
			want := len(s.drv.MigrationNames())
			if err := s.drv.ReadDB().NewSelect().Table("bun_migrations").ColumnExpr("COUNT(*)").Scan(ctx, &n); err != nil || n != want {
				t.Fatalf("bun_migrations has %d rows (%v) after opening, want %d", n, err, want)
			}
		})
	}
}

// loadOldStore writes the fixture of dialect into the empty database at u.
func loadOldStore(t *testing.T, dialect, u string) {
	t.Helper()
	fixture, err := os.ReadFile("testdata/old-store-" + dialect + ".sql")
	if err != nil {
		t.Fatal(err)
	}
	var db *sql.DB
	text := string(fixture)
	if dialect == "sqlite" {
		db, err = sql.Open("sqlite", "file:"+strings.TrimPrefix(u, "sqlite:"))
		if err != nil {
			t.Fatal(err)
		}
	} else {
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		text = strings.ReplaceAll(text, "{{SCHEMA}}", p.Query().Get("search_path"))
		db = sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(u)))
	}
	defer db.Close()
	if _, err := db.Exec(text); err != nil {
		t.Fatalf("loading the old store's %s database: %v", dialect, err)
	}
}

// checkOldStore reads what the old store wrote, then steps, claims and
// marks on top of it.
func checkOldStore(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	in, err := s.Integration(ctx, "city")
	if err != nil || in.Name != "City" || in.PhoneNumberID != "106540352242922" || !in.HasToken || string(in.Settings) != `{"lang":"hi"}` {
		t.Fatalf("integration = %+v (%v)", in, err)
	}
	if tok, err := s.AccessToken(ctx, "city"); err != nil || tok != "token-of-the-old-store" {
		t.Fatalf("access token = %q (%v), want the old store's, decrypted", tok, err)
	}
	if src, err := s.FlowVersionSource(ctx, "main", "v1"); err != nil || string(src) != "flow: main" {
		t.Fatalf("flow version = %q (%v)", src, err)
	}
	first, second := ContactID("city", "919800000001"), ContactID("city", "919800000002")
	hs, err := s.History(ctx, first, 10)
	if err != nil || len(hs) != 2 || hs[0].Direction != "in" || hs[1].Wamid != "wamid.out.1" || hs[1].Status != "delivered" {
		t.Fatalf("history of the first citizen = %+v (%v), want the message and its delivered reply", hs, err)
	}
	gs, err := s.GrievancesOfContact(ctx, second)
	if err != nil || len(gs) != 1 || gs[0].Reference != "GRV-26-OLD1-AA" || gs[0].Location == nil || gs[0].Location.Name != "MG Road" || gs[0].Status != "open" {
		t.Fatalf("grievances = %+v (%v)", gs, err)
	}
	parked, err := s.ParkedMessages(ctx, "city", 10)
	if err != nil || len(parked) != 1 || parked[0].Wamid != "wamid.in.3" {
		t.Fatalf("parked = %+v (%v)", parked, err)
	}
	c, err := s.Contact(ctx, first)
	if err != nil || c.New || c.Name != "Citizen 919800000001" || !c.FirstSeen.Equal(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("contact = %+v (%v)", c, err)
	}

	// The first citizen writes again: the step resumes the old session and
	// numbers its messages after the old ones.
	if _, err := s.Ingest(ctx, Batch{Messages: []Inbound{inbound("919800000001", "wamid.in.4", time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC), "again")}}); err != nil {
		t.Fatal(err)
	}
	var w *Work
	ok, err := s.ProcessNext(ctx, capture(&w, func(w *Work) *Outcome {
		return &Outcome{Session: append(append([]byte{}, w.Session...), "|again"...),
			Outbox: []OutboundMessage{{Type: "text", Summary: "re again", Payload: []byte("re:again")}}}
	}))
	if err != nil || !ok || w == nil {
		t.Fatalf("step on the old data: %v %v", ok, err)
	}
	if string(w.Session) != "state:hello" || w.SessionErr != nil || w.NewConversation || w.Conversation != 1 || w.Contact.New {
		t.Fatalf("work = %+v, want the old session resumed", w)
	}
	// The second citizen's reply (queued by the old store) leaves first,
	// then the new one; both are marked sent.
	claimed, err := s.ClaimOutbox(ctx, 10, time.Minute)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim = %+v (%v), want the queued reply, the apology and the new reply", claimed, err)
	}
	for _, m := range claimed {
		if err := s.MarkSent(ctx, m.ID, "wamid.sent."+m.WaID); err != nil {
			t.Fatalf("mark sent %d: %v", m.ID, err)
		}
	}
	hs, err = s.History(ctx, first, 10)
	if err != nil || len(hs) != 4 || hs[3].Seq != 4 || hs[3].Status != "sent" {
		t.Fatalf("history after the new step = %+v (%v), want 4 messages, the last sent", hs, err)
	}
}
