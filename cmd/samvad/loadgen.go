package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/internal/loadtest"
	"github.com/samvad/samvad/server"
)

// loadgenFlags are samvad loadgen's options.
type loadgenFlags struct {
	rate        float64
	duration    time.Duration
	count       int
	citizens    int
	batch       int
	connections int
	db          string
	processes   int
	child       bool
	workers     int
	senders     int
	stepBatch   int
	flows       string
	locales     string
	sample      time.Duration
	drain       time.Duration
	cpuProfile  string
	statuses    bool
	statusDelay time.Duration
	spread      bool
	keep        bool
	findMax     bool

	targets       string
	graphListen   string
	integration   string
	appSecret     string
	phoneNumberID string
}

const loadgenUsage = `samvad loadgen: offer WhatsApp webhooks at a fixed rate and check every reply

By default it starts everything itself: a fake Graph API, and a server on a
fresh database (a temporary SQLite file, or a new schema in the Postgres of
--db, dropped afterwards) in this process, or with --processes 3 three
"samvad serve" processes on one Postgres. With --target it loads a server
that is already running; configure that server's graph.base_url to the fake
Graph API's address (--graph-listen), and give its integration's id, app
secret and phone number id.

Examples:
  samvad loadgen --rate 1000 --duration 20s --db postgres://postgres@127.0.0.1:5432/test?sslmode=disable
  samvad loadgen --rate 2000 --duration 20s --db postgres://… --processes 3
  samvad loadgen --target http://127.0.0.1:8080 --graph-listen 127.0.0.1:9090 \
      --integration bmc --app-secret … --phone-number-id 123456789012345

Options:
`

