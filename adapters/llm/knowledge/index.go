package knowledge

import (
	"math"
	"sort"
	"sync"

	"github.com/samvad/samvad/adapters/llm/textnorm"
)

// Options tune the ranking and the decision. The zero value of a field
// takes its default (see DefaultOptions).
type Options struct {
	// K1 and B are BM25's term-frequency saturation and length
	// normalisation.
	K1, B float64
	// UnknownWeight is the weight, relative to the rarest known term, of
	// a query term no document has: it counts against the confidence,
	// since the citizen said something the knowledge base does not know.
	UnknownWeight float64
	// AnswerThreshold and RouteThreshold are the confidences (0–1) an
	// entry and an intent need to be given.
	AnswerThreshold, RouteThreshold float64
	// Margin is how far (as a fraction of its score) the best target must
	// lead the next one; closer than that, the message is ambiguous.
	Margin float64
	// Passages is how many ranked targets a result carries (for the
	// model's prompt and for review).
	Passages int
}

// DefaultOptions are the options tuned on the development set
// (adapters/llm/testdata/dev.yaml); the held-out set was never used to
// choose them.
var DefaultOptions = Options{
	K1:              1.2,
	B:               0.5,
	UnknownWeight:   0.6,
	AnswerThreshold: 0.45,
	RouteThreshold:  0.20,
	Margin:          0.05,
	Passages:        4,
}

func (o Options) withDefaults() Options {
	d := DefaultOptions
	for _, f := range []struct{ v, d *float64 }{
		{&o.K1, &d.K1}, {&o.B, &d.B}, {&o.UnknownWeight, &d.UnknownWeight},
		{&o.AnswerThreshold, &d.AnswerThreshold}, {&o.RouteThreshold, &d.RouteThreshold}, {&o.Margin, &d.Margin},
	} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	if o.Passages == 0 {
		o.Passages = d.Passages
	}
	return o
}

// Index ranks a Base's entries and intents for a message. It is safe for
// concurrent use and does not change after NewIndex.
type Index struct {
	base    *Base
	opts    Options
	targets []target
	docs    []doc
	terms   map[string]int32
	post    [][]posting
	idf     []float32
	unknown float32 // the weight of a term no document has
	avgLen  float32
	scratch sync.Pool
}

// target is an entry or an intent.
type target struct {
	entry  int // index in base.Entries, or -1
	intent int // index in base.Intents, or -1
}

// doc is one target's text in one language.
type doc struct {
	target int32
	lang   string
	first  string  // the first question or example, to show as the passage
	length float32 // distinct terms
	norm   float32 // BM25's length normalisation: k1·(1 − b + b·length/avgLen)
}

type posting struct {
	doc int32
	tf  float32
}

