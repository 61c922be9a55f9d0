package loadtest

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strings"
	"time"
)

// Options describe one load run. Zero fields take the defaults in brackets.
type Options struct {
	// Targets are the base URLs of the Samvad processes to load
	// (http://127.0.0.1:8080); webhooks are spread over them. Loopback only.
	Targets []string
	// Integration, AppSecret and PhoneNumberID are the target integration's
	// id (its callback path), app secret (to sign) and business number.
	Integration   string
	AppSecret     string
	PhoneNumberID string
	// Graph is the fake Graph API the targets send their replies to.
	Graph *Graph

	// Rate is the citizen messages offered per second [100].
	Rate float64
	// Duration is how long they are offered [10s], unless Count is set:
	// then exactly Count messages are offered at Rate.
	Duration time.Duration
	Count    int
	// Citizens write the messages, in turn [10 s of messages: each citizen
	// writes about every ten seconds].
	Citizens int
	// Batch is the messages per webhook POST [1].
	Batch int
	// Connections is how many webhook POSTs may be in flight at once [64].
	// Each citizen always writes through the same one, so that their
	// messages arrive in the order they wrote them.
	Connections int
	// Opening is what a new citizen says first; then they repeat Cycle
	// [DefaultOpening, DefaultCycle].
	Opening, Cycle []string
	// Spread sets the citizens out of step: citizen n says the cycle's last
	// message (which leaves them where the cycle begins, as a probe checks)
	// n mod len(Cycle) extra times after the opening. Every window of the
	// run then holds a mix of steps, as real traffic does, rather than every
	// citizen taking the same step at once.
	Spread bool
	// Drain is the longest the run waits for replies after the last POST
	// [30s].
	Drain time.Duration
	// Redeliveries is how often a POST that was not acknowledged is posted
	// again, as Meta re-delivers [2].
	Redeliveries int
	// SampleEvery, when set, reads each target's /metrics that often during
	// the run for its memory (heap, resident set, goroutines).
	SampleEvery time.Duration
	// Log, when set, gets a line of progress every few seconds.
	Log io.Writer
}

// The bounds of a run: it stays a test, not an attack.
const (
	MaxRate        = 50_000
	MaxDuration    = 15 * time.Minute
	MaxMessages    = 5_000_000
	MaxCitizens    = 999_997 // the two ids above are the probes'
	MaxBatch       = 100
	MaxConnections = 512
	maxDrain       = 5 * time.Minute
)

// DefaultOpening and DefaultCycle are a citizen's side of a conversation
// with the shipped flows: choose English at the language menu, then, again
// and again, lodge a complaint about a pothole (category, sub-category,
// description, PIN code, no photo, submit), go back to the menu and read the
// national helplines. Services are reached by their keywords, not their
// numbers, which move as services join the menu.
//
// Every citizen starts within the offer's first Citizens/Rate seconds and
// writes once per round, so all of them walk the script in step: in the
// window of each round that holds their "submit" (80–90 s into the offer
// with the defaults, then every 110 s), nearly every message lodges a
// grievance, the heaviest step. A run is harsher than real traffic there,
// where such steps are spread out; Report.Windows shows these waves.
// Options.Spread sets the citizens out of step instead.
var (
	DefaultOpening = []string{"hi", "1"}
	DefaultCycle   = []string{"complaint", "2", "1", "Big pothole on the main road near the bus stand", "751001", "skip", "1",
		"0", "helplines", "3", "0"}
)

// withDefaults fills zero fields and checks every bound, reporting all
// problems at once.
func (o Options) withDefaults() (Options, error) {
	if o.Rate == 0 {
		o.Rate = 100
	}
	if o.Duration == 0 && o.Count == 0 {
		o.Duration = 10 * time.Second
	}
	if o.Batch == 0 {
		o.Batch = 1
	}
	if o.Connections == 0 {
		o.Connections = 64
	}
	if o.Citizens == 0 {
		o.Citizens = int(math.Min(math.Max(o.Rate*10, float64(o.Connections)), MaxCitizens))
	}
	if len(o.Opening) == 0 && len(o.Cycle) == 0 {
		o.Opening, o.Cycle = DefaultOpening, DefaultCycle
	}
	if o.Drain == 0 {
		o.Drain = 30 * time.Second
	}
	if o.Redeliveries == 0 {
		o.Redeliveries = 2
	}
	o.Targets = append([]string(nil), o.Targets...)
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(o.Targets) == 0 {
		add("no target: give the base URL of a running Samvad")
	}
	for i, t := range o.Targets {
		u, err := url.Parse(t)
		switch {
		case err != nil || u.Scheme != "http" || u.Host == "":
			add("target %d: %q is not an http:// base URL", i+1, t)
		case !isLoopbackHost(u.Hostname()):
			add("target %d: %q: %v", i+1, t, errNotLoopback)
		}
		o.Targets[i] = strings.TrimRight(t, "/")
	}
	if o.Integration == "" || o.AppSecret == "" || o.PhoneNumberID == "" {
		add("the integration id, its app secret and its phone number id are all needed")
	}
	if o.Graph == nil {
		add("no Graph: start one with StartGraph and point the target's graph base URL at it")
	}
	if !(o.Rate > 0 && o.Rate <= MaxRate) {
		add("rate %v is not between 0 and %d messages per second", o.Rate, MaxRate)
	}
	if o.Duration < 0 || o.Duration > MaxDuration {
		add("duration %v is not between 0 and %v", o.Duration, MaxDuration)
	}
	total := o.Count
	if total == 0 {
		total = int(math.Ceil(o.Rate * o.Duration.Seconds()))
	}
	if o.Count < 0 || total > MaxMessages {
		add("%d messages is more than a run may offer (%d)", total, MaxMessages)
	}
	if o.Citizens < 1 || o.Citizens > MaxCitizens {
		add("citizens %d is not between 1 and %d", o.Citizens, MaxCitizens)
	}
	if o.Batch < 1 || o.Batch > MaxBatch {
		add("batch %d is not between 1 and %d messages per POST", o.Batch, MaxBatch)
	}
	if o.Connections < 1 || o.Connections > MaxConnections {
		add("connections %d is not between 1 and %d", o.Connections, MaxConnections)
	}
	if len(o.Cycle) == 0 {
		add("the script needs a cycle to repeat")
	}
	if o.Drain < 0 || o.Drain > maxDrain {
		add("drain %v is not between 0 and %v", o.Drain, maxDrain)
	}
	if o.Redeliveries < 0 || o.Redeliveries > 10 {
		add("redeliveries %d is not between 0 and 10", o.Redeliveries)
	}
	if len(problems) > 0 {
		return o, errors.New("loadtest: " + strings.Join(problems, "; "))
	}
	return o, nil
}

// total is the number of messages the run offers.
func (o *Options) total() int {
	if o.Count > 0 {
		return o.Count
	}
	return int(math.Ceil(o.Rate * o.Duration.Seconds()))
}
