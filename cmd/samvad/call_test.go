package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// samvad call runs one declared operation against the system the
// configuration names, and prints the mapped result; -v shows the
// exchange, but never the key.
func TestCallRunsADeclaredOperation(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != "k-123" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/pensions/404" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{}`)
			return
		}
		fmt.Fprintf(w, `{"status":"active","monthly_amount":%s}`, r.URL.Query().Get("months"))
	}))
	defer api.Close()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("flows/services/pensions.yaml", `connector: pensions
operations:
  pension.status:
    path: /v1/pensions/{args.ppo}
    query: {months: args.months}
    args: {ppo: string, months: optional number}
    result: {status: body.status, amount: body.monthly_amount}
    outcomes: {not_found: status == 404}
`)
	cfg := write("samvad.yaml", fmt.Sprintf(`flows: %s
connectors:
  pensions:
    base_url: %s
    auth: {env: PENSION_KEY, header: X-API-Key}
`, filepath.Join(dir, "flows"), api.URL))
	t.Setenv("PENSION_KEY", "k-123")

	code, out, errOut := runCmd(t, "", "call", "--config", cfg, "pension.status", "ppo=MH-2019-04", "months=3")
	if code != 0 || !strings.Contains(out, `"amount": 3`) || !strings.Contains(out, `"outcome": "ok"`) {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "", "call", "--config", cfg, "-v", "pension.status", "ppo=404")
	if code != 0 || !strings.Contains(out, "> GET "+api.URL+"/v1/pensions/404") || !strings.Contains(out, "< 404") ||
		!strings.Contains(out, `"outcome": "not_found"`) || strings.Contains(out, "k-123") {
		t.Fatalf("-v: exit %d\n%s", code, out)
	}
	for args, want := range map[string]string{
		"pension.stats ppo=1":         `no operation "pension.stats" is declared`,
		"pension.status ppo=1 month=": `pension.status takes no argument "month" (it takes months, ppo)`,
		"pension.status months=x":     `months: "x" is not a number`,
		"pension.status months=2":     "argument ppo is required",
	} {
		code, _, errOut := runCmd(t, "", append([]string{"call", "--config", cfg}, strings.Fields(args)...)...)
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, %q; want %q", args, code, errOut, want)
		}
	}
}
