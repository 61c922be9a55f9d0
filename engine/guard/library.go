package guard

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"

	"github.com/samvad/samvad/engine/script"
)

// The functions a department's expressions may call, beyond expr's built-ins
// (len, lower, upper, trim, split, contains, matches, …). Each is declared with
// its Go signature so that misuse is a load error.
var library = []expr.Option{
	expr.DisableBuiltin("now"),
	// len counts characters, not bytes: "ଅଳିଆ" is 4 long, like "bins".
	expr.DisableBuiltin("len"),
	expr.Function("len", func(a ...any) (any, error) {
		switch v := a[0].(type) {
		case string:
			return utf8.RuneCountInString(v), nil
		case []any:
			return len(v), nil
		case map[string]any:
			return len(v), nil
		}
		return nil, fmt.Errorf("len of %T", a[0])
	}, new(func(string) int), new(func([]any) int), new(func(map[string]any) int)),
	fn1("isPin", script.IsPIN, new(func(string) bool)),
	fn1("isAadhaar", script.IsAadhaar, new(func(string) bool)),
	fn1("isPan", script.IsPAN, new(func(string) bool)),
	fn1("isMobile", script.IsMobile, new(func(string) bool)),
	fn1("isReference", script.ValidReference, new(func(string) bool)),
	fn1("digits", script.ASCIIDigits, new(func(string) string)),
	fn1("redact", script.Redact, new(func(string) string)),
	fn1("fold", script.Fold, new(func(string) string)),
	expr.Function("mobile", func(a ...any) (any, error) {
		m, _ := script.NormalizeMobile(a[0].(string))
		return m, nil
	}, new(func(string) string)),
	expr.Function("reference", func(a ...any) (any, error) {
		r, _ := script.NormalizeReference(a[0].(string))
		return r, nil
	}, new(func(string) string)),
	expr.Function("isNumber", func(a ...any) (any, error) {
		_, ok := script.ParseNumber(a[0].(string))
		return ok, nil
	}, new(func(string) bool)),
	expr.Function("toNumber", func(a ...any) (any, error) {
		n, ok := script.ParseNumber(a[0].(string))
		if !ok {
			return nil, fmt.Errorf("%q is not a number", a[0])
		}
		return n, nil
	}, new(func(string) float64)),
	expr.Function("isDate", func(a ...any) (any, error) {
		_, ok := script.ParseDate(a[0].(string), a[1].(time.Time))
		return ok, nil
	}, new(func(string, time.Time) bool)),
	expr.Function("parseDate", func(a ...any) (any, error) {
		t, ok := script.ParseDate(a[0].(string), a[1].(time.Time))
		if !ok {
			return nil, fmt.Errorf("%q is not a date", a[0])
		}
		return t, nil
	}, new(func(string, time.Time) time.Time)),
	expr.Function("lastDigits", func(a ...any) (any, error) {
		return lastDigits(a[0].(string), a[1].(int)), nil
	}, new(func(string, int) string)),
	expr.Function("addDays", func(a ...any) (any, error) {
		return a[0].(time.Time).AddDate(0, 0, a[1].(int)), nil
	}, new(func(time.Time, int) time.Time)),
	expr.Function("daysBetween", func(a ...any) (any, error) {
		return daysBetween(a[0].(time.Time), a[1].(time.Time)), nil
	}, new(func(time.Time, time.Time) int)),
	expr.Function("isBlank", func(a ...any) (any, error) {
		return strings.TrimSpace(a[0].(string)) == "", nil
	}, new(func(string) bool)),
}

// fn1 declares a one-argument function from a plain Go function.
func fn1[A, R any](name string, f func(A) R, sig any) expr.Option {
	return expr.Function(name, func(a ...any) (any, error) {
		return f(a[0].(A)), nil
	}, sig)
}

// lastDigits returns the last n ASCII digits of s (digits of any script count).
func lastDigits(s string, n int) string {
	d := []byte{}
	for _, r := range script.ASCIIDigits(s) {
		if r >= '0' && r <= '9' {
			d = append(d, byte(r))
		}
	}
	if n < len(d) {
		d = d[len(d)-n:]
	}
	return string(d)
}

// daysBetween counts calendar days from a to b (negative when b is earlier).
func daysBetween(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// Functions lists the library's function names with their signatures, for the
// flow language reference.
func Functions() []string {
	return []string{
		"isPin(text) bool: a 6-digit Indian PIN code",
		"isAadhaar(text) bool: 12 digits with a valid Verhoeff checksum",
		"isPan(text) bool: a PAN (5 letters, 4 digits, 1 letter)",
		"isMobile(text) bool: an Indian mobile number",
		"mobile(text) text: the mobile number as +91XXXXXXXXXX, or empty",
		"isReference(text) bool / reference(text) text: a docket reference such as GRV-26-4821-7305-A",
		"digits(text) text: digits of any Indian script written as 0-9",
		"isNumber(text) bool / toNumber(text) number: 1,250 or १२५० or ₹1,250",
		"isDate(text, now) bool / parseDate(text, now) date: 21/11/2026, 21 Nov 2026, …",
		"lastDigits(text, n) text: the last n digits",
		"addDays(date, n) date / daysBetween(date, date) int",
		"isBlank(text) bool / fold(text) text / redact(text) text",
		"len(text) int: the number of characters (not bytes); len(list), len(object)",
	}
}
