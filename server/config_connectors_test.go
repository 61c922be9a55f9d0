package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConnectorsFromFileAndEnvironment(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "samvad.yaml")
	file := `connectors:
  property_tax:
    base_url: http://127.0.0.1:8090
    auth: {env: PTAX_KEY, header: X-API-Key}
    timeout: 4s
`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path, []string{
		"SAMVAD_CONNECTORS_PROPERTY_TAX_BASE_URL=https://ptax.example.gov.in/api/",
		"SAMVAD_CONNECTORS_COWIN_BASE_URL=http://127.0.0.1:8091",
		"SAMVAD_CONNECTORS_COWIN_TIMEOUT=2s",
	})
	if err != nil {
		t.Fatal(err)
	}
	pt, cw := cfg.Connectors["property_tax"], cfg.Connectors["cowin"]
	if pt.BaseURL != "https://ptax.example.gov.in/api/" || pt.Auth.Env != "PTAX_KEY" || pt.Auth.Header != "X-API-Key" || pt.Timeout != 4*time.Second {
		t.Fatalf("property_tax: %+v", pt)
	}
	if cw.BaseURL != "http://127.0.0.1:8091" || cw.Timeout != 2*time.Second {
		t.Fatalf("cowin: %+v", cw)
	}
	_, err = LoadConfig("", []string{"SAMVAD_CONNECTORS_COWIN_TIMEOUT=soon", "SAMVAD_CONNECTORS_COWIN_PASSWORD=x"})
	if err == nil || !strings.Contains(err.Error(), `SAMVAD_CONNECTORS_COWIN_TIMEOUT: "soon" is not a duration`) ||
		!strings.Contains(err.Error(), "SAMVAD_CONNECTORS_COWIN_PASSWORD: not a connector setting") {
		t.Fatalf("bad variables: %v", err)
	}
}