// NewIndex builds the index of b.
func NewIndex(b *Base, opts Options) *Index {
	ix := &Index{base: b, opts: opts.withDefaults(), terms: map[string]int32{}}
	for i, e := range b.Entries {
		t := int32(len(ix.targets))
		ix.targets = append(ix.targets, target{entry: i, intent: -1})
		for _, lang := range sortedKeys(e.Questions) {
			ix.addDoc(t, lang, e.Questions[lang], e.Tags)
		}
	}
	for i, in := range b.Intents {
		t := int32(len(ix.targets))
		ix.targets = append(ix.targets, target{entry: -1, intent: i})
		for _, lang := range sortedKeys(in.Examples) {
			ix.addDoc(t, lang, in.Examples[lang], nil)
		}
	}
	n := float64(len(ix.docs))
	ix.idf = make([]float32, len(ix.post))
	var total float32
	for _, d := range ix.docs {
		total += d.length
	}
	if len(ix.docs) > 0 {
		ix.avgLen = total / float32(len(ix.docs))
	}
	k1, bb := float32(ix.opts.K1), float32(ix.opts.B)
	for i := range ix.docs {
		d := &ix.docs[i]
		d.norm = k1 * (1 - bb + bb*d.length/ix.avgLen)
	}
	rarest := 0.0
	for id, p := range ix.post {
		df := float64(len(p))
		w := math.Log(1 + (n-df+0.5)/(df+0.5))
		ix.idf[id] = float32(w)
		rarest = math.Max(rarest, w)
	}
	ix.unknown = float32(rarest * ix.opts.UnknownWeight)
	ix.scratch.New = func() any { return ix.newScratch() }
	return ix
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// addDoc adds the document of target t in lang: its sentences and tags.
// A term's frequency is the number of sentences that have it, and the
// document's length is its number of distinct terms, so that a target
// with twenty example sentences is not favoured over one with three.
func (ix *Index) addDoc(t int32, lang string, sentences, tags []string) {
	d := int32(len(ix.docs))
	tf := map[int32]float32{}
	var terms []string
	for _, s := range append(append([]string(nil), sentences...), tags...) {
		terms = textnorm.Terms(terms[:0], s)
		seen := map[int32]bool{}
		for _, term := range terms {
			id, ok := ix.terms[term]
			if !ok {
				id = int32(len(ix.post))
				ix.terms[term] = id
				ix.post = append(ix.post, nil)
			}
			if !seen[id] {
				seen[id] = true
				tf[id]++
			}
		}
	}
	for id, f := range tf {
		ix.post[id] = append(ix.post[id], posting{doc: d, tf: f})
	}
	first := ""
	if len(sentences) > 0 {
		first = sentences[0]
	}
	ix.docs = append(ix.docs, doc{target: t, lang: lang, first: first, length: float32(len(tf))})
}

// scratch is the per-query working memory, pooled so that a query
// allocates little.
type scratch struct {
	terms   []string
	ids     []int32
	docS    []float32
	touched []int32
	best    []float32 // per target
	bestDoc []int32   // per target: the doc of its best language
	tTouch  []int32
	ranked  []int32
}

func (ix *Index) newScratch() *scratch {
	return &scratch{
		docS:    make([]float32, len(ix.docs)),
		best:    make([]float32, len(ix.targets)),
		bestDoc: make([]int32, len(ix.targets)),
	}
}

// rank scores every target for text and fills sc.ranked, best first, with
// the targets allowed (intents only for flows in allowed, when allowed is
// not nil). It returns the most the query could score.
func (ix *Index) rank(sc *scratch, text string, allowed map[string]bool) float32 {
	sc.terms = textnorm.Terms(sc.terms[:0], text)
	sc.ids = sc.ids[:0]
	var possible float32
	for _, term := range sc.terms {
		id, ok := ix.terms[term]
		if !ok {
			possible += ix.unknown
			continue
		}
		dup := false
		for _, prev := range sc.ids {
			dup = dup || prev == id
		}
		if !dup {
			sc.ids = append(sc.ids, id)
			possible += ix.idf[id]
		}
	}
	k1 := float32(ix.opts.K1)
	for _, id := range sc.ids {
		w := ix.idf[id] * (k1 + 1)
		for _, p := range ix.post[id] {
			if sc.docS[p.doc] == 0 {
				sc.touched = append(sc.touched, p.doc)
			}
			sc.docS[p.doc] += w * p.tf / (p.tf + ix.docs[p.doc].norm)
		}
	}
	for _, di := range sc.touched {
		s := sc.docS[di]
		sc.docS[di] = 0
		t := ix.docs[di].target
		if allowed != nil && ix.targets[t].intent >= 0 && !allowed[ix.base.Intents[ix.targets[t].intent].Flow] {
			continue
		}
		if sc.best[t] == 0 {
			sc.tTouch = append(sc.tTouch, t)
		}
		if s > sc.best[t] {
			sc.best[t], sc.bestDoc[t] = s, di
		}
	}
	sc.touched = sc.touched[:0]
	sc.ranked = sc.ranked[:0]
	for _, t := range sc.tTouch {
		sc.ranked = sc.insertTop(t)
	}
	return possible
}

// maxRanked is how many targets rank keeps, best first. A full sort of
// every target a query touches cost two thirds of a query over a large
// base; the decision and the passages need only the first few.
const maxRanked = 16

// insertTop inserts target t into sc.ranked, which holds the best
// targets so far in order (higher score first, then lower index), and
// keeps at most maxRanked of them.
func (sc *scratch) insertTop(t int32) []int32 {
	r := sc.ranked
	s := sc.best[t]
	if len(r) == maxRanked {
		last := r[len(r)-1]
		if s < sc.best[last] || (s == sc.best[last] && t > last) {
			return r
		}
		r = r[:len(r)-1]
	}
	i := len(r)
	r = append(r, t)
	for i > 0 {
		prev := r[i-1]
		if sc.best[prev] > s || (sc.best[prev] == s && prev < t) {
			break
		}
		r[i] = prev
		i--
	}
	r[i] = t
	return r
}

// release clears the per-target scores and returns sc to the pool.
func (ix *Index) release(sc *scratch) {
	for _, t := range sc.tTouch {
		sc.best[t] = 0
	}
	sc.tTouch = sc.tTouch[:0]
	ix.scratch.Put(sc)
}

// Base returns the knowledge base the index was built from.
func (ix *Index) Base() *Base { return ix.base }

// Options returns the options in force, defaults filled in.
func (ix *Index) Options() Options { return ix.opts }
