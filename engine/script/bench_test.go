package script

import (
	"testing"
	"time"
)

// The benchmarks run the helpers on what citizens send; every one of them
// reports allocations, and the common paths must stay at 0 allocs/op.
//
//	go test -run '^$' -bench . -benchmem ./engine/script/

func BenchmarkParseInt(b *testing.B) {
	for _, in := range []string{"2", " २) ", "১২"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ParseInt(in)
			}
		})
	}
}

func BenchmarkParseNumber(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseNumber("Rs. 1,25,000.50/-")
	}
}

var detectInputs = map[string]string{
	"english": "Hello, I want to check my ration card status please",
	"hindi":   "नमस्ते, मुझे अपने राशन कार्ड की स्थिति देखनी है",
	"tamil":   "வணக்கம், என் ரேஷன் கார்டு நிலையை பார்க்க வேண்டும்",
	"emoji":   "👍🙏 ok",
}

func BenchmarkDetect(b *testing.B) {
	for name, in := range detectInputs {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				Detect(in)
			}
		})
	}
}

func BenchmarkFold(b *testing.B) {
	for _, tc := range []struct{ name, in string }{
		{"folded-ascii", "vaccinationslots"},
		{"folded-hindi", "राशनकार्ड"},
		{"folded-bengali", "কোথায়"},
		{"change-ascii", "Vaccination Slots!"},
		{"change-hindi", "राशन कार्ड 👍"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Fold(tc.in)
			}
		})
	}
}

func BenchmarkEqualFold(b *testing.B) {
	for _, tc := range []struct{ name, a, c string }{
		{"ascii", "Vaccination slots", "vaccination slots!"},
		{"ascii-differ", "Vaccination slots", "Ration card"},
		{"digit", "२", "2"},
		{"hindi", "राशन कार्ड", "राशन कार्ड 👍"},
		{"bengali", "রেশন কার্ড", "রেশন কার্ড।"},
		{"tamil", "ரேஷன் கார்டு", "ரேஷன் கார்டு!"},
		{"hindi-differ", "राशन कार्ड", "राशन की दुकान"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				EqualFold(tc.a, tc.c)
			}
		})
	}
}

func BenchmarkRedact(b *testing.B) {
	for _, tc := range []struct{ name, in string }{
		{"clean-english", "Hello, my ration card for PIN 400051 was not renewed, I paid ₹1,250 on 21/11/2026, docket GRV-26-0412-7K"},
		{"clean-hindi", "नमस्ते, मेरा राशन कार्ड ४०००५१ पिन पर नवीनीकृत नहीं हुआ, मैंने ₹१,२५० दिए"},
		{"pii", "I am Ravi, call 98123 45678, aadhaar 2345 6789 0123, PAN ABCPE1234F, ravi@gmail.com"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.in)))
			for b.Loop() {
				Redact(tc.in)
			}
		})
	}
}

func BenchmarkIdentity(b *testing.B) {
	b.Run("IsAadhaar", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			IsAadhaar("2345 6789 0123")
		}
	})
	b.Run("IsMobile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			IsMobile("+91 98123 45678")
		}
	})
	b.Run("IsPIN", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			IsPIN("400 051")
		}
	})
}

func BenchmarkParseDate(b *testing.B) {
	now := time.Date(2026, time.November, 21, 15, 30, 0, 0, time.UTC)
	for _, in := range []string{"21/11/2026", "21 नवंबर 2026"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ParseDate(in, now)
			}
		})
	}
}

func BenchmarkValidReference(b *testing.B) {
	ref := FormatReference("GRV", 2026, 48217305)
	b.ReportAllocs()
	for b.Loop() {
		ValidReference(ref)
	}
}
