package docs_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/servertest"
	"github.com/samvad/samvad/server"
	"github.com/samvad/samvad/server/api"
)

// shellBlocks returns the commands of the sh blocks of a section of a
// document (from its heading to the next of the same level), with
// continued lines joined and comments dropped.
func shellBlocks(t *testing.T, doc, heading string) []string {
	t.Helper()
	content, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(content), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no %q", doc, heading)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var cmds []string
	for _, block := range strings.Split(section, "```sh\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		block = strings.ReplaceAll(block, "\\\n", " ")
		for _, line := range strings.Split(block, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				cmds = append(cmds, line)
			}
		}
	}
	return cmds
}

// The curl examples of "The agent inbox" run against a server where a
// citizen of the simulator asked for an officer.
func TestAgentInboxExamplesRun(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	srv := servertest.New(t, func(c *server.Config) {
		c.StaffKeys = api.StaticKeys{"doc-key": {KeyID: "1", Actor: "asha", Role: api.RoleSupervisor, Department: "simulator"}}
	})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	res, err := http.Post(srv.URL()+"/simulator/api/send", "application/json",
		strings.NewReader(`{"citizen":"919800000401","name":"Ana","type":"text","text":"talk to an officer"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the citizen's message: %v %v", res, err)
	}
	res.Body.Close()
	id := waitHandedOver(t, srv.URL())
	cmds := shellBlocks(t, "api.md", "## The agent inbox")
	if len(cmds) < 8 {
		t.Fatalf("only %d examples in the agent inbox section", len(cmds))
	}
	for _, cmd := range cmds {
		cmd = strings.ReplaceAll(cmd, "http://127.0.0.1:8080", srv.URL())
		stream := strings.Contains(cmd, "/events")
		if stream {
			cmd += " --max-time 2"
		}
		c := exec.Command("bash", "-c", cmd)
		c.Env = append(os.Environ(), "SAMVAD_KEY=doc-key", "ID="+id)
		out, err := c.Output()
		var exit *exec.ExitError
		if stream && errors.As(err, &exit) && exit.ExitCode() == 28 { // the stream was cut at --max-time
			err = nil
		}
		if err != nil || strings.Contains(string(out), `"error"`) || !stream && !json.Valid(out) {
			t.Errorf("%s\n%v: %s", cmd, err, out)
		}
	}
}

// waitHandedOver returns the id of the one conversation handed over.
func waitHandedOver(t *testing.T, base string) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		req, _ := http.NewRequest("GET", base+"/api/v1/conversations?status=handed_over", nil)
		req.Header.Set("Authorization", "Bearer doc-key")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page api.ConversationPage
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Conversations) == 1 {
			return page.Conversations[0].ID
		}
	}
	t.Fatal("the citizen was never handed over")
	return ""
}
