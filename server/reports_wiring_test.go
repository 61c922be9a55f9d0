package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDistricts(t *testing.T) {
	t.Parallel()
	got, err := loadDistricts("../flows")
	if err != nil {
		t.Fatal(err)
	}
	if got["400"] != "Mumbai" || got["600043"] != "Chengalpattu" {
		t.Errorf("the shipped table reads as %v", got)
	}
	if got, err := loadDistricts(t.TempDir()); err != nil || len(got) != 0 {
		t.Errorf("no table: %v, %v", got, err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tables"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, districtsFile), []byte("pin,district\n40,Nowhere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadDistricts(dir); err == nil || !strings.Contains(err.Error(), `"40" is neither a PIN`) {
		t.Errorf("a bad PIN: %v", err)
	}
}
