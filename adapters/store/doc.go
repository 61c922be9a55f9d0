// Package store keeps Samvad's state: the inbox of citizens' messages, the
// sessions the engine resumes, the outbox of replies, the conversation
// history, analytics events, the integrations' event log, grievances, the
// outgoing webhook's deliveries, and the flow versions sessions are pinned
// to. It runs on Postgres in
// production and on an embedded SQLite file by default, through bun, with
// the same guarantees on both, proved by one conformance suite.
//
// The store is engine-agnostic at the byte level. A message's input, a
// session's state and an outbound message's payload are bytes the caller
// encodes and decodes; the store orders, deduplicates, locks and commits
// them, and never looks inside.
//
// # Layout: one API, one driver per database
//
// This package is the API, and holds everything that is the same on every
// database: validating what comes in, grouping concurrent calls into
// shared transactions, the signals that wake workers and senders, the
// step (running the handler, turning its Outcome into rows, retries,
// backoff and parking), token sealing, grievance references, and every
// query outside the hot path — integrations, contacts, history, events,
// parked messages, grievances, flow versions, moves of a contact — which
// it writes with bun's models and query builder (models.go).
//
// What differs between databases sits behind one interface,
// internal/driver.Driver, with one implementation per database:
//
//   - postgres: its connection pools with their session settings and
//     prepared statements, the one-message batches, the claims (row locks,
//     several contacts per transaction, queue floors), the step commits,
//     the MarkSent group, and its migrations.
//   - sqlite: the one writer and the readers, the statement cache, the
//     claim held in the process, the shared step commits, and its
//     migrations.
//
// The driver speaks rows and parameters (driver.Step, driver.Failure,
// driver.Ingest, …), never SQL, to the store. The statements of the hot
// path — ingest, the claims, a step's writes, the send marks — are built
// by hand (internal/sqlb, and the drivers' own where a statement differs),
// because the measured figures depend on how each database is sent them;
// sqlb's package doc says how and names the benchmarks. Each driver's
// schema is a set of .sql files embedded from its migrations directory and
// applied by bun/migrate under the same names on both, so a database
// created by an older binary opens as current.
//
// storetest is the conformance suite of the drivers, run by each driver's
// tests; this package's own tests run every public call against every
// driver (eachStore). A new database is a new driver that passes both.
//
// # Opening
//
//	st, err := store.Open(ctx, url, store.Options{SecretKey: key, Apology: apology})
//
// url is "postgres://…" (or "postgresql://…") for Postgres, or "sqlite:PATH"
// or a plain path for SQLite ("" means ./data/samvad.db; the directory is
// created on first start). Open runs the migrations compiled into the
// binary unless Options.NoMigrate is set, in which case it checks that the
// schema is current. Ping is the readiness probe; Close ends it all.
//
// # The data path of one citizen message
//
// 1. Receive. The webhook handler verifies the signature, parses the body
// and calls Ingest with every message, status and event-log note of the
// POST. Ingest writes them in one transaction and returns after the commit;
// only then does the server answer 200. A message whose wamid is already
// stored is a duplicate: counted, not stored again, however often and
// however concurrently Meta re-delivers it. An error means nothing was
// stored; errors.Is(err, ErrUnavailable) means the database is down or
// unreachable, and the server answers 503 so that Meta retries.
//
// 2. Process. Workers call ProcessNext(ctx, handler) in a loop (Run does
// exactly that, waking on InboxSignal). Each call claims one contact with
// pending messages, loads its session and those messages — oldest first by
// WhatsApp timestamp, then arrival — and hands them to the handler as a
// *Work. The handler runs the engine for each message in order and returns
// an *Outcome: the new session (or nil to end it) and its expiry, contact
// changes, the replies for the outbox in order, analytics events. The store
// writes all of it, marks the messages done and commits, in one
// transaction. Messages of one contact are processed strictly in order,
// never two steps for one contact at once; different contacts in parallel,
// in any number of goroutines and, on Postgres, processes. When many
// contacts are waiting, one call on Postgres claims several (up to
// Options.StepBatch) and steps them one after another in one transaction.
//
// 3. Send. A worker that sends replies itself calls ProcessNextAndLease
// instead: a step's first reply, when it is its contact's next message to
// leave, comes back already claimed and is sent at once. Senders call
// ClaimOutbox for the rest, send each message (the payload is the
// handler's bytes), and both report back: MarkSent with the wamid WhatsApp
// returned, MarkRetry for a failure that may pass (with exponential backoff
// and jitter, then failure), MarkFailed for one that never will; Release
// puts a message back unsent, uncounted, when the sender may not send it
// yet (pacing, a throttled number). Only the
// first unsent message of a contact is ever claimable, so a contact's
// replies leave one at a time, in the order the handler produced them.
//
// 4. Track. Status webhooks come back through Ingest and move the outbox row
// forward only: sent < delivered < read (played counts as read); failed is
// terminal and keeps its error. The outbox row is the delivery record: the
// history (History) shows an outbound message's wamid, status and error
// from it, so a status changes one row, not two. Repeats and
// regressions change nothing. A status may overtake the send's own
// response; it is recorded, noted in the event log (unless that wamid's
// MarkSent is under way in this process), and applied when MarkSent
// records that wamid. On Postgres a status and the MarkSent of its
// message each take the wamid's advisory lock before they look, so that
// when they are written at the same moment neither misses the other.
//
// A citizen who changes their number keeps their contact: MoveContact
// re-keys it and every row of it (session, conversations, inbox, outbox,
// history, events, grievances) in one transaction, after any step of it
// under way has ended, and points its unsent replies at the new number.
//
// # Guarantees
//
//   - Exactly once in effect. A step's effects (session, outbox, history,
//     events, grievances added with Work.AddGrievance, the messages marked
//     done) commit together or not at all. A crash, a handler error, a
//     cancelled context or an outcome that cannot be written leaves no trace
//     of the step; its messages are simply claimed again.
//   - Deduplication forever, on the wamid (per contact), in the database.
//   - Order: inputs in WhatsApp-timestamp order per contact; replies leave in
//     the order they were produced; one message per contact in flight.
//   - No half-written batch: every call is one transaction.
//   - Fail fast: a closed store, a refused connection, a lost connection
//     return an error wrapping ErrUnavailable at once (dialling is bounded by
//     Options.ConnectTimeout).
//   - Access tokens are stored encrypted (AES-GCM, Options.SecretKey) and only
//     AccessToken returns them in clear. Errors and event-log rows never hold
//     a token; contact keys are masked in them.
//
// # When a step fails
//
// A handler error (or a deadline) rolls the step back and is recorded
// against the contact's oldest pending message in a short follow-up write:
// its attempt count goes up and the contact is held for a backoff
// (Options.BackoffBase doubling up to BackoffMax) before it is tried again,
// with that message alone, so the failure lands on the message that causes
// it. After Options.MaxAttempts the message is parked (QueueDepths counts
// it), the payload from Options.Apology is queued so the citizen gets an
// answer rather than silence, and the contact's later messages go on.
// ProcessNext returns a *StepError describing what happened. A plain
// cancellation (shutdown) rolls back without counting an attempt.
//
// Work.SessionErr reports a session row that fails its checksum (or has no
// state); Work.Session still carries the bytes. The caller must restart the
// citizen then — a fresh session, an apology, an event — exactly as it does
// when the bytes do not decode. The next Outcome rewrites the row.
//
// # Wiring it into the server
//
//	handler := func(ctx context.Context, w *store.Work) (*store.Outcome, error) {
//		sess := new(engine.Session) // no session, or an expired one: start fresh
//		if w.Session != nil && (w.SessionErr != nil || sess.Decode(w.Session) != nil) {
//			sess = new(engine.Session) // corrupt: restart the citizen (and say so)
//		}
//		contact := w.Contact.Engine()
//		out := &store.Outcome{}
//		var res engine.Result
//		for _, m := range w.Messages {
//			if err := eng.Step(ctx, sess, &contact, decodeInput(m.Input), &res); err != nil {
//				return nil, err // ctx ended: the step rolls back
//			}
//			out.Events = append(out.Events, res.Events...)
//			for _, o := range res.Outputs {
//				out.Outbox = append(out.Outbox, store.OutboundMessage{Type: o.Kind.String(), Summary: o.Text, Payload: encode(o)})
//			}
//		}
//		out.Language, out.OptedOut = &contact.Language, &contact.OptedOut
//		out.Session, _ = sess.Encode(nil)
//		out.SessionExpires = now().Add(sessionDuration(w.Contact.Integration))
//		out.Flow, out.FlowVersion = sess.Flow, sess.Version
//		return out, nil
//	}
//	// Each worker: claim and step, then wait for the inbox's signal.
//	for {
//		wake := st.InboxSignal()
//		if ok, err := st.ProcessNext(ctx, handler); ok || err != nil {
//			continue // (log err; back off while the store is away)
//		}
//		<-wake // or a timer: work ingested by another process
//	}
//
// server/pipeline's worker loop is this loop, with ProcessNextAndLease and
// the send of the reply a step leased.
//
// A service connector the engine calls during the step (say, lodging a
// grievance) finds the step with WorkFrom(ctx) and uses Work.AddGrievance,
// so the grievance exists only if the step commits; outside a step it uses
// CreateGrievance.
//
// A change a department's own system is to hear of is queued the same way:
// QueueWebhook (or QueueCaseChange) takes the write's transaction as a
// bun.IDB, so the delivery exists only if the change commits.
// ClaimWebhooks leases due deliveries to one process; server/outhook posts
// them. Handoffs are not queued by the step: TailHandoffs reads them from
// the events afterwards, so the step's writes stay as they were.
//
// # Schema, and why every hot table is keyed by contact
//
// contacts, sessions, conversations, inbox, outbox, messages (the history)
// and events carry contact_id, and it leads their primary keys and unique
// constraints: inbox is unique on (contact_id, wamid), outbox and messages
// are keyed (contact_id, seq) with seq the contact's own message counter.
// The history and the events have no foreign key to contacts, and on
// Postgres neither have sessions, conversations, inbox and outbox (the
// second migration drops theirs): the step that writes them holds their
// contact, contacts are never deleted, and a check query per inserted row
// cost the database more than the rows. SQLite keeps the first four, whose
// checks are in-process lookups.
// The contact id is not a database sequence but ContactID(integration, key),
// computed the same way by every process from the webhook itself. So one
// step touches one contact's rows only, and those tables can be distributed
// by contact_id with Citus — each step then runs on one shard — without
// changing a key or a query of the step. What stays cross-contact is
// bounded: the claim scans (the inbox queue, the outbox heads), which a
// distributed deployment runs per shard; the status lookup by wamid (a
// status carries no contact key); and the small, rarely written tables
// (integrations, flow_versions as reference tables; grievances, event_log,
// statuses distributed by their own keys).
//
// Indexes are few on purpose. A session row has only its key, so the
// update every step makes to it stays a heap-only (HOT) update in Postgres;
// PurgeExpired scans. The inbox and outbox queues use partial indexes that
// hold only pending rows. On Postgres a served row leaves a dead entry in
// them until VACUUM, so claims are built not to walk those again and again:
// they run on connections that rule out bitmap scans (only an index scan
// marks the entries it passes dead), and they start at a floor, the least
// open id, read every 100 ms (see the postgres driver's queueFloor).
// Autovacuum visits the queue tables every 5,000 changed rows.
//
// # Round trips, and what a message costs
//
// On Postgres the hot paths send several statements in one simple-protocol
// message: Ingest is one round trip (one implicit transaction), and
// concurrent Ingest calls share one, so single-message webhooks do not each
// pay for a commit; a step is two — BEGIN with the claim and load, then the
// outcome with COMMIT — shared by the contacts of a batch; ClaimOutbox,
// MarkRetry and MarkFailed are one each, and concurrent MarkSent calls share
// one (a PL/pgSQL function takes the batch's rows and updates each by its
// key). Statements whose planning would
// cost as much as running them (the claim, a step's writes, MarkSent) are
// prepared once per connection and run with EXECUTE in those same
// messages; steps and senders keep their connections in small pools of
// their own for that (a connection never goes back to database/sql's pool
// with our statements and settings on it). Stats reports the count of
// round trips.
//
// Step commits on Postgres do not wait for the disk (synchronous_commit is
// off on step connections), and this loses nothing: a step's input is
// durable before the webhook is answered, and its replies leave only
// through ClaimOutbox, whose commit is synchronous and so flushes the log
// past the step's commit, or are handed back by ProcessNextAndLease, whose
// step commit is then synchronous (SET LOCAL). A Postgres crash can undo
// only steps whose replies were never claimed; their messages are pending
// again and are handled as after a rollback.
//
// # SQLite
//
// The embedded store is for one process: the claim of a contact is held in
// the process, and all writes go through one connection (so none ever
// meets SQLITE_BUSY) while reads use a pool of read-only connections in WAL
// mode. Values travel as parameters and every statement text is prepared
// once and kept; rows are written one statement per row so that the texts
// stay few. Workers' steps share commits: while one commit runs, the steps
// that finish queue and go together in the next transaction (if it fails,
// each is written again alone, so a failing step fails alone), and claims
// take their contacts from a queue filled by one look at the 64 oldest
// pending messages. Commits survive a crash of the process; with
// synchronous=NORMAL the last ones may be lost on power failure unless
// Options.Durable is set.
package store
