package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
)

// cursors make and read pagination cursors: the position of the last
// item of a page, as JSON, with an HMAC so that a cursor cannot be edited
// or made up. A cursor is opaque to the client.
type cursors struct{ key []byte }

// errBadCursor is the answer to a cursor this server did not make.
var errBadCursor = errors.New("api: the cursor is not one this server gave (copy next_cursor from the previous page)")

// make returns the cursor of position v.
func (c cursors) make(v any) string {
	body, err := json.Marshal(v)
	if err != nil {
		panic("api: a cursor position must encode as JSON: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(append(c.sign(body), body...))
}

// read fills v from cursor s, or fails with errBadCursor.
func (c cursors) read(s string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < sha256.Size {
		return errBadCursor
	}
	mac, body := raw[:sha256.Size], raw[sha256.Size:]
	if !hmac.Equal(mac, c.sign(body)) {
		return errBadCursor
	}
	if json.Unmarshal(body, v) != nil {
		return errBadCursor
	}
	return nil
}

func (c cursors) sign(body []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("samvad cursor\x00"))
	m.Write(body)
	return m.Sum(nil)
}
