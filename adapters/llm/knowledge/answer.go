package knowledge

// Kind says what a result does.
type Kind string

// The kinds of result.
const (
	// KindAnswer: Text answers the citizen.
	KindAnswer Kind = "answer"
	// KindRoute: the citizen should be taken into Flow, with Args.
	KindRoute Kind = "route"
	// KindNone: nothing fits well enough; the caller offers the menu.
	KindNone Kind = "none"
)

// Query is a citizen's message to look up.
type Query struct {
	// Text is the message (already redacted: retrieval never needs an
	// identity number).
	Text string
	// Lang is the language the citizen is answered in (a locale code);
	// empty means the language the message matched.
	Lang string
	// Flows, when not nil, are the flows a route may lead to: intents of
	// other flows are left out.
	Flows []string
}

// Passage is one ranked entry or intent.
type Passage struct {
	// ID is the entry's id, or "flow:<id>" for an intent.
	ID string `json:"id"`
	// Kind is KindAnswer for an entry, KindRoute for an intent.
	Kind Kind `json:"kind"`
	// Flow is the intent's flow, or the flow an entry leads to.
	Flow string `json:"flow,omitempty"`
	// Lang is the language of the questions that matched.
	Lang string `json:"lang"`
	// Question is the first question (or example) in that language.
	Question string `json:"question"`
	// Text is the entry's answer in the result's language (empty for
	// an intent).
	Text string `json:"text,omitempty"`
	// TextLang is the language of Text.
	TextLang string `json:"text_lang,omitempty"`
	// Score is the BM25 score; Confidence the score over the most the
	// query could score.
	Score      float64 `json:"score"`
	Confidence float64 `json:"confidence"`
}

// Result is what the knowledge base makes of a message.
type Result struct {
	Kind Kind
	// Text is the answer (KindAnswer), in TextLang.
	Text     string
	TextLang string
	// EntryID is the answering entry (KindAnswer).
	EntryID string
	// Flow is the flow to start (KindRoute); for an answer, the flow the
	// entry leads to, which the caller may offer.
	Flow string
	// Args are the flow variables taken from the message (KindRoute).
	Args map[string]string
	// MatchedLang is the language of the questions the best target
	// matched ("hi-Latn" for romanised Hindi); empty for KindNone with
	// no match at all.
	MatchedLang string
	// Confidence is the best target's confidence (0–1).
	Confidence float64
	// Passages are the best targets, best first.
	Passages []Passage
}

// Answer decides what to do with a message: answer it from an entry,
// route it to a flow, or neither.
func (ix *Index) Answer(q Query) Result {
	sc := ix.scratch.Get().(*scratch)
	defer ix.release(sc)
	possible := ix.rank(sc, q.Text, allowedSet(q.Flows))
	res := Result{Kind: KindNone}
	if len(sc.ranked) == 0 || possible == 0 {
		return res
	}
	k := min(ix.opts.Passages, len(sc.ranked))
	res.Passages = make([]Passage, k)
	for i, t := range sc.ranked[:k] {
		res.Passages[i] = ix.passage(sc, t, possible, q.Lang)
	}
	top := res.Passages[0]
	res.Confidence, res.MatchedLang = top.Confidence, top.Lang
	if !ix.decisive(sc) {
		return res
	}
	tgt := ix.targets[sc.ranked[0]]
	switch {
	case tgt.entry >= 0 && top.Confidence >= ix.opts.AnswerThreshold:
		res.Kind, res.EntryID, res.Flow = KindAnswer, top.ID, top.Flow
		res.Text, res.TextLang = top.Text, top.TextLang
	case tgt.intent >= 0 && top.Confidence >= ix.opts.RouteThreshold:
		in := &ix.base.Intents[tgt.intent]
		res.Kind, res.Flow = KindRoute, in.Flow
		for _, a := range in.Args {
			if v, ok := a.Extract(q.Text); ok {
				if res.Args == nil {
					res.Args = map[string]string{}
				}
				res.Args[a.Name] = v
			}
		}
	}
	return res
}

// decisive reports whether the best target leads the next one that
// disagrees with it by the margin. An entry and an intent that lead to
// the same flow agree.
func (ix *Index) decisive(sc *scratch) bool {
	best := sc.ranked[0]
	flow := ix.flowOf(best)
	for _, t := range sc.ranked[1:] {
		if flow != "" && ix.flowOf(t) == flow {
			continue
		}
		return sc.best[best]-sc.best[t] >= float32(ix.opts.Margin)*sc.best[best]
	}
	return true
}

// flowOf is the flow a target leads to.
func (ix *Index) flowOf(t int32) string {
	tgt := ix.targets[t]
	if tgt.entry >= 0 {
		return ix.base.Entries[tgt.entry].Flow
	}
	return ix.base.Intents[tgt.intent].Flow
}

// Search returns the k best passages for a message, for a model's prompt.
func (ix *Index) Search(q Query, k int) []Passage {
	sc := ix.scratch.Get().(*scratch)
	defer ix.release(sc)
	possible := ix.rank(sc, q.Text, allowedSet(q.Flows))
	k = min(k, len(sc.ranked))
	out := make([]Passage, k)
	for i, t := range sc.ranked[:k] {
		out[i] = ix.passage(sc, t, possible, q.Lang)
	}
	return out
}

func (ix *Index) passage(sc *scratch, t int32, possible float32, lang string) Passage {
	d := &ix.docs[sc.bestDoc[t]]
	score := sc.best[t]
	p := Passage{Lang: d.lang, Question: d.first, Score: float64(score),
		Confidence: min(1, float64(score/possible))}
	if lang == "" {
		lang = d.lang
	}
	tgt := ix.targets[t]
	if tgt.entry >= 0 {
		e := &ix.base.Entries[tgt.entry]
		p.ID, p.Kind, p.Flow = e.ID, KindAnswer, e.Flow
		p.Text, p.TextLang = e.Text(lang)
		return p
	}
	in := &ix.base.Intents[tgt.intent]
	p.ID, p.Kind, p.Flow = "flow:"+in.Flow, KindRoute, in.Flow
	return p
}

// Text returns the entry's answer in lang, and the language it is in:
// lang itself, Hindi for romanised Hindi when the entry has no romanised
// answer, or else English.
func (e *Entry) Text(lang string) (string, string) {
	if t, ok := e.Answer[lang]; ok {
		return t, lang
	}
	if lang == "hi-Latn" {
		if t, ok := e.Answer["hi"]; ok {
			return t, "hi"
		}
	}
	return e.Answer["en"], "en"
}

func allowedSet(flows []string) map[string]bool {
	if flows == nil {
		return nil
	}
	m := make(map[string]bool, len(flows))
	for _, f := range flows {
		m[f] = true
	}
	return m
}
