package engine

import (
	"strings"

	"github.com/samvad/samvad/engine/script"
)

// answer handles the citizen's reply to the ask the session waits at.
func (x *run) answer(n *Node) {
	ask := n.Ask
	if x.in.Kind == InputChoice && x.in.Asked != "" && x.in.Asked != ask.token {
		x.staleChoice(n)
		return
	}
	if ask.List != nil {
		x.answerList(n)
		return
	}
	val, kind, choice, ok := x.parse(ask)
	if !ok || !x.validAnswer(n, val) {
		x.invalid(n)
		return
	}
	if name := ask.Save[kind]; name != "" {
		x.s.Vars[name] = val
	}
	if choice != nil && ask.SaveLabel != "" {
		x.s.Vars[ask.SaveLabel] = x.choiceLabel(ask, choice.ID)
	}
	x.s.Retries = 0
	next := n.Next
	if choice != nil {
		if kind == ExpectLanguage {
			x.setLanguage(choice.ID)
		}
		if choice.Flow != "" {
			x.runFrom(x.enterFlow(n, x.lib.Flow(choice.Flow), n.Next.Kind != ToNone))
			return
		}
		if choice.Next.Kind != ToNone {
			next = choice.Next
		}
	}
	x.runFrom(x.follow(next))
}

// validAnswer runs an ask's validate: on a parsed answer. An expression
// that fails is an event, and the answer invalid.
func (x *run) validAnswer(n *Node, val any) bool {
	if n.Ask.Validate == nil {
		return true
	}
	valid, err := n.Ask.Validate.Bool(x.expressionEnv(val))
	if err != nil {
		x.event(EventExprError, x.flow.ID, n.Name, err.Error())
	}
	return valid
}

// parse reads the input as one of the answers the ask expects. It returns the
// value to save, the kind it was read as, and the choice when it was one.
func (x *run) parse(ask *Ask) (any, Expect, *ChoiceDef, bool) {
	if ask.Optional && x.skipped(ask) {
		return ask.skipValue(), ask.Expect[0], nil, true
	}
	for _, e := range ask.Expect {
		if v, ch, ok := x.parseAs(ask, e); ok {
			return v, e, ch, true
		}
	}
	return nil, 0, nil, false
}

// skipped reports whether the citizen chose to skip an optional ask.
func (x *run) skipped(ask *Ask) bool {
	if ask.expects(ExpectChoice) {
		return false
	}
	if x.in.Kind == InputChoice && x.in.ChoiceID == "skip" {
		return true
	}
	if x.in.Kind != InputText {
		return false
	}
	if n, ok := script.ParseInt(x.text); ok && n == 1 && !ask.expects(ExpectNumber) {
		return true
	}
	return x.lib.skip[script.Fold(x.text)]
}

func (a *Ask) skipValue() any {
	return a.Expect[0].varType().zero()
}

func (x *run) parseAs(ask *Ask, e Expect) (any, *ChoiceDef, bool) {
	in := x.in
	switch e {
	case ExpectChoice:
		if i := x.matchChoice(ask); i >= 0 {
			return ask.Choices[i].boxedID, ask.Choices[i], true
		}
	case ExpectLanguage:
		if i := x.langs.find(x); i >= 0 {
			code := x.langs.langs[i].Code
			return code, &ChoiceDef{ID: code}, true
		}
	case ExpectYesNo:
		if i := x.matchChoice(ask); i >= 0 {
			return ask.Choices[i].ID == "yes", nil, true
		}
		if in.Kind == InputText {
			if yes, ok := x.lib.yesNo[script.Fold(x.text)]; ok {
				return yes, nil, true
			}
		}
	case ExpectText:
		if t := x.answerText(); t != "" {
			return script.Redact(t), nil, true
		}
	case ExpectNumber:
		if in.Kind == InputText {
			if f, ok := script.ParseNumber(x.text); ok {
				return f, nil, true
			}
		}
	case ExpectDate:
		if in.Kind == InputText {
			if t, ok := script.ParseDate(x.text, x.now); ok {
				return t, nil, true
			}
		}
	case ExpectPIN:
		if in.Kind == InputText && script.IsPIN(x.text) {
			return onlyDigits(x.input), nil, true
		}
	case ExpectPhone:
		if in.Kind == InputText {
			if m, ok := script.NormalizeMobile(x.text); ok {
				return m, nil, true
			}
		}
	case ExpectLocation:
		if in.Kind == InputLocation && in.Location != nil {
			return locationValue(in.Location), nil, true
		}
	case ExpectImage, ExpectDocument, ExpectMedia:
		if in.Kind == InputMedia && in.Media != nil && mediaFits(e, in.Media.Kind) {
			return attachmentValue(in.Media, x.text), nil, true
		}
	}
	return nil, nil, false
}

