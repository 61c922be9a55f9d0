package knowledge_test

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/adapters/llm/knowledge"
)

// The shipped knowledge base, loaded once for all tests.
var (
	shippedOnce sync.Once
	shipped     *knowledge.Index
	shippedErr  error
)

func shippedIndex(t testing.TB) *knowledge.Index {
	t.Helper()
	shippedOnce.Do(func() {
		var b *knowledge.Base
		b, shippedErr = knowledge.LoadDir("../../../flows/knowledge")
		if shippedErr == nil {
			shipped = knowledge.NewIndex(b, knowledge.Options{})
		}
	})
	if shippedErr != nil {
		t.Fatal(shippedErr)
	}
	return shipped
}

// evalItem is one labelled message of heldout.yaml or dev.yaml.
type evalItem struct {
	Q string    `yaml:"q"`
	A yamlOneOf `yaml:"a"`
}

// yamlOneOf reads a label or a list of labels.
type yamlOneOf []string

func (o *yamlOneOf) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*o = []string{n.Value}
		return nil
	}
	var list []string
	err := n.Decode(&list)
	*o = list
	return err
}

// evalLanguages is the order languages are reported in.
var evalLanguages = []string{"en", "hi", "hi-Latn", "bn", "or", "mr", "ta"}

type langScore struct {
	right, total int
	misses       []string
}

// evaluate runs every item of the file through ix and scores the
// decision (answer id, route or none) against the labels.
func evaluate(t *testing.T, ix *knowledge.Index, path string) map[string]*langScore {
	t.Helper()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var set map[string][]evalItem
	if err := yaml.Unmarshal(content, &set); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	scores := map[string]*langScore{}
	for lang, items := range set {
		s := &langScore{}
		scores[lang] = s
		for _, it := range items {
			res := ix.Answer(knowledge.Query{Text: it.Q})
			got := label(res)
			s.total++
			if contains(it.A, got) {
				s.right++
				continue
			}
			second := ""
			if len(res.Passages) > 1 {
				second = fmt.Sprintf(", then %s %.2f", res.Passages[1].ID, res.Passages[1].Confidence)
			}
			top := ""
			if len(res.Passages) > 0 {
				top = fmt.Sprintf(" (top %s %.2f%s)", res.Passages[0].ID, res.Passages[0].Confidence, second)
			}
			s.misses = append(s.misses, fmt.Sprintf("%q: got %s%s, want %s", it.Q, got, top, strings.Join(it.A, " | ")))
		}
	}
	return scores
}

func label(res knowledge.Result) string {
	switch res.Kind {
	case knowledge.KindAnswer:
		return res.EntryID
	case knowledge.KindRoute:
		return "flow:" + res.Flow
	}
	return "none"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// report logs accuracy per language and the misses, and fails the test
// when a language falls below its floor.
func report(t *testing.T, scores map[string]*langScore, floors map[string]float64) {
	t.Helper()
	langs := append([]string(nil), evalLanguages...)
	for lang := range scores {
		if !contains(langs, lang) {
			langs = append(langs, lang)
		}
	}
	sort.SliceStable(langs, func(i, j int) bool { return indexOf(evalLanguages, langs[i]) < indexOf(evalLanguages, langs[j]) })
	var right, total int
	for _, lang := range langs {
		s := scores[lang]
		if s == nil {
			continue
		}
		right += s.right
		total += s.total
		acc := float64(s.right) / float64(s.total)
		t.Logf("%-8s top-1 %3d/%3d = %5.1f%%", lang, s.right, s.total, 100*acc)
		for _, m := range s.misses {
			t.Logf("    miss %s", m)
		}
		if floor, ok := floors[lang]; ok && acc < floor {
			t.Errorf("%s: accuracy %.1f%% is below the recorded %.1f%%", lang, 100*acc, 100*floor)
		}
	}
	t.Logf("all      top-1 %3d/%3d = %5.1f%%", right, total, 100*float64(right)/float64(total))
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return len(list)
}

// TestHeldout measures the offline retrieval on the held-out set, which
// was written before tuning and is never tuned against. The floors are
// the figures first measured, less a little; run with -v to see the
// accuracy per language and every miss.
func TestHeldout(t *testing.T) {
	t.Parallel()
	scores := evaluate(t, shippedIndex(t), "../testdata/heldout.yaml")
	report(t, scores, heldoutFloors)
}

// TestDev measures the development set that the thresholds and the
// tokenizer were tuned on.
func TestDev(t *testing.T) {
	t.Parallel()
	scores := evaluate(t, shippedIndex(t), "../testdata/dev.yaml")
	report(t, scores, devFloors)
}

// Floors: the accuracy first measured for each language, rounded down,
// so that a change that makes retrieval worse fails. Held-out, first
// measurement (DefaultOptions, 83 entries): en 33/51, hi 36/51, hi-Latn
// 36/51, bn 45/50, or 39/50, mr 37/50, ta 42/50; 268/353 = 75.9%.
var (
	heldoutFloors = map[string]float64{
		"en": 0.64, "hi": 0.72, "hi-Latn": 0.72, "bn": 0.90, "or": 0.88, "mr": 0.80, "ta": 0.86,
	}
	devFloors = map[string]float64{
		"en": 0.96, "hi": 0.95, "hi-Latn": 0.90, "bn": 1, "or": 1, "mr": 1, "ta": 1,
	}
)

// TestTuneOnDev searches the thresholds that do best on the development
// set (never the held-out one). It runs only when SAMVAD_TUNE=1.
func TestTuneOnDev(t *testing.T) {
	if os.Getenv("SAMVAD_TUNE") != "1" {
		t.Skip("set SAMVAD_TUNE=1 to search thresholds on dev.yaml")
	}
	b, err := knowledge.LoadDir("../../../flows/knowledge")
	if err != nil {
		t.Fatal(err)
	}
	type cand struct {
		o     knowledge.Options
		right int
	}
	var best []cand
	for _, ans := range []float64{0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5} {
		for _, route := range []float64{0.15, 0.2, 0.25, 0.3, 0.35, 0.4} {
			for _, margin := range []float64{0.01, 0.05, 0.1} {
				for _, unk := range []float64{0.3, 0.6, 1} {
					o := knowledge.Options{AnswerThreshold: ans, RouteThreshold: route, Margin: margin, UnknownWeight: unk}
					ix := knowledge.NewIndex(b, o)
					right := 0
					for _, s := range evaluate(t, ix, "../testdata/dev.yaml") {
						right += s.right
					}
					best = append(best, cand{o, right})
				}
			}
		}
	}
	sort.SliceStable(best, func(i, j int) bool { return best[i].right > best[j].right })
	for _, c := range best[:15] {
		t.Logf("%d right: answer %.2f route %.2f margin %.2f unknown %.1f", c.right, c.o.AnswerThreshold, c.o.RouteThreshold, c.o.Margin, c.o.UnknownWeight)
	}
}
