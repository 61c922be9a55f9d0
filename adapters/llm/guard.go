package llm

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/samvad/samvad/engine/script"
)

// The checks on a model's answer before a citizen sees it. A model may
// write a plausible amount, date or reference that no department
// published; the citizen must never be told something untrue, so every
// such fact in an answer must appear in the passages it was given or in
// the conversation, or the answer is thrown away.

// factRE finds the facts an answer may state: reference-like codes,
// numbers (digits of any Indian script, with grouping commas and a
// decimal part), and month names in English and Hindi.
var factRE = regexp.MustCompile(`(?i)\b[a-z]+[-/]?[0-9][a-z0-9]*(?:[-/][a-z0-9]+)+\b|` +
	`[0-9\p{Nd}]+(?:[,.][0-9\p{Nd}]+)*|` +
	`\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b|` +
	`जनवरी|फ़?फरवरी|फ़रवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर|सितम्बर|अक्टूबर|नवंबर|नवम्बर|दिसंबर|दिसम्बर`)

// currencyRE finds a number written as an amount, which is checked even
// when it has one digit.
var currencyRE = regexp.MustCompile(`(?i)(₹|rs\.?|inr|रु\.?|रुपये|रुपए)\s*[0-9\p{Nd}]`)

// fact is the comparable form of a fact: codes upper-cased without
// separators, numbers in ASCII digits without grouping, months by
// number.
func fact(s string) string {
	s = script.ASCIIDigits(s)
	if m := monthOf(s); m != "" {
		return m
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r == ',' || r == '-' || r == '/' || r == ' ' {
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	// "1,250.00" and "1250" are the same amount.
	if i := strings.IndexByte(out, '.'); i >= 0 && strings.Trim(out[i+1:], "0") == "" {
		out = out[:i]
	}
	return out
}

var months = [][]string{
	{"jan", "जनवरी"}, {"feb", "फरवरी", "फ़रवरी"}, {"mar", "मार्च"}, {"apr", "अप्रैल"}, {"may", "मई"},
	{"jun", "जून"}, {"jul", "जुलाई"}, {"aug", "अगस्त"}, {"sep", "सितंबर", "सितम्बर"},
	{"oct", "अक्टूबर"}, {"nov", "नवंबर", "नवम्बर"}, {"dec", "दिसंबर", "दिसम्बर"},
}

func monthOf(s string) string {
	low := strings.ToLower(s)
	for i, names := range months {
		for _, n := range names {
			if low == n || (len(low) >= 3 && n == names[0] && strings.HasPrefix(low, n) && isASCIIWord(low)) {
				return fmt.Sprintf("month:%d", i+1)
			}
		}
	}
	return ""
}

func isASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// facts returns the set of facts in the texts.
func facts(texts ...string) map[string]bool {
	set := map[string]bool{}
	for _, t := range texts {
		for _, m := range factRE.FindAllString(t, -1) {
			set[fact(m)] = true
		}
	}
	return set
}

// unsupportedFact returns the first fact of answer that is not in known
// (nor allowed), or "" when there is none. A lone digit (a menu choice:
// "type 0") needs no source unless it is written as an amount.
func unsupportedFact(answer string, known map[string]bool, allowed map[string]bool) string {
	amounts := map[string]bool{}
	for _, loc := range currencyRE.FindAllStringIndex(answer, -1) {
		if m := factRE.FindString(answer[loc[1]-utf8RuneLenBefore(answer, loc[1]):]); m != "" {
			amounts[fact(m)] = true
		}
	}
	for _, m := range factRE.FindAllString(answer, -1) {
		f := fact(m)
		if known[f] || allowed[f] {
			continue
		}
		if len(f) == 1 && f[0] >= '0' && f[0] <= '9' && !amounts[f] {
			continue
		}
		return m
	}
	return ""
}

// utf8RuneLenBefore is the length of the rune that ends at s[:i].
func utf8RuneLenBefore(s string, i int) int {
	_, n := utf8.DecodeLastRuneInString(s[:i])
	return n
}

// scriptOf is the script an answer in lang must be written in (Latin for
// English and romanised Hindi, and when no language is given).
func scriptOf(lang string) script.Script {
	if lang == "" {
		return script.Latin
	}
	return script.ForLanguage(lang)
}

// checkAnswer returns why a model's answer may not be shown, or "".
func checkAnswer(text, lang string, maxChars int, known, allowed map[string]bool) string {
	if n := utf8.RuneCountInString(text); n > maxChars {
		return fmt.Sprintf("answer of %d characters, over the limit of %d", n, maxChars)
	}
	if want := scriptOf(lang); want != script.Unknown {
		if got := script.Detect(text); got != want {
			return fmt.Sprintf("answer written in %s script, not in %s for %q", got, want, lang)
		}
	}
	if placeholderRE.MatchString(text) {
		return "answer refers to a reference placeholder this question did not make"
	}
	if f := unsupportedFact(text, known, allowed); f != "" {
		return fmt.Sprintf("answer states %q, which no passage or message has", script.Redact(f))
	}
	return ""
}