// answerText is the text of a text answer: typed text, a tapped option's
// title, or a form's summary.
func (x *run) answerText() string {
	switch x.in.Kind {
	case InputText, InputChoice, InputForm:
		return x.text
	}
	return ""
}

func mediaFits(e Expect, kind string) bool {
	switch e {
	case ExpectImage:
		return kind == "image"
	case ExpectDocument:
		return kind == "document" || kind == "image"
	}
	return true
}

func onlyDigits(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func locationValue(l *Location) map[string]any {
	return map[string]any{"latitude": l.Latitude, "longitude": l.Longitude, "name": l.Name, "address": l.Address}
}

func attachmentValue(a *Attachment, caption string) map[string]any {
	return map[string]any{"kind": a.Kind, "media_id": a.MediaID, "mime_type": a.MimeType,
		"filename": a.Filename, "url": a.URL, "caption": script.Redact(caption)}
}

// matchChoice finds the choice the input answers: a tapped button or row by
// its id, a number in any Indian digit system, the label (or id) in any
// language ignoring case, spaces and punctuation, or an unambiguous beginning
// of a label. It returns -1 when nothing matches.
func (x *run) matchChoice(ask *Ask) int {
	in := x.in
	if in.Kind == InputChoice {
		for i, ch := range ask.Choices {
			if ch.ID == in.ChoiceID {
				return i
			}
		}
	}
	if in.Kind != InputText && in.Kind != InputChoice {
		return -1
	}
	if n, ok := script.ParseInt(x.text); ok {
		if n >= 1 && n <= len(ask.Choices) {
			return n - 1
		}
		return -1
	}
	folded := script.Fold(x.text)
	if i, ok := ask.match[folded]; ok {
		return i
	}
	if len([]rune(folded)) < 3 {
		return -1
	}
	found := -1
	for i, prefixes := range ask.prefixes {
		for _, p := range prefixes {
			if strings.HasPrefix(p, folded) {
				if found >= 0 && found != i {
					return -1
				}
				found = i
			}
		}
	}
	return found
}

// staleChoice answers a tap on a button or row of an earlier question: it
// would be read as an answer to this one, which the citizen did not give.
// They are told so and asked this question again; it is not an invalid
// answer and costs no retry.
func (x *run) staleChoice(n *Node) {
	x.event(EventStaleChoice, x.flow.ID, n.Name, x.in.ChoiceID)
	x.sayBuiltin("common.stale_choice")
	x.prompt(n, nil)
}

// invalid handles an answer the ask cannot take: a keyword of another
// flow (at a choice), the fallback (with fallback: true), else a retry, and
// on_fail once the retries run out.
func (x *run) invalid(n *Node) {
	ask := n.Ask
	if ask.expects(ExpectChoice) || ask.expects(ExpectLanguage) {
		if f, save := x.trigger(); f != nil {
			x.clearSession()
			x.startFlow(f)
			if save != "" {
				x.s.Vars[save] = x.text
			}
			x.runFrom(f.Start)
			return
		}
	}
	if ask.Fallback && x.invalidFallback(n) {
		return
	}
	x.s.Retries++
	x.event(EventAnswerInvalid, x.flow.ID, n.Name, ask.Expect[0].String())
	if x.s.Retries > ask.Retries {
		x.event(EventRetriesExceeded, x.flow.ID, n.Name, "")
		if ask.OnFail.Kind == ToFallback {
			x.failToFallback(n)
			return
		}
		x.sayBuiltin("common.too_many_tries")
		x.runFrom(x.follow(ask.OnFail))
		return
	}
	msg := ask.Invalid
	switch {
	case x.in.Kind == InputUnsupported:
		x.event(EventUnsupported, x.flow.ID, n.Name, x.in.Text)
		msg = x.lib.builtin["common.unsupported"]
	case msg == nil:
		msg = x.lib.builtin[invalidKey(ask.Expect[0])]
	}
	x.prompt(n, msg)
}

// choiceLabel is the label of a choice in the session's language.
func (x *run) choiceLabel(ask *Ask, id string) string {
	for _, ch := range x.choices(ask) {
		if ch.ID == id {
			return ch.Label
		}
	}
	return id
}