// runLoadgen runs one load run and prints its report. The exit code is 0
// when every message was acknowledged and answered exactly once and in
// order (and, with --statuses on Postgres, every reply's delivery status
// caught up with the statuses sent for it), 1 otherwise.
func runLoadgen(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	f, code := parseLoadgen(args, stdout, stderr)
	if f == nil {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := loadgen(ctx, f, stdout, stderr)
	if rep != nil {
		fmt.Fprint(stdout, rep.String())
	}
	if err != nil {
		fmt.Fprintln(stderr, "samvad loadgen:", err)
		return 1
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

// parseLoadgen reads loadgen's flags; nil flags end the command with the
// code.
func parseLoadgen(args []string, stdout, stderr io.Writer) (*loadgenFlags, int) {
	f := &loadgenFlags{}
	fs := newFlags("loadgen")
	fs.Usage = func() { fmt.Fprint(fs.Output(), loadgenUsage); fs.PrintDefaults() }
	fs.Float64Var(&f.rate, "rate", 100, "citizen messages offered per second")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long to offer them (unless --count)")
	fs.IntVar(&f.count, "count", 0, "offer exactly this many messages instead")
	fs.IntVar(&f.citizens, "citizens", 0, "citizens writing (default: 10 seconds' worth of messages, so each writes about every 10 s)")
	fs.IntVar(&f.batch, "batch", 1, "messages per webhook POST")
	fs.IntVar(&f.connections, "connections", 64, "webhook POSTs in flight at most")
	fs.StringVar(&f.db, "db", "sqlite", `"sqlite" (a temporary file) or a postgres:// URL (a fresh schema is made in it)`)
	fs.IntVar(&f.processes, "processes", 1, "server processes: 1 (in this process) or 3 (samvad serve, on one Postgres)")
	fs.BoolVar(&f.child, "exec", false, "run the one server as a samvad serve process rather than in this process")
	fs.IntVar(&f.workers, "workers", 0, "server workers per process (default: the server's)")
	fs.IntVar(&f.senders, "senders", 0, "server senders per process (default: the server's)")
	fs.IntVar(&f.stepBatch, "step-batch", 0, "Postgres: the most citizens a server worker steps per transaction (default: the server's)")
	fs.StringVar(&f.flows, "flows", "flows", "the flows directory")
	fs.StringVar(&f.locales, "locales", "locales", "the locales directory")
	fs.DurationVar(&f.sample, "sample", 5*time.Second, "read the servers' memory from /metrics this often (0: never)")
	fs.DurationVar(&f.drain, "drain", 30*time.Second, "longest wait for replies after the last POST")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of this process during the run (in-process server only)")
	fs.BoolVar(&f.findMax, "find-max", false, "run again and again, 25% faster each time from --rate, until the target falls behind or the reply p99 passes 100 ms; report the highest rate it sustained")
	fs.BoolVar(&f.keep, "keep", false, "keep the Postgres schema (or SQLite file) of the run, to inspect it afterwards")
	fs.BoolVar(&f.spread, "spread", false, "have citizens enter the conversation's cycle at different points, so that every moment has a mix of steps as real traffic does (without it they walk the script in step: all lodge a grievance in the same 10 s)")
	fs.DurationVar(&f.statusDelay, "status-delay", 0, "with --statuses: wait this long before each status webhook of a reply (0: post \"sent\" the moment the send is answered, the tightest race with the server's record of the send)")
	fs.BoolVar(&f.statuses, "statuses", false, "have the fake Graph API post sent/delivered/read status webhooks for every reply, as Meta does; on Postgres the run then checks that every reply's delivery status caught up with them")
	fs.StringVar(&f.targets, "target", "", "load a running server at this base URL instead (several: comma-separated)")
	fs.StringVar(&f.graphListen, "graph-listen", "", "the fake Graph API's address (with --target: the target's graph.base_url)")
	fs.StringVar(&f.integration, "integration", "", "with --target: the integration id")
	fs.StringVar(&f.appSecret, "app-secret", "", "with --target: the integration's app secret (or SAMVAD_LOADGEN_APP_SECRET)")
	fs.StringVar(&f.phoneNumberID, "phone-number-id", "", "with --target: the integration's phone number id")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return nil, code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "samvad loadgen: unexpected argument %q\n", fs.Arg(0))
		return nil, 2
	}
	if f.appSecret == "" {
		f.appSecret = os.Getenv("SAMVAD_LOADGEN_APP_SECRET")
	}
	var problems []string
	if f.processes != 1 && f.processes != 3 {
		problems = append(problems, fmt.Sprintf("--processes %d: 1 or 3", f.processes))
	}
	if f.processes == 3 && !isPostgres(f.db) {
		problems = append(problems, "--processes 3 needs a shared database: give --db postgres://…")
	}
	if f.db != "sqlite" && !isPostgres(f.db) {
		problems = append(problems, fmt.Sprintf("--db %q: \"sqlite\" or a postgres:// URL", f.db))
	}
	if f.targets != "" {
		if f.graphListen == "" || f.integration == "" || f.appSecret == "" || f.phoneNumberID == "" {
			problems = append(problems, "--target needs --graph-listen, --integration, --app-secret and --phone-number-id")
		}
	}
	if f.statusDelay < 0 || f.statusDelay > time.Minute {
		problems = append(problems, fmt.Sprintf("--status-delay %v: from 0 to 1m", f.statusDelay))
	}
	if f.statusDelay > 0 && !f.statuses {
		problems = append(problems, "--status-delay goes with --statuses")
	}
	if f.cpuProfile != "" && (f.targets != "" || f.processes > 1 || f.child) {
		problems = append(problems, "--cpuprofile profiles this process: use it with the in-process server")
	}
	if len(problems) > 0 {
		fmt.Fprintln(stderr, "samvad loadgen:", strings.Join(problems, "; "))
		return nil, 2
	}
	return f, 0
}

func isPostgres(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// loadgen sets up the targets (unless given), runs the load and cleans up.
func loadgen(ctx context.Context, f *loadgenFlags, stdout, stderr io.Writer) (*loadtest.Report, error) {
	in := integrationFor(f)
	targets := strings.Split(f.targets, ",")
	if f.targets == "" {
		targets = nil
		for range f.processes {
			addr, err := freePort()
			if err != nil {
				return nil, err
			}
			targets = append(targets, "http://"+addr)
		}
	}
	gopts := loadtest.GraphOptions{Listen: f.graphListen, AccessToken: in.token, PhoneNumberID: in.phoneNumberID}
	if f.statuses {
		gopts.CallbackURL = strings.TrimRight(targets[0], "/") + "/api/v1/integration/whatsapp/" + in.id + "/callback"
		gopts.AppSecret = in.appSecret
		gopts.StatusDelay = f.statusDelay
	}
	graph, err := loadtest.StartGraph(gopts)
	if err != nil {
		return nil, err
	}
	defer graph.Close()
	opts := loadtest.Options{Targets: targets, Integration: in.id, AppSecret: in.appSecret, PhoneNumberID: in.phoneNumberID,
		Graph: graph, Rate: f.rate, Duration: f.duration, Count: f.count, Citizens: f.citizens, Batch: f.batch,
		Connections: f.connections, Drain: f.drain, SampleEvery: f.sample, Spread: f.spread, Log: stderr}
	if f.count > 0 {
		opts.Duration = 0
	}
	if f.targets != "" {
		fmt.Fprintf(stderr, "the fake Graph API listens on %s: the targets' graph.base_url must be this\n", graph.URL())
		rep, _, err := run(ctx, f, nil, opts, stdout)
		return rep, err
	}
	env, err := startEnvironment(ctx, f, in, graph, targets, stderr)
	if err != nil {
		return nil, err
	}
	defer env.stop(stderr)
	fmt.Fprintf(stderr, "loading %d server(s) on %s at %.0f msg/s\n", len(targets), env.dbName, f.rate)
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	txBefore := env.transactions(ctx)
	rep, cpu, err := run(ctx, f, env, opts, stdout)
	fmt.Fprint(stdout, cpu)
	if env.pg != nil && rep != nil && f.findMax {
		fmt.Fprintln(stdout, "(postgres table and transaction counts are not shown with --find-max: they would cover every run, not this one)")
	}
	checkDelivery := f.statuses && env.pg != nil && rep != nil && !f.findMax
	if checkDelivery && !graph.WaitStatuses(f.drain) {
		fmt.Fprintln(stderr, "samvad loadgen: the fake Graph API was still posting status webhooks after", f.drain)
	}
	if env.pg != nil && rep != nil && !f.findMax {
		// The servers' database sessions report their table statistics
		// when they end (and finish their sends first).
		env.stopServers(stderr)
		if checkDelivery {
			line, derr := env.deliveryCheck(context.Background())
			fmt.Fprint(stdout, line)
			err = errors.Join(err, derr)
		}
		fmt.Fprint(stdout, env.tableStats(context.Background(), rep.Acknowledged))
		if after := env.transactions(context.Background()); after != nil && txBefore != nil && rep.Acknowledged > 0 {
			n := float64(rep.Acknowledged)
			fmt.Fprintf(stdout, "postgres transactions per message (the whole database, other users included): %.2f committed, %.2f rolled back\n",
				float64(after[0]-txBefore[0])/n, float64(after[1]-txBefore[1])/n)
		}
	}
	return rep, err
}

// run runs the load once, or with --find-max at rising rates. cpu is the
// CPU line of the run reported (measured around that run alone).
func run(ctx context.Context, f *loadgenFlags, env *environment, opts loadtest.Options, stdout io.Writer) (rep *loadtest.Report, cpu string, err error) {
	if !f.findMax {
		return measuredRun(ctx, env, opts)
	}
	var best *loadtest.Report
	var bestCPU string
	for step := 0; step < maxSteps && opts.Rate <= loadtest.MaxRate; step++ {
		rep, cpu, err := measuredRun(ctx, env, opts)
		if err != nil {
			return rep, cpu, err
		}
		ok := sustained(rep)
		fmt.Fprintf(stdout, "%6.0f msg/s offered: answered %6.0f/s, reply p99 %8.1fms, ack p99 %7.1fms, invariants %v: %s\n",
			opts.Rate, rep.ReplyRate(), ms(rep.Reply.P99), ms(rep.Ack.P99), rep.Verdict.OK(), map[bool]string{true: "sustained", false: "NOT sustained"}[ok])
		if !ok {
			break
		}
		best, bestCPU = rep, cpu
		opts.Rate *= 1.25
	}
	if best == nil {
		return nil, "", fmt.Errorf("not even %.0f msg/s was sustained (replies within 100 ms at p99, all answered in time)", f.rate)
	}
	fmt.Fprintf(stdout, "highest rate sustained: %.0f msg/s; its run:\n", best.Rate)
	return best, bestCPU, nil
}

// measuredRun runs the load once and measures the CPU it took (nil env: a
// target loadgen did not start, whose CPU it does not measure).
func measuredRun(ctx context.Context, env *environment, opts loadtest.Options) (*loadtest.Report, string, error) {
	if env == nil {
		rep, err := loadtest.Run(ctx, opts)
		return rep, "", err
	}
	before := env.cpu()
	rep, err := loadtest.Run(ctx, opts)
	if rep == nil {
		return nil, "", err
	}
	return rep, env.cpu().since(before, rep.Acknowledged), err
}

// maxSteps bounds a --find-max search.
const maxSteps = 12

// sustained says whether a run kept up: every invariant held, replies came
// as fast as messages were offered, and the reply p99 stayed within 100 ms.
func sustained(r *loadtest.Report) bool {
	return r.OK() && r.ReplyRate() >= 0.98*r.Rate && r.Reply.P99 <= 100*time.Millisecond
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadIntegration is the integration the load is offered to.
type loadIntegration struct {
	id, appSecret, phoneNumberID, token string
}

func integrationFor(f *loadgenFlags) loadIntegration {
	if f.targets != "" {
		return loadIntegration{id: f.integration, appSecret: f.appSecret, phoneNumberID: f.phoneNumberID}
	}
	return loadIntegration{id: "load", appSecret: randomHex(16), phoneNumberID: "200000000000077", token: randomHex(16)}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// serverProcess is a samvad serve that loadgen started; exited closes when
// it ends (err then says how).
type serverProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

// environment is the servers loadgen started and the database they use.
type environment struct {
	dbName string
	dir    string
	inproc *server.Server
	procs  []*serverProcess
	pg     *sql.DB
	drop   string
	keep   bool
}

// startEnvironment makes a fresh database and starts the servers on it.
func startEnvironment(ctx context.Context, f *loadgenFlags, in loadIntegration, graph *loadtest.Graph, targets []string, stderr io.Writer) (*environment, error) {
	dir, err := os.MkdirTemp("", "samvad-loadgen-")
	if err != nil {
		return nil, err
	}
	env := &environment{dir: dir, dbName: "SQLite", keep: f.keep}
	dbURL := "sqlite:" + filepath.Join(dir, "samvad.db")
	if isPostgres(f.db) {
		if dbURL, err = env.freshSchema(ctx, f.db); err != nil {
			env.stop(stderr)
			return nil, err
		}
		env.dbName = "Postgres (schema " + env.drop + ")"
	}
	if err := env.startServers(ctx, f, in, graph, dbURL, targets, stderr); err != nil {
		env.stop(stderr)
		return nil, err
	}
	return env, nil
}

// freshSchema creates an empty schema in the Postgres at base and returns a
// URL that uses it.
func (env *environment) freshSchema(ctx context.Context, base string) (string, error) {
	env.pg = sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base), pgdriver.WithDialTimeout(3*time.Second)))
	schema := "samvad_load_" + randomHex(6)
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := env.pg.ExecContext(cctx, "CREATE SCHEMA "+schema); err != nil {
		return "", fmt.Errorf("creating a schema for the run in %s: %w", redactPassword(base), err)
	}
	env.drop = schema
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema, nil
}

// startServers starts one server in this process, or samvad serve
// processes, one per target address, each with its own config file.
func (env *environment) startServers(ctx context.Context, f *loadgenFlags, in loadIntegration, graph *loadtest.Graph, dbURL string, targets []string, stderr io.Writer) error {
	secretKey := randomHex(32)
	flows, err := filepath.Abs(f.flows)
	if err != nil {
		return err
	}
	locales, err := filepath.Abs(f.locales)
	if err != nil {
		return err
	}
	for i, target := range targets {
		listen := strings.TrimPrefix(target, "http://")
		cfg := map[string]any{
			"listen": listen, "database_url": dbURL, "secret_key": secretKey, "metrics_public": true,
			"flows": flows, "locales": locales, "media_dir": filepath.Join(env.dir, "media"),
			"graph":     map[string]any{"base_url": graph.URL(), "rate_per_second": 1_000_000},
			"simulator": false, "log_level": "warn", "allow_unconnected": true,
			"integrations": []map[string]any{{"id": in.id, "phone_number_id": in.phoneNumberID, "verify_token": randomHex(8),
				"app_secret": in.appSecret, "access_token": in.token}},
		}
		if f.workers > 0 {
			cfg["workers"] = f.workers
		}
		if f.senders > 0 {
			cfg["senders"] = f.senders
		}
		if f.stepBatch > 0 {
			cfg["step_batch"] = f.stepBatch
		}
		path := filepath.Join(env.dir, fmt.Sprintf("samvad-%d.yaml", i+1))
		data, err := yaml.Marshal(cfg)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return err
		}
		if len(targets) == 1 && !f.child {
			return env.startInProcess(ctx, path, stderr)
		}
		if err := env.startProcess(ctx, path, listen, stderr); err != nil {
			return err
		}
	}
	return nil
}

