package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestClosedStoreFailsFast(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		queue(e, 1, "a")
		ms := e.claim(1, time.Minute)
		s := e.open(e.opts)
		s.Close()
		start := time.Now()
		_, err1 := s.Ingest(ctx, Batch{Messages: []Inbound{inbound("911111111111", "w1", e.clock.Now(), "hi")}})
		_, err2 := s.ProcessNext(ctx, reply(0, e.clock))
		_, err3 := s.ClaimOutbox(ctx, 1, time.Minute)
		err4 := s.MarkSent(ctx, ms[0].ID, "wamid.x")
		err5 := s.Ping(ctx)
		_, _, _, err6 := s.QueueDepths(ctx)
		for i, err := range []error{err1, err2, err3, err4, err5, err6} {
			if !errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrClosed) {
				t.Errorf("call %d on a closed store: %v, want ErrUnavailable", i+1, err)
			}
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("calls on a closed store took %s", d)
		}
		if pending, _, _ := e.depths(); pending != 0 {
			t.Fatalf("the closed store wrote %d inbox rows", pending)
		}
	})
}

func TestBatchIsAllOrNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		batch := Batch{
			Messages: []Inbound{inbound("911111111111", "w1", now, "hi"), inbound("922222222222", "w2", now, "hello")},
			Statuses: []Status{{Integration: "city", Wamid: "wamid.unknown", Status: "read"}},
			Log:      []LogEntry{{Integration: "city", Level: LevelWarn, Kind: "unknown_field", Message: "entry 0: field x"}},
		}
		// The event log refuses inserts: the last statement of the batch fails.
		failOnInsert(e, "event_log")
		if _, err := e.s.Ingest(ctx, batch); err == nil {
			t.Fatal("ingest succeeded although the event log refused the insert")
		}
		if pending, _, _ := e.depths(); pending != 0 {
			t.Fatalf("a failed batch left %d inbox rows", pending)
		}
		if _, err := e.s.Contact(ctx, ContactID("city", "911111111111")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a failed batch left its contact: %v", err)
		}
		dropFailOnInsert(e, "event_log")
		res, err := e.s.Ingest(ctx, batch)
		if err != nil || res.Messages != 2 || res.Duplicates != 0 || res.Log != 1 || res.Statuses != 1 {
			t.Fatalf("after the fault: %+v %v, want both messages new", res, err)
		}
	})
}

func TestUnreachablePostgresFailsFast(t *testing.T) {
	start := time.Now()
	// Nothing listens on port 1: connection refused.
	_, err := Open(context.Background(), "postgres://postgres:secret@127.0.0.1:1/test?sslmode=disable", Options{})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("open: %v, want ErrUnavailable", err)
	}
	if contains(err.Error(), "secret") {
		t.Fatalf("the error shows the password: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("open took %s", d)
	}
}

