package locale

import (
	"math"
	"strconv"
	"text/template"
	"time"
)

// A formatter appends a value to buf in a language's conventions. It
// reports false for a value it cannot format, which it writes as it is.
type formatter func(buf []byte, v any, l *Lang) ([]byte, bool)

// The formatters a message text may name: {{money .fee}}, {{number .count}},
// {{date .due}}.
var formatters = map[string]formatter{
	"money":  appendMoney,
	"number": appendGrouped,
	"date":   appendDate,
}

// Formats says what a formatter formats ("numbers", "dates"), for a
// message to an author; "" for a name that is not a formatter.
func Formats(format string) string {
	switch format {
	case "money", "number":
		return "numbers"
	case "date":
		return "dates"
	}
	return ""
}

// FormatReporter is what a Data implements to hear of a value a formatter
// could not format: {{money .fee}} with a fee of "abc", or of nothing. The
// value is still written as it is (nothing for nothing); the reporter is
// told, so that a mistake in a flow does not go unseen. Name is "" for a
// text rendered through text/template, where the formatter sees only the
// value.
type FormatReporter interface {
	FormatFailed(format, name string, v any)
}

// formatFuncs offers the same formatters to text/template, for messages that
// take the complex path; d, if it is a FormatReporter, hears of failures.
func formatFuncs(l *Lang, d Data) template.FuncMap {
	r, _ := d.(FormatReporter)
	fm := template.FuncMap{}
	for name, f := range formatters {
		name, f := name, f
		fm[name] = func(v any) string {
			out, ok := f(nil, v, l)
			if !ok && r != nil {
				r.FormatFailed(name, "", v)
			}
			return string(out)
		}
	}
	return fm
}

// appendValue writes a value in its natural form: text as is, whole numbers
// without decimals, dates as "21 November 2026" in the language's month names,
// a location by its name or coordinates, a list joined with commas.
func appendValue(buf []byte, v any, l *Lang) []byte {
	switch x := v.(type) {
	case nil:
		return buf
	case string:
		return append(buf, x...)
	case float64:
		return appendFloat(buf, x)
	case int:
		return strconv.AppendInt(buf, int64(x), 10)
	case int64:
		return strconv.AppendInt(buf, x, 10)
	case bool:
		if l != nil {
			if x {
				return append(buf, l.Yes...)
			}
			return append(buf, l.No...)
		}
		return strconv.AppendBool(buf, x)
	case time.Time:
		return appendDateOf(buf, x, l)
	case map[string]any:
		return appendObject(buf, x, l)
	case []any:
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = appendValue(buf, e, l)
		}
		return buf
	}
	return buf
}

// appendObject writes the human part of a structured value: a location's name
// or address (else its coordinates), or an object's "name", "title" or "label".
func appendObject(buf []byte, m map[string]any, l *Lang) []byte {
	for _, k := range []string{"name", "address", "title", "label"} {
		if s, ok := m[k].(string); ok && s != "" {
			return append(buf, s...)
		}
	}
	lat, ok1 := m["latitude"].(float64)
	lon, ok2 := m["longitude"].(float64)
	if ok1 && ok2 {
		buf = strconv.AppendFloat(buf, lat, 'f', 5, 64)
		buf = append(buf, ", "...)
		return strconv.AppendFloat(buf, lon, 'f', 5, 64)
	}
	return buf
}

func appendFloat(buf []byte, x float64) []byte {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.AppendInt(buf, int64(x), 10)
	}
	return strconv.AppendFloat(buf, x, 'f', -1, 64)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// appendGrouped writes a number with Indian digit grouping: 12,34,567.5.
func appendGrouped(buf []byte, v any, l *Lang) ([]byte, bool) {
	f, ok := toFloat(v)
	if !ok {
		return appendValue(buf, v, l), false
	}
	return appendIndian(buf, f, false), true
}

// appendMoney writes an amount in rupees: ₹1,250 or ₹12,34,567.50.
func appendMoney(buf []byte, v any, l *Lang) ([]byte, bool) {
	f, ok := toFloat(v)
	if !ok {
		return appendValue(buf, v, l), false
	}
	buf = append(buf, "₹"...)
	return appendIndian(buf, f, true), true
}

func appendIndian(buf []byte, f float64, money bool) []byte {
	if f < 0 {
		buf = append(buf, '-')
		f = -f
	}
	whole := math.Trunc(f)
	frac := f - whole
	if money && frac > 0 {
		cents := math.Round(frac * 100)
		if cents == 100 {
			whole++
			cents = 0
		}
		frac = cents
	}
	digits := strconv.AppendInt(nil, int64(whole), 10)
	n := len(digits)
	for i, c := range digits {
		if i > 0 {
			left := n - i
			if left == 3 || (left > 3 && (left-3)%2 == 0) {
				buf = append(buf, ',')
			}
		}
		buf = append(buf, c)
	}
	switch {
	case money && frac > 0:
		buf = append(buf, '.')
		if frac < 10 {
			buf = append(buf, '0')
		}
		buf = strconv.AppendInt(buf, int64(frac), 10)
	case !money && frac > 0:
		s := strconv.FormatFloat(frac, 'f', -1, 64)
		buf = append(buf, s[1:]...) // drop the leading 0
	}
	return buf
}

// appendDate writes a date as "21 November 2026" with the language's month
// names. A string in ISO form (2026-11-21) is accepted too. The zero time
// (a date variable nothing was saved to) is written as it always was, 1
// January 1, but reported: it is no date a citizen should see.
func appendDate(buf []byte, v any, l *Lang) ([]byte, bool) {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case string:
		p, err := time.Parse("2006-01-02", x)
		if err != nil {
			return append(buf, x...), false
		}
		t = p
	default:
		return appendValue(buf, v, l), false
	}
	return appendDateOf(buf, t, l), !t.IsZero()
}

func appendDateOf(buf []byte, t time.Time, l *Lang) []byte {
	months := &englishMonths
	if l != nil {
		months = &l.Months
	}
	buf = strconv.AppendInt(buf, int64(t.Day()), 10)
	buf = append(buf, ' ')
	buf = append(buf, months[t.Month()-1]...)
	buf = append(buf, ' ')
	return strconv.AppendInt(buf, int64(t.Year()), 10)
}

var englishMonths = [12]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// Format formats one value as a message text's {{money .x}}, {{number .x}}
// or {{date .x}} would in the language l (nil: English): "₹12,34,567.50",
// "12,34,567", "21 November 2026". It reports false for an unknown format
// or a value the format cannot read; the text returned then is the value
// as it is.
func Format(format string, v any, l *Lang) (string, bool) {
	f, ok := formatters[format]
	if !ok {
		return string(appendValue(nil, v, l)), false
	}
	out, ok := f(nil, v, l)
	return string(out), ok
}
