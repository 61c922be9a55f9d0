package loadtest

import (
	"strconv"
	"unicode/utf8"
)

// A webhook body is built the way Meta sends one: compact JSON, keys in
// Meta's order, every non-ASCII character written as \uXXXX (Meta signs
// that form), one change per message. The builder appends into a reused
// buffer; the generator signs the result with the integration's app secret.

// wabaID and displayNumber fill the envelope like a real account's.
const (
	wabaID        = "100000000000001"
	displayNumber = "15550000000"
)

// inbound is one citizen message to put in a webhook.
type inbound struct {
	waID  string
	name  string
	wamid string
	ts    int64
	text  string
}

// appendWebhook appends a webhook body carrying msgs (one change each) for
// the business number phoneNumberID.
func appendWebhook(b []byte, phoneNumberID string, msgs []inbound) []byte {
	b = append(b, `{"object":"whatsapp_business_account","entry":[{"id":"`...)
	b = append(b, wabaID...)
	b = append(b, `","changes":[`...)
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"`...)
		b = append(b, displayNumber...)
		b = append(b, `","phone_number_id":`...)
		b = appendJSONString(b, phoneNumberID)
		b = append(b, `},"contacts":[{"profile":{"name":`...)
		b = appendJSONString(b, m.name)
		b = append(b, `},"wa_id":"`...)
		b = append(b, m.waID...)
		b = append(b, `"}],"messages":[{"from":"`...)
		b = append(b, m.waID...)
		b = append(b, `","id":`...)
		b = appendJSONString(b, m.wamid)
		b = append(b, `,"timestamp":"`...)
		b = strconv.AppendInt(b, m.ts, 10)
		b = append(b, `","text":{"body":`...)
		b = appendJSONString(b, m.text)
		b = append(b, `},"type":"text"}]},"field":"messages"}`...)
	}
	return append(b, `]}]}`...)
}

// appendJSONString appends s as a JSON string with every non-ASCII
// character \u-escaped (astral characters as surrogate pairs).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	u := func(b []byte, r rune) []byte {
		return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
	}
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r < 0x20 || r == utf8.RuneError:
			b = u(b, r&0xffff)
		case r < 0x80:
			b = append(b, byte(r))
		case r < 0x10000:
			b = u(b, r)
		default:
			r -= 0x10000
			b = u(b, 0xd800+(r>>10))
			b = u(b, 0xdc00+(r&0x3ff))
		}
	}
	return append(b, '"')
}
