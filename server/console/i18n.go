package console

import (
	"net/http"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

// langCookie remembers the language a user picked.
const langCookie = "samvad_lang"

// languages are the console's languages, the first the default.
var languages = []language.Tag{language.English, language.Hindi}

// languageNames name each language in itself, for the selector.
var languageNames = map[string]string{"en": "English", "hi": "हिन्दी"}

var (
	bundleOnce sync.Once
	bundle     *i18n.Bundle
	bundleErr  error
	matcher    = language.NewMatcher(languages)
)

// loadBundle reads the console's message files.
func loadBundle() (*i18n.Bundle, error) {
	bundleOnce.Do(func() {
		b := i18n.NewBundle(language.English)
		b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
		for _, t := range languages {
			if _, err := b.LoadMessageFileFS(files, "locales/"+t.String()+".yaml"); err != nil {
				bundleErr = err
				return
			}
		}
		bundle = b
	})
	return bundle, bundleErr
}

// lang is one request's language.
type lang struct {
	Code string
	loc  *i18n.Localizer
}

// T is the message id in the language; args are name, value pairs for the
// message's template. A message missing in the language falls back to
// English; one missing everywhere shows its id.
func (l lang) T(id string, args ...any) string {
	var data map[string]any
	if len(args) > 1 {
		data = map[string]any{}
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			data[name] = args[i+1]
		}
	}
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil && s == "" {
		return id
	}
	return s
}

// N is T for a count: the message's plural form for n, which the message
// reads as {{.N}}.
func (l lang) N(id string, n int) string {
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: map[string]any{"N": n}})
	if err != nil && s == "" {
		return id
	}
	return s
}

// pickLanguage is the language for r: the user's pick, else the browser's.
func pickLanguage(r *http.Request) lang {
	code := ""
	if ck, err := r.Cookie(langCookie); err == nil {
		if _, ok := languageNames[ck.Value]; ok {
			code = ck.Value
		}
	}
	if code == "" {
		_, i := language.MatchStrings(matcher, r.Header.Get("Accept-Language"))
		code = languages[i].String()
	}
	return lang{Code: code, loc: i18n.NewLocalizer(bundle, code, "en")}
}

// setLanguage remembers the language picked and goes back to the page.
func (c *Console) setLanguage(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.URL.Query().Get("lang"))
	if _, ok := languageNames[code]; !ok {
		http.Error(w, "400 lang must be one of en, hi", http.StatusBadRequest)
		return
	}
	c.setCookie(w, r, langCookie, code, 365*24*3600)
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
}
