package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/storetest"
)

// open opens a driver on a fresh file and migrates it.
func open(t *testing.T) *Driver {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "samvad.db"), driver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) driver.Driver { return open(t) })
}

// Path accepts the URL forms the store documents and refuses the others.
func TestPath(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]string{
		"": DefaultPath, "sqlite:a/b.db": "a/b.db", "sqlite:///tmp/x.db": "/tmp/x.db", "file:x.db": "x.db", "x.db": "x.db",
	} {
		if got, err := Path(url); err != nil || got != want {
			t.Errorf("Path(%q) = %q, %v; want %q", url, got, err, want)
		}
	}
	for _, url := range []string{"mysql://u:secret@h/db", "sqlite:x.db?mode=ro", "sqlite:"} {
		if _, err := Path(url); err == nil {
			t.Errorf("Path(%q) accepted", url)
		}
	}
}
