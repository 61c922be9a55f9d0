package pipeline

import (
	"context"
	"time"
)

// stepTimeout bounds one worker step (service calls included).
const stepTimeout = 2 * time.Minute

// runWorker processes citizens' messages until stop is closed. A step in
// progress completes; it is never cut short by shutdown. It is the one
// worker loop of the service.
func (p *Pipeline) runWorker(stop <-chan struct{}) {
	var idle idler
	for !stopped(stop) {
		signal := p.store.InboxSignal()
		ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
		stepped, leased, err := p.store.ProcessNextAndLease(ctx, p.Step, p.claimLease())
		cancel()
		for _, row := range leased {
			p.startSend(row)
		}
		failed := countErrors(err)
		p.metrics.steps.WithLabelValues("ok").Add(float64(max(stepped-failed, 0)))
		p.metrics.steps.WithLabelValues("error").Add(float64(failed))
		if err != nil {
			p.log.Error("processing citizens' messages", "err", err)
		}
		switch {
		case stepped > 0:
			// Steps ran (a failed one is recorded against its message):
			// others may be ready.
			idle.reset()
			if err != nil || p.store.MoreInboxWork() {
				continue
			}
		case err != nil:
			idle.backOff() // the store is away, most likely
		}
		if !idle.wait(stop, signal) {
			return
		}
	}
}

// countErrors counts the errors err joins (one for a plain error).
func countErrors(err error) int {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return len(j.Unwrap())
	}
	if err != nil {
		return 1
	}
	return 0
}

// idler paces a loop that polls the store: after an empty poll it waits for
// the store's signal, or a delay that doubles up to a second.
type idler struct{ d time.Duration }

const minIdle, maxIdle = 10 * time.Millisecond, time.Second

func (i *idler) reset()   { i.d = minIdle }
func (i *idler) backOff() { i.d = maxIdle }

// wait sleeps until signal, the delay, or stop; it reports false on stop.
func (i *idler) wait(stop, signal <-chan struct{}) bool {
	if i.d == 0 {
		i.d = minIdle
	}
	t := time.NewTimer(i.d)
	defer t.Stop()
	select {
	case <-stop:
		return false
	case <-signal:
		i.d = minIdle
	case <-t.C:
		i.d = min(i.d*2, maxIdle)
	}
	return true
}

// stopped reports whether stop is closed, without waiting.
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}
