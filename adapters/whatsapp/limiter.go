package whatsapp

import (
	"math"
	"sync"
	"time"
)

// LimiterConfig sets the send rates a Limiter enforces. Zero fields take the
// defaults in brackets.
type LimiterConfig struct {
	// NumberRate is the messages per second one business number may send
	// [80, Meta's default throughput; 1000 after an upgrade, 20 for
	// numbers shared with the WhatsApp Business app].
	NumberRate float64
	// NumberBurstWindow is how much of NumberRate may go at once [1s].
	NumberBurstWindow time.Duration
	// PairBurst is how many messages one citizen may get in a burst [20].
	PairBurst int
	// PairInterval refills the citizen's burst, one message per interval
	// [6s, Meta's pair rate limit].
	PairInterval time.Duration
	// SweepEvery is how often idle entries are forgotten [1 minute].
	SweepEvery time.Duration
}

// Limiter paces sends so Meta does not throttle them: a token bucket per
// business phone number (throughput, error 130429) and one per business
// number and citizen (the pair rate limit, error 131056), which allows a
// burst and then one message per interval.
//
// It is safe for concurrent use and takes the time as an argument, so tests
// drive it with a fake clock. Memory stays bounded: an entry whose bucket
// has refilled completely is forgotten, since a fresh entry behaves the same.
//
// A Limiter paces one process. Several processes sending for the same
// number should each get a share of NumberRate; the pair limit holds as long
// as one citizen's messages are sent by one process at a time, which the
// outbox's per-contact ordering already ensures.
type Limiter struct {
	cfg LimiterConfig

	mu        sync.Mutex
	rates     map[string]float64
	numbers   map[string]time.Time // theoretical arrival time per number
	pairs     map[pairKey]time.Time
	lastSweep time.Time
}

type pairKey struct{ number, recipient string }

// NewLimiter returns a Limiter with cfg's rates.
func NewLimiter(cfg LimiterConfig) *Limiter {
	if cfg.NumberRate <= 0 {
		cfg.NumberRate = 80
	}
	if cfg.NumberBurstWindow <= 0 {
		cfg.NumberBurstWindow = time.Second
	}
	if cfg.PairBurst <= 0 {
		cfg.PairBurst = 20
	}
	if cfg.PairInterval <= 0 {
		cfg.PairInterval = 6 * time.Second
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Minute
	}
	return &Limiter{
		cfg:     cfg,
		rates:   map[string]float64{},
		numbers: map[string]time.Time{},
		pairs:   map[pairKey]time.Time{},
	}
}

// SetNumberRate sets one business number's messages per second (after a
// throughput upgrade, say); zero or less restores the default.
func (l *Limiter) SetNumberRate(phoneNumberID string, perSecond float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if perSecond <= 0 {
		delete(l.rates, phoneNumberID)
		return
	}
	l.rates[phoneNumberID] = perSecond
}

// Reserve books one message from phoneNumberID to recipient and returns how
// long after now it may be sent (zero: at once). The booking stands, so call
// it once per message and then wait (or schedule the send) that long.
//
// A message held back by the citizen's pair limit still takes its place in
// the number's bucket at now; that errs on the side of sending less.
func (l *Limiter) Reserve(phoneNumberID, recipient string, now time.Time) time.Duration {
	wait, _ := l.ReserveWithin(phoneNumberID, recipient, now, math.MaxInt64)
	return wait
}

// ReserveWithin books one message as Reserve does, but only when it may be
// sent within limit of now: otherwise it books nothing, returns false, and
// wait says how long after now it could go (the caller puts it aside until
// then, and the limiter has not counted it).
func (l *Limiter) ReserveWithin(phoneNumberID, recipient string, now time.Time, limit time.Duration) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	interval, burst := l.numberShape(phoneNumberID)
	pair := pairKey{phoneNumberID, recipient}
	numberTAT, numberWait := next(l.numbers[phoneNumberID], now, interval, burst)
	pairTAT, pairWait := next(l.pairs[pair], now, l.cfg.PairInterval, l.cfg.PairBurst)
	wait = max(numberWait, pairWait)
	if wait > limit {
		return wait, false
	}
	l.numbers[phoneNumberID], l.pairs[pair] = numberTAT, pairTAT
	return wait, true
}

// HoldRecipient stops sends to one citizen until the given time, after Meta
// answered 131056 (pair rate limit hit).
func (l *Limiter) HoldRecipient(phoneNumberID, recipient string, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hold(l.pairs, pairKey{phoneNumberID, recipient}, until, l.cfg.PairInterval, l.cfg.PairBurst)
}

// HoldNumber stops all sends of a business number until the given time,
// after Meta answered 130429 (throughput) or 131057 (maintenance).
func (l *Limiter) HoldNumber(phoneNumberID string, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	interval, burst := l.numberShape(phoneNumberID)
	hold(l.numbers, phoneNumberID, until, interval, burst)
}

// Len reports how many numbers and (number, citizen) pairs are remembered.
func (l *Limiter) Len() (numbers, pairs int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.numbers), len(l.pairs)
}

func (l *Limiter) numberShape(phoneNumberID string) (time.Duration, int) {
	rate := l.cfg.NumberRate
	if r, ok := l.rates[phoneNumberID]; ok {
		rate = r
	}
	interval := time.Duration(float64(time.Second) / rate)
	burst := int(math.Max(1, math.Floor(rate*l.cfg.NumberBurstWindow.Seconds())))
	return max(interval, 1), burst
}

// next books one more message in a bucket: the generic cell rate algorithm
// with reservations, where tat is the time the bucket would be full again
// and a message may go once now is within (burst-1) intervals of it. It
// returns the bucket's new tat and how long after now the message may go.
func next(tat, now time.Time, interval time.Duration, burst int) (time.Time, time.Duration) {
	tolerance := time.Duration(burst-1) * interval
	if tat.Before(now) {
		tat = now
	}
	sendAt := tat.Add(-tolerance)
	if sendAt.Before(now) {
		sendAt = now
	}
	return tat.Add(interval), sendAt.Sub(now)
}

// hold makes the earliest next send at or after until.
func hold[K comparable](tats map[K]time.Time, key K, until time.Time, interval time.Duration, burst int) {
	tat := until.Add(time.Duration(burst-1) * interval)
	if tat.After(tats[key]) {
		tats[key] = tat
	}
}

// sweep forgets entries whose bucket is full again (tat ≤ now): they behave
// exactly like entries never seen.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < l.cfg.SweepEvery {
		return
	}
	l.lastSweep = now
	for k, tat := range l.numbers {
		if !tat.After(now) {
			delete(l.numbers, k)
		}
	}
	for k, tat := range l.pairs {
		if !tat.After(now) {
			delete(l.pairs, k)
		}
	}
}
