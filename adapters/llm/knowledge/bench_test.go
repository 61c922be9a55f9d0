package knowledge_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/llm/knowledge"
)

// benchBase generates a knowledge base of n entries (and 10 intents) whose
// questions mix the words citizens use in English, Hindi and romanised
// Hindi, so that posting lists are as long as in a real base of that size.
func benchBase(n int) *knowledge.Base {
	rnd := rand.New(rand.NewPCG(1, 2))
	words := map[string][]string{
		"en": strings.Fields("complaint ration card tax property water road garbage vaccine child office ward " +
			"status pay apply document lost name address certificate fee date booking slot helpline officer " +
			"street light drain pothole application receipt payment shop grain rice wheat hospital birth death"),
		"hi": strings.Fields("शिकायत राशन कार्ड कर संपत्ति पानी सड़क कचरा टीका बच्चा कार्यालय वार्ड स्थिति भुगतान " +
			"आवेदन दस्तावेज़ खो नाम पता प्रमाणपत्र शुल्क तारीख बुकिंग हेल्पलाइन अधिकारी बत्ती नाली गड्ढा रसीद दुकान"),
		"hi-Latn": strings.Fields("shikayat ration card tax sampatti pani sadak kachra tika baccha daftar ward sthiti " +
			"bhugtan aavedan kagaz kho naam pata praman shulk tareekh booking helpline adhikari batti naali gaddha"),
	}
	sentence := func(lang string) string {
		w := words[lang]
		k := 3 + rnd.IntN(5)
		parts := make([]string, k)
		for i := range parts {
			parts[i] = w[rnd.IntN(len(w))]
		}
		return strings.Join(parts, " ")
	}
	b := &knowledge.Base{}
	for i := range n {
		e := knowledge.Entry{ID: fmt.Sprintf("gen.e%04d", i), Department: "bench",
			Questions: map[string][]string{}, Answer: map[string]string{"en": "Answer.", "hi": "उत्तर।"}}
		for lang := range words {
			for range 3 {
				e.Questions[lang] = append(e.Questions[lang], sentence(lang))
			}
		}
		b.Entries = append(b.Entries, e)
	}
	for i := range 10 {
		in := knowledge.Intent{Flow: fmt.Sprintf("flow%d", i), Examples: map[string][]string{}}
		for lang := range words {
			for range 10 {
				in.Examples[lang] = append(in.Examples[lang], sentence(lang))
			}
		}
		b.Intents = append(b.Intents, in)
	}
	return b
}

var benchQueries = []string{
	"meri shikaayat ka kya hua",
	"I want to pay house tax",
	"which documents are needed for a ration card",
	"मेरी शिकायत का क्या हुआ",
	"राशन कार्ड खो गया",
	"street light not working near the drain",
	"tika booking kal ke liye",
	"GRV-26-4821-6K status",
	"office for PIN 400051",
	"what is the weather today",
}

// BenchmarkAnswer measures offline retrieval over 1,000 generated entries
// (3,000 documents and 30 more for the intents): one Answer per
// iteration, queries in English, Hindi and romanised Hindi. Run it on one
// core with -cpu 1; it reports queries/s of wall time, and queries per
// second of the process's own CPU time, which holds steady when other
// work shares the machine.
func BenchmarkAnswer(b *testing.B) {
	ix := knowledge.NewIndex(benchBase(1000), knowledge.Options{})
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Answer(knowledge.Query{Text: benchQueries[i%len(benchQueries)], Lang: "hi"})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "queries/cpu-s")
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAnswerShipped is the same over the shipped knowledge base.
func BenchmarkAnswerShipped(b *testing.B) {
	ix := shippedIndex(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Answer(knowledge.Query{Text: benchQueries[i%len(benchQueries)], Lang: "hi"})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}
