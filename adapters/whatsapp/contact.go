package whatsapp

import (
	"strings"
	"time"

	"github.com/samvad/samvad/engine"
)

// CustomerServiceWindow is how long after a citizen's last message the bot
// may send free-form messages. Outside it only templates are delivered
// (anything else fails with 131047).
const CustomerServiceWindow = 24 * time.Hour

// InWindow reports whether a free-form message may be sent at now to a
// citizen whose last message arrived at lastInbound.
func InWindow(lastInbound, now time.Time) bool {
	return !lastInbound.IsZero() && now.Sub(lastInbound) < CustomerServiceWindow
}

// Contact is what the message says about its sender, for the engine: the
// conversation key (wa_id, else BSUID), the profile name, and the phone
// digits when Meta gave them.
func (m *Message) Contact() engine.Contact {
	return engine.Contact{ID: m.ContactKey(), Name: m.ProfileName, Phone: m.WaID}
}

// MaskID hides most of a phone number, wa_id or BSUID for logs, keeping
// a "+" and two digits of country code, a BSUID's country prefix, and the
// last four characters: "+919800000101" → "+91••••••0101",
// "919800000101" → "••••••••0101", "US.1000000000000000001" → "US.•••…•0001".
func MaskID(id string) string {
	r := []rune(id)
	if len(r) <= 4 {
		return strings.Repeat("•", len(r))
	}
	keep := 0
	switch {
	case r[0] == '+':
		keep = 3
	case len(r) > 3 && r[2] == '.':
		keep = 3
	}
	keep = min(keep, len(r)-4)
	return string(r[:keep]) + strings.Repeat("•", len(r)-4-keep) + string(r[len(r)-4:])
}