// proxy forwards TCP connections to Postgres and can be cut, as a network
// failure or a database restart would, without touching the shared server.
type proxy struct {
	t      testing.TB
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func startProxy(t testing.TB, target string) *proxy {
	p := &proxy{t: t, target: target}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start() {
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

// stop closes the listener and cuts every connection.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func TestPostgresGoingAwayFailsFastAndRecovers(t *testing.T) {
	url := storeURL(t, "postgres")
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.addr
	clock := newFakeClock()
	s, err := Open(context.Background(), u.String(), testOptions(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := clock.Now()
	if _, err := s.Ingest(ctx, Batch{Messages: []Inbound{inbound("911111111111", "w1", now, "hi")}}); err != nil {
		t.Fatal(err)
	}

	// The database goes away while a step runs: the step's outcome cannot
	// be committed and nothing of it stays.
	ok, err := s.ProcessNext(ctx, func(ctx context.Context, w *Work) (*Outcome, error) {
		p.stop()
		return reply(0, clock)(ctx, w)
	})
	if !ok || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("step while the database went away: ok=%v err=%v, want ErrUnavailable", ok, err)
	}
	// Every call now fails fast.
	start := time.Now()
	_, err1 := s.Ingest(ctx, Batch{Messages: []Inbound{inbound("922222222222", "w2", now, "hello")}})
	_, err2 := s.ProcessNext(ctx, reply(0, clock))
	_, err3 := s.ClaimOutbox(ctx, 5, time.Minute)
	err4 := s.Ping(ctx)
	for i, err := range []error{err1, err2, err3, err4} {
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("call %d while the database is away: %v, want ErrUnavailable", i+1, err)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("failing took %s", d)
	}

	// Back again: the message is processed once, the refused one can be
	// delivered again and is new.
	p.start()
	res, err := s.Ingest(ctx, Batch{Messages: []Inbound{inbound("922222222222", "w2", now, "hello")}})
	if err != nil || res.Messages != 1 {
		t.Fatalf("after recovery: %+v %v, want the refused message stored now", res, err)
	}
	steps := 0
	counted := func(ctx context.Context, w *Work) (*Outcome, error) {
		steps++
		return reply(0, clock)(ctx, w)
	}
	for {
		ok, err := s.ProcessNext(ctx, counted)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	if steps != 2 {
		t.Fatalf("steps after recovery = %d, want 2", steps)
	}
	rs, err := s.ContactOutbox(ctx, ContactID("city", "911111111111"))
	if err != nil || len(rs) != 1 {
		t.Fatalf("outbox of the interrupted contact: %d rows %v, want exactly one reply", len(rs), err)
	}
}

func TestSQLiteThatCannotOpenFailsClearly(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The "directory" of the database is a file.
	_, err := Open(context.Background(), "sqlite:"+filepath.Join(blocker, "samvad.db"), Options{})
	if err == nil {
		t.Fatal("opened a database under a file")
	}
	for _, bad := range []string{"sqlite:", "mysql://x", "sqlite:a?b"} {
		if _, err := Open(context.Background(), bad, Options{}); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

func TestSQLiteDefaultPathIsCreated(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	s, err := Open(context.Background(), "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, "data", "samvad.db")); err != nil {
		t.Fatalf("default database not created: %v", err)
	}
}

func TestConcurrentIngestsFailAlone(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		// The event log refuses one kind of row: the batch carrying it must
		// fail, and only it, even when written together with others.
		if e.pg() {
			e.exec(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.kind = 'poison' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`)
			e.exec("CREATE TRIGGER refuse_poison BEFORE INSERT ON event_log FOR EACH ROW EXECUTE FUNCTION refuse_poison()")
		} else {
			e.exec("CREATE TRIGGER refuse_poison BEFORE INSERT ON event_log WHEN NEW.kind = 'poison' BEGIN SELECT RAISE(ABORT, 'refused'); END")
		}
		now := e.clock.Now()
		for round := range 5 {
			var wg sync.WaitGroup
			results := make([]IngestResult, 12)
			errs := make([]error, 12)
			for i := range 12 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					b := Batch{Messages: []Inbound{inbound(fmt.Sprintf("9%d", i), fmt.Sprintf("w%d-%d", round, i), now, "x")}}
					if i == 5 {
						b.Log = []LogEntry{{Integration: "city", Kind: "poison"}}
					}
					results[i], errs[i] = e.s.Ingest(context.Background(), b)
				}()
			}
			wg.Wait()
			for i := range 12 {
				if i == 5 {
					if errs[i] == nil {
						t.Fatalf("round %d: the refused batch was stored", round)
					}
					continue
				}
				if errs[i] != nil || results[i].Messages != 1 {
					t.Fatalf("round %d, batch %d: %+v %v, want stored", round, i, results[i], errs[i])
				}
			}
		}
		if pending, _, _ := e.depths(); pending != 5*11 {
			t.Fatalf("pending = %d, want %d", pending, 5*11)
		}
	})
}