func (env *environment) startInProcess(ctx context.Context, path string, stderr io.Writer) error {
	cfg, err := server.LoadConfig(path, nil)
	if err != nil {
		return err
	}
	srv, err := server.New(ctx, cfg, server.NewLogger(stderr, "text", cfg.LogLevel))
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	env.inproc = srv
	return nil
}

// startProcess runs samvad serve with the config file and waits until it is
// ready. The first process migrates the schema before the others start.
func (env *environment) startProcess(ctx context.Context, path, listen string, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "serve", "--config", path)
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	cmd.Env = withoutSamvadEnv(os.Environ())
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting samvad serve: %w", err)
	}
	proc := &serverProcess{cmd: cmd, exited: make(chan struct{})}
	go func() { proc.err = cmd.Wait(); close(proc.exited) }()
	env.procs = append(env.procs, proc)
	url := "http://" + listen
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-proc.exited:
			return fmt.Errorf("samvad serve (pid %d) stopped before it was ready (%v); its error is above", cmd.Process.Pid, proc.err)
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("samvad serve (pid %d) on %s did not become ready", cmd.Process.Pid, listen)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Fprintf(stderr, "samvad serve pid %d ready on %s\n", cmd.Process.Pid, url)
	return nil
}

// withoutSamvadEnv drops SAMVAD_* variables, so that the generated config
// is what the servers run with.
func withoutSamvadEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "SAMVAD_") {
			out = append(out, kv)
		}
	}
	return out
}

