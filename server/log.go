package server

import (
	"io"
	"log/slog"
	"strings"

	"github.com/samvad/samvad/engine/script"
)

// NewLogger returns the service's structured logger. Whatever is logged,
// phone numbers in fields named for them are masked, and identity numbers,
// phone numbers and e-mail addresses inside any text field are redacted: a
// log line can be shared with a vendor without leaking a citizen.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: logLevels[level], ReplaceAttr: redactAttr}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(h)
}

// phoneKeys are attribute names whose values are phone numbers or WhatsApp ids.
var phoneKeys = map[string]bool{"phone": true, "wa_id": true, "waid": true, "to": true, "from": true,
	"recipient": true, "citizen": true, "contact": true, "msisdn": true}

// secretKeys are attribute names that must never show a value.
var secretKeys = map[string]bool{"token": true, "access_token": true, "app_secret": true, "secret": true,
	"verify_token": true, "authorization": true, "password": true, "api_key": true}

func redactAttr(groups []string, a slog.Attr) slog.Attr {
	key := strings.ToLower(a.Key)
	switch {
	case secretKeys[key]:
		return slog.String(a.Key, "[redacted]")
	case phoneKeys[key] && a.Value.Kind() == slog.KindString:
		return slog.String(a.Key, script.MaskPhone(a.Value.String()))
	case a.Value.Kind() == slog.KindString:
		if s := a.Value.String(); s != script.Redact(s) {
			return slog.String(a.Key, script.Redact(s))
		}
	case a.Value.Kind() == slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, script.Redact(err.Error()))
		}
	}
	return a
}
