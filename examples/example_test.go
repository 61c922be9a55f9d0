// Package examples_test checks that the example configuration loads (with
// its secrets given by the environment, as the file says to do).
package examples_test

import (
	"testing"

	"github.com/samvad/samvad/server"
)

func TestExampleConfigLoads(t *testing.T) {
	cfg, err := server.LoadConfig("samvad.yaml", []string{
		"SAMVAD_INTEGRATIONS_BMC_VERIFY_TOKEN=verify",
		"SAMVAD_INTEGRATIONS_BMC_APP_SECRET=secret",
		"SAMVAD_INTEGRATIONS_BMC_ACCESS_TOKEN=token",
		"SAMVAD_SECRET_KEY=000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Integrations) != 1 || cfg.Integrations[0].AccessToken.Reveal() != "token" || cfg.Workers != 4 {
		t.Fatalf("unexpected config: %+v", cfg)
	}
}