// freePort finds a free port on 127.0.0.1.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// stop shuts the servers down, drops the schema and removes the files.
func (env *environment) stop(stderr io.Writer) {
	env.stopServers(stderr)
	if env.pg != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if env.drop != "" && env.keep {
			fmt.Fprintf(stderr, "the run's data stays in schema %s\n", env.drop)
		} else if env.drop != "" {
			if _, err := env.pg.ExecContext(ctx, "DROP SCHEMA "+env.drop+" CASCADE"); err != nil {
				fmt.Fprintf(stderr, "samvad loadgen: dropping schema %s: %v\n", env.drop, err)
			}
		}
		env.pg.Close()
		env.pg = nil
	}
	if env.keep {
		fmt.Fprintf(stderr, "the run's files stay in %s\n", env.dir)
		return
	}
	_ = os.RemoveAll(env.dir)
}

// stopServers shuts the servers down (once): the in-process one
// gracefully, the processes with SIGTERM (SIGKILL after 30 s).
func (env *environment) stopServers(stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if env.inproc != nil {
		if err := env.inproc.Shutdown(ctx); err != nil {
			fmt.Fprintln(stderr, "samvad loadgen: shutting the server down:", err)
		}
		env.inproc = nil
	}
	for _, p := range env.procs {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range env.procs {
		select {
		case <-p.exited:
		case <-ctx.Done():
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	env.procs = nil
}

// transactions reads the database's committed and rolled back
// transaction counts (nil on SQLite or on error).
func (env *environment) transactions(ctx context.Context) []int64 {
	if env.pg == nil {
		return nil
	}
	var commits, rollbacks int64
	err := env.pg.QueryRowContext(ctx, "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()").
		Scan(&commits, &rollbacks)
	if err != nil {
		return nil
	}
	return []int64{commits, rollbacks}
}

// deliveryCheck compares, once every status webhook is in, each sent
// reply's delivery status with the statuses Meta (the fake) sent for it:
// a reply whose row is behind its latest status, or a status for a reply
// that was never recorded as sent, is an error.
func (env *environment) deliveryCheck(ctx context.Context) (string, error) {
	schema := pgQuote(env.drop)
	var replies, behind, orphaned int
	err := env.pg.QueryRowContext(ctx, `WITH best AS (SELECT wamid, MAX(rank) AS rank FROM `+schema+`.statuses GROUP BY wamid)
SELECT (SELECT count(*) FROM `+schema+`.outbox WHERE provider_wamid IS NOT NULL),
	(SELECT count(*) FROM `+schema+`.outbox o JOIN best ON best.wamid = o.provider_wamid WHERE o.status < best.rank),
	(SELECT count(*) FROM best WHERE NOT EXISTS (SELECT 1 FROM `+schema+`.outbox o WHERE o.provider_wamid = best.wamid))`).
		Scan(&replies, &behind, &orphaned)
	if err != nil {
		return "", fmt.Errorf("checking delivery statuses: %w", err)
	}
	line := fmt.Sprintf("delivery: %d replies sent; %d behind the statuses sent for them, %d statuses for replies never recorded as sent\n",
		replies, behind, orphaned)
	if behind+orphaned > 0 {
		return line, fmt.Errorf("%d replies lost a delivery status, %d statuses match no sent reply", behind, orphaned)
	}
	return line, nil
}

// pgQuote quotes a Postgres identifier.
func pgQuote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// tableStats prints, per table of the run's schema, what Postgres did per
// acknowledged message: scans, rows read, rows written (from
// pg_stat_user_tables, which covers this schema only).
func (env *environment) tableStats(ctx context.Context, messages int) string {
	if messages == 0 || env.drop == "" {
		return ""
	}
	time.Sleep(1500 * time.Millisecond) // statistics reach the shared counters within a second
	rows, err := env.pg.QueryContext(ctx, `SELECT relname, seq_scan, seq_tup_read, COALESCE(idx_scan, 0), COALESCE(idx_tup_fetch, 0),
		n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = $1 ORDER BY relname`, env.drop)
	if err != nil {
		return fmt.Sprintf("postgres table statistics: %v\n", err)
	}
	defer rows.Close()
	var b strings.Builder
	per := func(n int64) float64 { return float64(n) / float64(messages) }
	fmt.Fprintf(&b, "postgres work per acknowledged message, by table:\n%-16s %9s %11s %9s %11s %9s %9s %9s %9s\n",
		"table", "seq scans", "seq rows", "idx scans", "idx rows", "inserted", "updated", "hot upd", "deleted")
	for rows.Next() {
		var name string
		var seq, seqRows, idx, idxRows, ins, upd, hot, del int64
		if err := rows.Scan(&name, &seq, &seqRows, &idx, &idxRows, &ins, &upd, &hot, &del); err != nil {
			return b.String()
		}
		if seq+idx+ins+upd+del == 0 {
			continue
		}
		fmt.Fprintf(&b, "%-16s %9.2f %11.1f %9.2f %11.1f %9.2f %9.2f %9.2f %9.2f\n", name, per(seq), per(seqRows), per(idx), per(idxRows),
			per(ins), per(upd), per(hot), per(del))
	}
	return b.String()
}

// redactPassword hides the password of a database URL.
func redactPassword(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	if i := strings.IndexByte(u[scheme+3:at], ':'); i >= 0 {
		return u[:scheme+3+i] + ":***" + u[at:]
	}
	return u
}

// cpuUse is CPU time spent so far, in clock ticks (Linux /proc).
type cpuUse struct {
	ok            bool
	self, servers int64
	machine       loadtest.MachineTicks
	// backends are the CPU ticks of the database's sessions, by pid.
	backends map[int]int64
}

// cpu reads the CPU time of this process, of the server processes, of the
// database's Postgres sessions, and of the whole machine.
func (env *environment) cpu() cpuUse {
	var u cpuUse
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		u.self = (ru.Utime.Nano() + ru.Stime.Nano()) / (int64(time.Second) / clockTicks)
	}
	for _, p := range env.procs {
		_, t, _ := procCPU(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
		u.servers += t
	}
	u.backends = env.backendCPU()
	u.machine, u.ok = loadtest.ReadMachine()
	return u
}

// backendCPU reads the CPU ticks of the Postgres backends serving the
// run's database (other databases' sessions are not counted; the database
// is the run's alone when --db names one of its own).
func (env *environment) backendCPU() map[int]int64 {
	if env.pg == nil {
		return nil
	}
	rows, err := env.pg.Query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			if _, t, ok := procCPU(fmt.Sprintf("/proc/%d/stat", pid)); ok {
				out[pid] = t
			}
		}
	}
	return out
}

// clockTicks is USER_HZ, the unit of /proc CPU times on Linux.
const clockTicks = 100

// procCPU reads a process's name and user+system CPU ticks from its stat file.
func procCPU(path string) (string, int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, false
	}
	open, close := strings.IndexByte(string(data), '('), strings.LastIndexByte(string(data), ')')
	if open < 0 || close < open {
		return "", 0, false
	}
	fields := strings.Fields(string(data[close+1:]))
	if len(fields) < 13 {
		return "", 0, false
	}
	var user, sys int64
	fmt.Sscan(fields[11], &user)
	fmt.Sscan(fields[12], &sys)
	return string(data[open+1 : close]), user + sys, true
}

// since prints the CPU spent per thousand acknowledged messages.
func (u cpuUse) since(before cpuUse, messages int) string {
	if !u.ok || !before.ok || messages == 0 {
		return ""
	}
	per := func(ticks int64) float64 { return float64(ticks) / clockTicks / float64(messages) * 1000 }
	var pg int64
	for pid, t := range u.backends {
		pg += t - before.backends[pid]
	}
	load := u.machine.Since(before.machine)
	line := fmt.Sprintf("CPU seconds per 1,000 messages: this process %.2f", per(u.self-before.self))
	if u.servers > 0 {
		line += fmt.Sprintf(", server processes %.2f", per(u.servers-before.servers))
	}
	if u.backends != nil {
		line += fmt.Sprintf(", postgres sessions of this database %.2f", per(pg))
	}
	line += fmt.Sprintf(", whole machine %.2f (%.0f%% busy, other users included", per(u.machine.Busy-before.machine.Busy), load.Busy)
	if load.Steal > 0 {
		line += fmt.Sprintf("; %.1f%% stolen by the hypervisor", load.Steal)
	}
	return line + ")\n"
}
