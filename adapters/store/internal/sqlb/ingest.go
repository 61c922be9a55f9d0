package sqlb

import (
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// Contacts creates the messages' contacts when new (no rows returned).
// Contacts and Inbox are the ingest of BenchmarkIngest (adapters/store):
// one round trip on Postgres, prepared up to 8 rows.
func Contacts(q *Builder, cs []driver.Inbound, now time.Time) {
	// DO NOTHING takes no row lock, so ingest never waits for a worker that
	// holds the contact; the worker refreshes the profile from the inbox rows.
	q.Each(len(cs), "INSERT INTO contacts (id, integration_id, key, wa_id, user_id, profile_name, username, first_seen, last_seen) VALUES ", func(i int) {
		c := cs[i]
		q.Raw("(").Str(c.ContactID).Raw(", ").Str(c.Integration).Raw(", ").Str(c.ContactKey).Raw(", ").
			Str(c.WaID).Raw(", ").Str(c.UserID).Raw(", ").Str(c.ProfileName).Raw(", ").Str(c.Username).Raw(", ").
			Time(now).Raw(", ").Time(now).Raw(")")
	}, " ON CONFLICT (id) DO NOTHING")
}

// Inbox inserts the messages; each inserted row returns its contact and
// wamid, a duplicate returns nothing.
func Inbox(q *Builder, ms []driver.Inbound, now time.Time) {
	// arrival orders messages with the same WhatsApp timestamp (one-second
	// resolution): by batch, then by position in the batch.
	arrival := now.UnixMicro() * 1000
	q.Each(len(ms), "INSERT INTO inbox (contact_id, wamid, integration_id, type, summary, wa_ts, received_at, arrival, input, raw, wa_id, user_id, profile_name, username) VALUES ", func(i int) {
		m := ms[i]
		q.Raw("(").Str(m.ContactID).Raw(", ").Str(m.Wamid).Raw(", ").Str(m.Integration).Raw(", ").
			Str(TrimTo(m.Type, 64)).Raw(", ").Str(m.Summary).Raw(", ").Time(m.Timestamp).Raw(", ").Time(now).Raw(", ").Int(arrival + int64(m.Pos)).Raw(", ").
			Bytes(m.Input).Raw(", ").Bytes(m.Raw).Raw(", ").Str(m.WaID).Raw(", ").Str(m.UserID).Raw(", ").
			Str(m.ProfileName).Raw(", ").Str(m.Username).Raw(")")
	}, " ON CONFLICT (contact_id, wamid) DO NOTHING RETURNING contact_id, wamid")
}
