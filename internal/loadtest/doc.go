// Package loadtest is Samvad's load generator: it plays Meta's side of a
// WhatsApp integration at a fixed rate and checks what comes back.
//
// A run has three parts, all on 127.0.0.1:
//
//   - A fake Graph API (StartGraph), which the target's graph base URL
//     points at, so that every reply the target sends is seen, validated
//     against Meta's rules and timed.
//   - The generator (Run): webhook POSTs on a schedule — post i is due at
//     i/rate, whether or not earlier posts were answered (an open loop: a
//     slow server cannot slow the load down and hide its own latency) —
//     over several connections, each body compact JSON signed with the
//     integration's app secret, like Meta's. Each citizen writes through one
//     connection, with non-decreasing timestamps, so their messages arrive
//     in the order they wrote them. A POST not acknowledged is delivered
//     again, as Meta does.
//   - The check (Check): every citizen says the same script (by default:
//     pick English, lodge a complaint about a pothole, read the helplines,
//     again and again), so before the load a probe citizen says it once,
//     waiting for each answer, to learn the replies to each message. Then a
//     citizen's replies, in the order the Graph API got them, must be
//     exactly the expected replies to each of their acknowledged messages in
//     turn: anything missing, sent twice, out of its place or sent while
//     the citizen's previous reply was still in flight is counted and
//     described.
//
// Latencies are measured from when each POST was due, not when it was
// sent: webhook acknowledgement (signature check and durable commit),
// and receipt to reply (until the reply's send reached the Graph API).
// The report also gives the throughput achieved and, when asked, samples
// of the targets' memory from their /metrics.
//
// `samvad loadgen` runs it from the command line, with an in-process server
// on a fresh database, three `samvad serve` processes on one Postgres, or
// an already running server; docs/performance.md has the figures.
package loadtest
