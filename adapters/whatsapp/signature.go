package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/url"
	"unicode/utf8"
)

// SignatureHeader is the header Meta signs webhook POST bodies in.
const SignatureHeader = "X-Hub-Signature-256"

const signaturePrefix = "sha256="

// VerifyChallenge answers Meta's webhook verification GET. It reports ok only
// when hub.mode is "subscribe" and hub.verify_token equals verifyToken
// (compared in constant time); the caller then answers 200 with challenge as
// the whole plain-text body, and 403 otherwise. The challenge is returned
// exactly as Meta sent it, never parsed or reformatted.
func VerifyChallenge(q url.Values, verifyToken string) (challenge string, ok bool) {
	if verifyToken == "" || q.Get("hub.mode") != "subscribe" {
		return "", false
	}
	got := q.Get("hub.verify_token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(verifyToken)) != 1 {
		return "", false
	}
	return q.Get("hub.challenge"), true
}

// VerifySignature reports whether header (the X-Hub-Signature-256 value) is
// "sha256=" followed by the lowercase hex HMAC-SHA256 of body under appSecret.
//
// body must be the raw request bytes exactly as received: never a decoded and
// re-encoded copy. Meta computes the signature over an escaped-unicode form of
// the payload (every non-ASCII character written as \uXXXX); the bytes on the
// wire normally are that form already. When the raw bytes do not match and the
// body holds non-ASCII bytes (a proxy or a test harness that unescaped the
// JSON), the check is repeated once over the escaped form.
func VerifySignature(body []byte, header, appSecret string) bool {
	if appSecret == "" || len(header) != len(signaturePrefix)+2*sha256.Size || header[:len(signaturePrefix)] != signaturePrefix {
		return false
	}
	want, err := hex.DecodeString(header[len(signaturePrefix):])
	if err != nil {
		return false
	}
	if hmac.Equal(want, bodyMAC(body, appSecret)) {
		return true
	}
	if !hasNonASCII(body) {
		return false
	}
	return hmac.Equal(want, bodyMAC(EscapeUnicode(body), appSecret))
}

// Sign returns the X-Hub-Signature-256 value for body under appSecret, the way
// Meta computes it over the bytes it sends. Tests and fakes use it.
func Sign(body []byte, appSecret string) string {
	return signaturePrefix + hex.EncodeToString(bodyMAC(body, appSecret))
}

func bodyMAC(body []byte, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// EscapeUnicode rewrites every character above U+007E as a JSON \uXXXX escape
// with lowercase hex digits, writing characters outside the Basic Multilingual
// Plane as a UTF-16 surrogate pair (😀 becomes \ud83d\ude00). ASCII bytes are
// copied unchanged. Invalid UTF-8 bytes are escaped as \ufffd.
func EscapeUnicode(b []byte) []byte {
	const hexDigits = "0123456789abcdef"
	out := make([]byte, 0, len(b)+len(b)/2)
	put := func(u uint16) {
		out = append(out, '\\', 'u', hexDigits[u>>12], hexDigits[u>>8&0xf], hexDigits[u>>4&0xf], hexDigits[u&0xf])
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x7f {
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		i += size
		if r >= 0x10000 {
			r -= 0x10000
			put(uint16(0xd800 + r>>10))
			put(uint16(0xdc00 + r&0x3ff))
			continue
		}
		put(uint16(r))
	}
	return out
}
