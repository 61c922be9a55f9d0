package whatsapp

import (
	"bufio"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testAppSecret = "test_app_secret_FICTIONAL"

// sampleSignatures reads testdata/SIGNATURES.txt: file name → header value.
func sampleSignatures(t testing.TB) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "SIGNATURES.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sigs := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, sig, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("bad SIGNATURES.txt line %q", line)
		}
		sigs[name] = sig
	}
	if len(sigs) == 0 {
		t.Fatal("no signatures in SIGNATURES.txt")
	}
	return sigs
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifySignatureSampleVectors(t *testing.T) {
	for name, sig := range sampleSignatures(t) {
		body := readSample(t, name)
		if !VerifySignature(body, sig, testAppSecret) {
			t.Errorf("%s: valid signature rejected", name)
		}
		if got := Sign(body, testAppSecret); got != sig {
			t.Errorf("%s: Sign = %s, want %s", name, got, sig)
		}
		if VerifySignature(body, sig, "wrong_secret") {
			t.Errorf("%s: accepted with a wrong secret", name)
		}
		tampered := append([]byte(nil), body...)
		i := strings.Index(string(tampered), "200000000000002")
		tampered[i] = '3'
		if VerifySignature(tampered, sig, testAppSecret) {
			t.Errorf("%s: tampered body accepted", name)
		}
	}
}

func TestVerifySignatureMalformedHeaders(t *testing.T) {
	body := readSample(t, "01_text.json")
	good := Sign(body, testAppSecret)
	cases := map[string]string{
		"empty":          "",
		"no prefix":      good[len("sha256="):],
		"sha1 prefix":    "sha1=" + good[len("sha256="):],
		"truncated":      good[:len(good)-2],
		"too long":       good + "00",
		"not hex":        "sha256=" + strings.Repeat("zz", 32),
		"prefix case":    "SHA256=" + good[len("sha256="):],
		"other digest":   Sign([]byte("other body"), testAppSecret),
		"space appended": good[:len(good)-1] + " ",
	}
	for name, h := range cases {
		if VerifySignature(body, h, testAppSecret) {
			t.Errorf("%s: header %q accepted", name, h)
		}
	}
	if VerifySignature(body, good, "") {
		t.Error("empty app secret accepted")
	}
}

// Meta signs the escaped-unicode form of the payload. A body whose non-ASCII
// text reaches us as raw UTF-8 (é, Arabic, an emoji) must still verify
// through the escaped-form retry; the escaped form here is written by hand.
func TestVerifySignatureRawUTF8SignedOverEscapedForm(t *testing.T) {
	raw := `{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"contacts":[{"profile":{"name":"José – مرحبا 😀"}}]}}]}]}`
	escaped := `{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"contacts":[{"profile":{"name":"Jos\u00e9 \u2013 \u0645\u0631\u062d\u0628\u0627 \ud83d\ude00"}}]}}]}]}`
	sig := Sign([]byte(escaped), testAppSecret)
	if !VerifySignature([]byte(escaped), sig, testAppSecret) {
		t.Fatal("escaped body (as on the wire) rejected")
	}
	if !VerifySignature([]byte(raw), sig, testAppSecret) {
		t.Fatal("raw UTF-8 body signed over its escaped form rejected")
	}
	if got := string(EscapeUnicode([]byte(raw))); got != escaped {
		t.Fatalf("EscapeUnicode:\n got %s\nwant %s", got, escaped)
	}
	if VerifySignature([]byte(strings.Replace(raw, "José", "Josè", 1)), sig, testAppSecret) {
		t.Fatal("altered UTF-8 body accepted")
	}
	if VerifySignature([]byte(raw), sig, "another_secret") {
		t.Fatal("wrong secret accepted on the escaped retry")
	}
}

func TestVerifyChallenge(t *testing.T) {
	q := func(mode, token, challenge string) url.Values {
		v := url.Values{}
		v.Set("hub.mode", mode)
		v.Set("hub.verify_token", token)
		v.Set("hub.challenge", challenge)
		return v
	}
	if c, ok := VerifyChallenge(q("subscribe", "s3cret", "1158201444"), "s3cret"); !ok || c != "1158201444" {
		t.Fatalf("valid challenge: got %q %v", c, ok)
	}
	// Returned verbatim, not parsed as a number.
	if c, ok := VerifyChallenge(q("subscribe", "s3cret", "00042 x"), "s3cret"); !ok || c != "00042 x" {
		t.Fatalf("challenge not verbatim: %q", c)
	}
	for name, v := range map[string]url.Values{
		"wrong token":    q("subscribe", "nope", "1"),
		"wrong mode":     q("unsubscribe", "s3cret", "1"),
		"token prefix":   q("subscribe", "s3cre", "1"),
		"no parameters":  {},
		"mode case":      q("Subscribe", "s3cret", "1"),
		"longer token":   q("subscribe", "s3cret!", "1"),
		"empty expected": q("subscribe", "", "1"),
	} {
		want := "s3cret"
		if name == "empty expected" {
			want = ""
		}
		if c, ok := VerifyChallenge(v, want); ok || c != "" {
			t.Errorf("%s: accepted (%q)", name, c)
		}
	}
}
