package pipeline

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
	"github.com/samvad/samvad/engine"
)

const (
	testIntegration = "city"
	testPhoneID     = "100000000000009"
	testToken       = "pipeline-test-token"
)

// harness is a pipeline over an embedded store and the shipped flows, whose
// integration sends to a Graph API simulator on 127.0.0.1.
type harness struct {
	t    *testing.T
	p    *Pipeline
	st   *store.Store
	fake *graphsim.Server
	lim  *whatsapp.Limiter
	// clock is how far ahead of the real time the pipeline and the store
	// are (see later).
	clock *atomic.Int64
}

// later moves the pipeline's and the store's clock d ahead of real time.
func (h *harness) later(d time.Duration) { h.clock.Store(int64(d)) }

func newHarness(t *testing.T) *harness {
	t.Helper()
	lib, problems := engine.LoadDir("../../flows", "../../locales")
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	library := func() *engine.Library { return lib }
	ctx := context.Background()
	clock := &atomic.Int64{}
	now := func() time.Time { return time.Now().Add(time.Duration(clock.Load())) }
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "samvad.db"), store.Options{Apology: Apology(library), Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fake := graphsim.New(graphsim.Options{AccessToken: testToken, PhoneNumberID: testPhoneID})
	url, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	lim := whatsapp.NewLimiter(whatsapp.LimiterConfig{NumberRate: 80})
	p := New(Options{Store: st, Library: library, Limiter: lim, Metrics: NewMetrics(prometheus.NewRegistry()),
		MediaDir: t.TempDir(), ProgressAfter: 10 * time.Millisecond, Clock: now})
	eng, err := engine.New(lib, engine.Config{Services: p.Services(engine.ServiceFunc(func(context.Context, string, map[string]any) (map[string]any, error) {
		return map[string]any{"outcome": "ok"}, nil
	}))})
	if err != nil {
		t.Fatal(err)
	}
	client := &whatsapp.Client{BaseURL: url, APIVersion: "v23.0", PhoneNumberID: testPhoneID, AccessToken: testToken}
	p.Add(&Integration{ID: testIntegration, PhoneNumberID: testPhoneID, Engine: eng, Client: client, SessionDuration: time.Hour})
	return &harness{t: t, p: p, st: st, fake: fake, lim: lim, clock: clock}
}

// ingest stores one citizen message, framed as the webhook frames it.
func (h *harness) ingest(waID, wamid string, in engine.Input) {
	h.t.Helper()
	input, err := EncodeInput(&in)
	if err != nil {
		h.t.Fatal(err)
	}
	h.ingestRaw(waID, wamid, input)
}

// ingestRaw stores a message whose input bytes are given as they are.
func (h *harness) ingestRaw(waID, wamid string, input []byte) {
	h.t.Helper()
	_, err := h.st.Ingest(context.Background(), store.Batch{Messages: []store.Inbound{{Integration: testIntegration,
		Wamid: wamid, ContactKey: waID, WaID: waID, Type: "text", Timestamp: h.p.now(), Summary: "test", Input: input}}})
	if err != nil {
		h.t.Fatal(err)
	}
}

// stepAll runs the step handler until no citizen has pending messages.
func (h *harness) stepAll() {
	h.t.Helper()
	for {
		ok, err := h.st.ProcessNext(context.Background(), h.p.Step)
		if err != nil {
			h.t.Fatal(err)
		}
		if !ok {
			return
		}
	}
}

// queued decodes the replies queued for a citizen, in order.
func (h *harness) queued(waID string) []string {
	h.t.Helper()
	rows, err := h.st.ContactOutbox(context.Background(), store.ContactID(testIntegration, waID))
	if err != nil {
		h.t.Fatal(err)
	}
	var bodies []string
	for _, r := range rows {
		bodies = append(bodies, r.Summary)
	}
	return bodies
}
