package server

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "samvad.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const goodConfig = `
listen: 127.0.0.1:9090
database_url: postgres://samvad@db:5432/samvad
secret_key: 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f
graph:
  api_version: v24.0
integrations:
  - id: bmc
    name: MyBMC Assist
    phone_number_id: "123456789012345"
    verify_token: from-file
    app_secret: app-secret-in-file
    access_token: token-in-file
    languages: [en, hi, mr]
    session_duration: 30m
`

func TestLoadConfigWithEnvironmentOverrides(t *testing.T) {
	path := writeConfig(t, goodConfig)
	cfg, err := LoadConfig(path, []string{
		"SAMVAD_LISTEN=0.0.0.0:8443",
		"SAMVAD_GRAPH_RATE_PER_SECOND=200",
		"SAMVAD_INTEGRATIONS_BMC_ACCESS_TOKEN=token-from-env",
		"SAMVAD_INTEGRATIONS_BMC_SESSION_DURATION=2h",
		"SAMVAD_INTEGRATIONS_BMC_LANGUAGES=en, mr",
		"SAMVAD_INTEGRATIONS_BMC_RATE_PER_SECOND=20",
		"SAMVAD_WORKERS=8",
		"SAMVAD_STEP_BATCH=16",
		"OTHER=ignored",
	})
	if err != nil {
		t.Fatal(err)
	}
	in := cfg.Integrations[0]
	switch {
	case cfg.Listen != "0.0.0.0:8443", cfg.Graph.RatePerSecond != 200, cfg.Workers != 8, cfg.StepBatch != 16, cfg.Graph.APIVersion != "v24.0":
		t.Fatalf("overrides not applied: %+v", cfg)
	case in.AccessToken.Reveal() != "token-from-env", in.SessionDuration != 2*time.Hour, strings.Join(in.Languages, ",") != "en,mr", in.RatePerSecond != 20:
		t.Fatalf("integration overrides not applied: %+v", in)
	case in.EntryFlow != "main" || in.DefaultLanguage != "en" || cfg.Senders != 2 || *cfg.Simulator:
		t.Fatalf("defaults not applied: %+v", cfg)
	}
}

func TestConfigErrorsAreClear(t *testing.T) {
	cases := map[string]string{
		"listen: [1, 2":                "config ",
		"lisen: x":                     "field lisen not found",
		"workers: 0\nsenders: 500":     "senders: 500 is not between 1 and 64",
		"step_batch: 1000":             "step_batch: 1000 is not between 1 and 256",
		"log_format: xml":              `log_format: "xml" must be text or json`,
		"graph: {rate_per_second: -1}": "graph.rate_per_second: -1 is negative",
		"integrations: [{id: x, rate_per_second: -5}]":  "integrations[0] (x): rate_per_second -5 is negative",
		"graph: {base_url: ftp://x}":                    "graph.base_url",
		"integrations: [{id: A B}]":                     `id "A B" must be lower-case`,
		"integrations: [{id: x, phone_number_id: '1'}]": "app_secret is required (or set SAMVAD_INTEGRATIONS_X_APP_SECRET)",
		"integrations: [{id: x, phone_number_id: '1', verify_token: a, app_secret: b, access_token: c}, {id: x, phone_number_id: '1', verify_token: a, app_secret: b, access_token: c}]": `id "x" is used twice`,
	}
	for body, want := range cases {
		_, err := LoadConfig(writeConfig(t, body), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", body, err, want)
		}
	}
	if _, err := LoadConfig(writeConfig(t, ""), []string{"SAMVAD_WORKERS=many"}); err == nil || !strings.Contains(err.Error(), "SAMVAD_WORKERS") {
		t.Errorf("a bad environment value: %v", err)
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil {
		t.Error("a missing file must be an error")
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, goodConfig), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, cfg.Integrations[0])
		if strings.Contains(out, "token-in-file") || strings.Contains(out, "app-secret-in-file") || strings.Contains(out, "from-file") {
			t.Errorf("%s printed a secret: %s", format, out)
		}
	}
	var buf bytes.Buffer
	NewLogger(&buf, "json", "info").Info("config", "integration", cfg.Integrations[0], "secret_key", cfg.SecretKey)
	if strings.Contains(buf.String(), "token-in-file") || strings.Contains(buf.String(), "0001020304") {
		t.Errorf("a log line printed a secret: %s", buf.String())
	}
}

func TestLogsRedactCitizens(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, "text", "debug")
	log.Info("reply sent", "to", "919876543210", "note", "citizen wrote Aadhaar 2345 6789 0124 and 98765 43210", "access_token", "EAAG-secret")
	out := buf.String()
	for _, leak := range []string{"919876543210", "2345 6789", "98765 43210", "EAAG-secret"} {
		if strings.Contains(out, leak) {
			t.Errorf("the log shows %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "0124") || !strings.Contains(out, "reply sent") {
		t.Errorf("the log lost too much: %s", out)
	}
}

// Going to production used to take two rounds of start-up errors: the
// integration's secrets first, then the secret key. Every missing setting
// is now reported at once.
func TestEveryMissingSettingAtOnce(t *testing.T) {
	path := writeConfig(t, "database_url: postgres://samvad@db:5432/samvad\nintegrations: [{id: bmc, phone_number_id: '1'}]\n")
	_, err := LoadConfig(path, nil)
	if err == nil {
		t.Fatal("a production configuration without its secrets loaded")
	}
	for _, want := range []string{"SAMVAD_INTEGRATIONS_BMC_VERIFY_TOKEN", "SAMVAD_INTEGRATIONS_BMC_APP_SECRET",
		"SAMVAD_INTEGRATIONS_BMC_ACCESS_TOKEN", "secret_key is required with Postgres (or set SAMVAD_SECRET_KEY; make one with: openssl rand -hex 32)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not mention %q:\n%v", want, err)
		}
	}
}

func TestSecretKeyForms(t *testing.T) {
	t.Parallel()
	base := "database_url: postgres://samvad@db:5432/samvad\nintegrations: [{id: bmc, phone_number_id: '1', verify_token: v, app_secret: a, access_token: t}]\n"
	for key, ok := range map[string]bool{
		strings.Repeat("0f", 32):                       true,  // openssl rand -hex 32
		strings.Repeat("0f", 16):                       true,  // 16 bytes in hex
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=": true,  // 32 bytes in base64
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX":             true,  // 24 bytes in base64
		strings.Repeat("0f", 20):                       false, // 20 bytes
		"correct horse battery staple":                 false,
	} {
		_, err := LoadConfig(writeConfig(t, base), []string{"SAMVAD_SECRET_KEY=" + key})
		switch {
		case ok && err != nil:
			t.Errorf("secret key %q refused: %v", key, err)
		case !ok && (err == nil || !strings.Contains(err.Error(), "secret_key: must be 16, 24 or 32 bytes")):
			t.Errorf("secret key %q: error %v, want it refused", key, err)
		case !ok && strings.Contains(err.Error(), key):
			t.Errorf("the error shows the key: %v", err)
		}
	}
	// SQLite keeps a generated key beside the database; Postgres without
	// integrations has no token to encrypt.
	for _, body := range []string{"integrations: [{id: bmc, phone_number_id: '1', verify_token: v, app_secret: a, access_token: t}]", "database_url: postgres://db/samvad"} {
		if _, err := LoadConfig(writeConfig(t, body), nil); err != nil {
			t.Errorf("%q: %v", body, err)
		}
	}
}

// Commands that only read the store do not need an integration's secrets;
// send needs the app secret that signs its webhooks.
func TestValidateForUse(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, "database_url: postgres://samvad@db:5432/samvad\nintegrations: [{id: bmc}]\n")
	if _, err := LoadConfigFor(path, nil, ForStore); err != nil {
		t.Errorf("ForStore: %v", err)
	}
	_, err := LoadConfigFor(path, nil, ForSend)
	if err == nil || !strings.Contains(err.Error(), "app_secret is required") || !strings.Contains(err.Error(), "phone_number_id is required") {
		t.Errorf("ForSend: %v, want app_secret and phone_number_id required", err)
	}
	if err != nil && (strings.Contains(err.Error(), "access_token") || strings.Contains(err.Error(), "secret_key")) {
		t.Errorf("ForSend asks for what it does not use: %v", err)
	}
	if _, err := LoadConfigFor(path, []string{"SAMVAD_INTEGRATIONS_BMC_APP_SECRET=s", "SAMVAD_INTEGRATIONS_BMC_PHONE_NUMBER_ID=1"}, ForSend); err != nil {
		t.Errorf("ForSend with the app secret: %v", err)
	}
	// Settings every use reads are still checked.
	if _, err := LoadConfigFor(writeConfig(t, "workers: -1\nintegrations: [{id: B A D}]"), nil, ForStore); err == nil ||
		!strings.Contains(err.Error(), "workers: -1") || !strings.Contains(err.Error(), `id "B A D"`) {
		t.Errorf("ForStore let a bad setting through: %v", err)
	}
}

func TestEnvironmentAndFileProblemsTogether(t *testing.T) {
	t.Parallel()
	_, err := LoadConfig(writeConfig(t, "log_format: xml\n"), []string{"SAMVAD_WORKERS=many"})
	if err == nil || !strings.Contains(err.Error(), `SAMVAD_WORKERS: "many" is not a whole number`) || !strings.Contains(err.Error(), `log_format: "xml"`) {
		t.Fatalf("want both problems in one error, got %v", err)
	}
}
