package script_test

import (
	"fmt"
	"time"

	"github.com/samvad/samvad/engine/script"
)

// A numbered menu answered in the scripts citizens use.
func ExampleParseInt() {
	for _, answer := range []string{"2", "२", "২", "୨", "௨", "2.", "2)", "two"} {
		n, ok := script.ParseInt(answer)
		fmt.Println(answer, n, ok)
	}
	// Output:
	// 2 2 true
	// २ 2 true
	// ২ 2 true
	// ୨ 2 true
	// ௨ 2 true
	// 2. 2 true
	// 2) 2 true
	// two 0 false
}

// Matching a reply against a button label.
func ExampleEqualFold() {
	fmt.Println(script.EqualFold("Vaccination Slots", "vaccination slots 👍"))
	fmt.Println(script.EqualFold("राशन कार्ड", "राशन  कार्ड।"))
	fmt.Println(script.Fold("Option २!"))
	// Output:
	// true
	// true
	// option2
}

// Choosing a language from the first message.
func ExampleDetect() {
	for _, msg := range []string{"नमस्ते", "আমার রেশন কার্ড", "வணக்கம்", "hello", "👍"} {
		s := script.Detect(msg)
		fmt.Printf("%s %q\n", s, script.DefaultLanguage(s))
	}
	// Output:
	// Devanagari "hi"
	// Bengali "bn"
	// Tamil "ta"
	// Latin ""
	// Unknown ""
}

func ExampleRedact() {
	fmt.Println(script.Redact("I am Ravi, call 98123 45678, aadhaar 2345 6789 0123, PAN ABCPE1234F, ravi@gmail.com"))
	fmt.Println(script.Redact("PIN 400051, ₹1,250 paid on 21/11/2026, docket GRV-26-0412-7K"))
	fmt.Println(script.MaskPhone("919812345678"))
	// Output:
	// I am Ravi, call +91 XXXXXXXX78, aadhaar XXXX XXXX 0123, PAN XXXXXXXXXX, ***@gmail.com
	// PIN 400051, ₹1,250 paid on 21/11/2026, docket GRV-26-0412-7K
	// 91XXXXXXXX78
}

func ExampleParseDate() {
	now := time.Date(2026, time.November, 21, 15, 30, 0, 0, time.UTC)
	for _, in := range []string{"21/11/2026", "3/4/46", "२१ नवंबर २०२६", "Nov 21st, 2026", "tomorrow", "31/02/2026", "कल"} {
		d, ok := script.ParseDate(in, now)
		if !ok {
			fmt.Println(in, "not a date")
			continue
		}
		fmt.Println(in, d.Format("2006-01-02"))
	}
	// Output:
	// 21/11/2026 2026-11-21
	// 3/4/46 1946-04-03
	// २१ नवंबर २०२६ 2026-11-21
	// Nov 21st, 2026 2026-11-21
	// tomorrow 2026-11-22
	// 31/02/2026 not a date
	// कल not a date
}

func ExampleFormatReference() {
	ref := script.FormatReference("GRV", 2026, 48217305)
	fmt.Println(ref, script.ValidReference(ref))

	typed := "grv 26 ४८२१ 7305 " + ref[len(ref)-1:] + "।" // as a citizen pastes it back
	fmt.Println(script.NormalizeReference(typed))
	fmt.Println(script.ValidReference("GRV-26-4812-7305-" + ref[len(ref)-1:])) // two digits swapped
	// Output:
	// GRV-26-4821-7305-A true
	// GRV-26-4821-7305-A true
	// false
}

func ExampleNormalizeMobile() {
	for _, in := range []string{"098123 45678", "+91 (98123) 45678", "९८१२३४५६७८", "022 2345 6789"} {
		fmt.Println(script.NormalizeMobile(in))
	}
	// Output:
	// +919812345678 true
	// +919812345678 true
	// +919812345678 true
	//  false
}
