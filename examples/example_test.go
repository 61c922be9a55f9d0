// Package examples_test checks that the example configuration loads (with
// its secrets given by the environment, as the file says to do).
package examples_test

import (
	"testing"

	"github.com/samvad/samvad/adapters/services"
	"github.com/samvad/samvad/engine"
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
	if len(cfg.Departments) != 1 || cfg.Departments[0].Webhook == nil || cfg.Departments[0].Webhook.SecretEnv != "BMC_WEBHOOK_SECRET" {
		t.Fatalf("unexpected departments: %+v", cfg.Departments)
	}
}

// Both example configurations connect every connector the shipped flows
// declare, so that make run (sandbox.yaml) answers every menu entry and a
// deployment copied from samvad.yaml starts.
func TestExampleConfigsConnectEveryConnector(t *testing.T) {
	src, problems := engine.ReadSources("../flows")
	files := make([]services.File, len(src.Services))
	for i, f := range src.Services {
		files[i] = services.File{Path: f.Path, Content: f.Content}
	}
	reg, more := services.Load(files)
	if problems = append(problems, more...); problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	for _, file := range []string{"samvad.yaml", "sandbox.yaml"} {
		cfg, err := server.LoadConfigFor(file, nil, server.ForStore)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range reg.Connectors() {
			if cfg.Connectors[name].BaseURL == "" {
				t.Errorf("%s does not connect connector %s", file, name)
			}
		}
	}
}
