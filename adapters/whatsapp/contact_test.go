package whatsapp

import (
	"strings"
	"testing"
	"time"
)

func TestMaskID(t *testing.T) {
	for in, want := range map[string]string{
		"+919800000101":          "+91••••••0101",
		"919800000101":           "••••••••0101",
		"US.1000000000000000001": "US." + strings.Repeat("•", 15) + "0001",
		"12345":                  "•2345",
		"0101":                   "••••",
		"":                       "",
	} {
		if got := MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
	if got := MaskID("+919800000101"); strings.Contains(got, "98000") {
		t.Errorf("middle digits shown: %q", got)
	}
}

func TestInWindowAndContact(t *testing.T) {
	last := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	if !InWindow(last, last.Add(23*time.Hour+59*time.Minute)) || InWindow(last, last.Add(24*time.Hour)) || InWindow(time.Time{}, last) {
		t.Error("window boundaries")
	}
	m := Message{UserID: "US.1", ProfileName: "Cam"}
	if c := m.Contact(); c.ID != "US.1" || c.Phone != "" || c.Name != "Cam" {
		t.Errorf("contact %+v", c)
	}
	m.WaID = "15555550101"
	if c := m.Contact(); c.ID != "15555550101" || c.Phone != "15555550101" {
		t.Errorf("contact %+v", c)
	}
}
