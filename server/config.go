package server

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/adapters/services"
	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/server/api"
)

// Config is everything `samvad serve` needs. It is read from a YAML file
// (samvad.yaml by default) and every key can be overridden by an environment
// variable: SAMVAD_ followed by the key path in upper case, for example
// SAMVAD_LISTEN, SAMVAD_DATABASE_URL, SAMVAD_GRAPH_BASE_URL, and for an
// integration SAMVAD_INTEGRATIONS_<ID>_ACCESS_TOKEN. See
// examples/samvad.yaml for a documented file.
type Config struct {
	// Listen is the address the HTTP server listens on.
	Listen string `yaml:"listen"`
	// MetricsListen, when set, is the only address /metrics is served on
	// (an internal one, for Prometheus); the main address then has none.
	// Unset, /metrics on the main address needs an admin's API key or
	// console session.
	MetricsListen string `yaml:"metrics_listen"`
	// MetricsPublic serves /metrics to anyone on the main address: only
	// for load runs on a private machine (samvad loadgen --exec sets it).
	MetricsPublic bool `yaml:"metrics_public"`
	// PublicURL is the address Meta reaches this server at (for the callback
	// URLs printed at start); default http://<listen>.
	PublicURL string `yaml:"public_url"`
	// DatabaseURL is postgres://… for Postgres, or sqlite:PATH (the default,
	// sqlite:./data/samvad.db) for the embedded store.
	DatabaseURL string `yaml:"database_url"`
	// SecretKey encrypts access tokens at rest (32 bytes, hex or base64; one
	// is generated and kept in data/secret.key when unset).
	SecretKey Secret `yaml:"secret_key"`
	Flows     string `yaml:"flows"`
	Locales   string `yaml:"locales"`
	// MediaDir is where downloaded attachments are stored.
	MediaDir string `yaml:"media_dir"`
	Graph    Graph  `yaml:"graph"`
	// Workers is how many goroutines process citizens' messages.
	Workers int `yaml:"workers"`
	// Senders is how many goroutines send replies.
	Senders int `yaml:"senders"`
	// StepBatch (Postgres) is the most citizens one worker claims and steps
	// in one transaction when many are waiting. Larger batches share more
	// commits; a citizen's reply waits for the steps before it in its batch.
	// Default 8; 1 steps one citizen per transaction. SQLite ignores it.
	StepBatch int `yaml:"step_batch"`
	// Simulator serves the local WhatsApp simulator at /simulator, backed by
	// an in-process fake Graph API. On by default when no integration is
	// configured.
	Simulator *bool `yaml:"simulator"`
	// LogFormat is text or json.
	LogFormat string `yaml:"log_format"`
	// LogLevel is debug, info, warn or error.
	LogLevel     string        `yaml:"log_level"`
	Integrations []Integration `yaml:"integrations"`
	// Departments are the offices that own integrations: API keys and
	// console users are scoped to one, and its reports are in its time
	// zone. A department an integration names but this list leaves out is
	// made with the defaults (its id for a name, Asia/Kolkata).
	Departments []Department `yaml:"departments"`
	// Queues are the agent inbox's handoff queues by name (a flow's
	// handoff names one): who answers, when, and what the waiting citizen
	// is told (see Queue).
	Queues map[string]Queue `yaml:"queues"`
	// Connectors say where each department system the flows call is, and
	// which environment variable holds its key (see adapters/services).
	Connectors map[string]services.Connection `yaml:"connectors"`
	// AllowUnconnected starts the service even when a connector the flows
	// declare has no connection: its operations then fail and the flows'
	// error paths answer. For trials and load runs; a server with only the
	// simulator allows it anyway. Off by default: a production service
	// refuses to start without every department system it calls.
	AllowUnconnected bool `yaml:"allow_unconnected"`
	// LLM is the language model the fallback asks (see LLM); without a
	// base_url the knowledge base answers alone.
	LLM LLM `yaml:"llm"`
	// Clock tells the time (tests set it; default time.Now).
	Clock func() time.Time `yaml:"-"`
	// StaffKeys, when set, tells the staff API who a key belongs to
	// instead of the stored keys (tests and embedded uses).
	StaffKeys api.Authenticator `yaml:"-"`
}

// Graph configures the WhatsApp Cloud API client.
type Graph struct {
	BaseURL    string        `yaml:"base_url"`
	APIVersion string        `yaml:"api_version"`
	Timeout    time.Duration `yaml:"timeout"`
	// RatePerSecond is the send rate of each business number (Meta's
	// default throughput is 80); an integration may set its own. It paces
	// one process: processes that share a number must share its rate.
	RatePerSecond float64 `yaml:"rate_per_second"`
	// MediaHosts are the hosts a media download may send the access token
	// to, besides base_url's own: "lookaside.fbsbx.com", or "*.fbcdn.net"
	// for any host under fbcdn.net. Default: Meta's media hosts
	// (whatsapp.DefaultMediaHosts). A media URL on another host is
	// refused, and the citizen told the file did not arrive.
	MediaHosts []string `yaml:"media_hosts"`
}

// Department is an office that owns one or more integrations: the scope
// of its staff's keys and accounts.
type Department struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// TimeZone is the IANA zone its reports' days are counted in (default
	// Asia/Kolkata).
	TimeZone string `yaml:"time_zone"`
	// Webhook tells the department's own system about handoffs, citizens'
	// messages to officers and changes to its cases (docs/api.md,
	// "Outgoing webhook").
	Webhook *DepartmentWebhook `yaml:"webhook"`
}

// DepartmentWebhook is where a department's system is told, and about
// what.
type DepartmentWebhook struct {
	// URL receives the POSTs: https, or http to this machine.
	URL string `yaml:"url"`
	// SecretEnv names the environment variable holding the secret that
	// signs every POST (at least 16 characters); the secret itself is
	// never in the file.
	SecretEnv string `yaml:"secret_env"`
	// Events are what it is told about: handoff, handoff_message,
	// case_changed (default: all).
	Events []string `yaml:"events"`
}

// Integration is one WhatsApp business number and the bot that answers it.
type Integration struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Department owns the integration (default: an own department named
	// after the integration's id).
	Department    string `yaml:"department"`
	PhoneNumberID string `yaml:"phone_number_id"`
	VerifyToken   Secret `yaml:"verify_token"`
	AppSecret     Secret `yaml:"app_secret"`
	AccessToken   Secret `yaml:"access_token"`
	EntryFlow     string `yaml:"entry_flow"`
	// DefaultLanguage answers citizens whose language is not known.
	DefaultLanguage string   `yaml:"default_language"`
	Languages       []string `yaml:"languages"`
	// SessionDuration ends a conversation left quiet this long.
	SessionDuration time.Duration `yaml:"session_duration"`
	// Attachments downloads and keeps the files citizens send.
	Attachments bool `yaml:"attachments"`
	// MaxMediaBytes refuses larger downloads (default 16 MB).
	MaxMediaBytes int64 `yaml:"max_media_bytes"`
	// RatePerSecond is this number's send rate, in place of
	// graph.rate_per_second: 1000 after Meta upgraded its throughput, 20
	// for a number shared with the WhatsApp Business app.
	RatePerSecond float64 `yaml:"rate_per_second"`
}

// Secret is a configuration value that must never be printed: its String
// and LogValue hide it.
type Secret string

// String hides the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// LogValue hides the secret from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText hides the secret from JSON and other encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// GoString hides the secret from %#v.
func (s Secret) GoString() string { return s.String() }

// Reveal returns the secret itself, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// Use names what a command does with a configuration, so that it is held
// to the settings that job needs and no others: listing parked messages
// needs the database, not an integration's access token.
type Use int

const (
	// ForServe is everything `samvad serve` needs: every setting, every
	// integration's secrets, and the secret key with Postgres.
	ForServe Use = iota
	// ForStore is a command that only opens the store (migrate, parked):
	// the general settings and the integrations' ids, no secrets.
	ForStore
	// ForSend is `samvad send`, which signs webhooks as Meta would: what
	// ForStore needs, and each integration's phone_number_id and app_secret.
	ForSend
)

// LoadConfig reads a config file (an empty path means defaults only) and
// applies environment overrides and defaults, holding it to everything
// `samvad serve` needs. Errors name the file, line and key.
func LoadConfig(path string, env []string) (*Config, error) {
	return LoadConfigFor(path, env, ForServe)
}

// LoadConfigFor is LoadConfig for a command that uses the configuration as
// use says: only the settings that use needs must be present.
func LoadConfigFor(path string, env []string, use Use) (*Config, error) {
	cfg := &Config{}
	if path != "" {
		content, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(content)))
		dec.KnownFields(true)
		if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
		}
	}
	// A bad environment value and the file's own problems are reported
	// together: one round of fixes, not two.
	envErr := applyEnv(cfg, env)
	cfg.ApplyDefaults()
	err := cfg.ValidateFor(use)
	if err != nil {
		where := "config"
		if path != "" {
			where += " " + path
		}
		err = fmt.Errorf("%s: %w", where, err)
	}
	if err = errors.Join(envErr, err); err != nil {
		return nil, err
	}
	return cfg, nil
}

// SandboxConfig is the configuration of a self-contained server: the flows
// and locales under root (the repository), the embedded store and the media
// under dir, the simulator on, listening on a free 127.0.0.1 port, logging
// warnings only. Tests and tools start from it and change what they need.
func SandboxConfig(root, dir string) *Config {
	on := true
	return &Config{Listen: "127.0.0.1:0", DatabaseURL: "sqlite:" + filepath.Join(dir, "samvad.db"),
		Flows: filepath.Join(root, "flows"), Locales: filepath.Join(root, "locales"),
		MediaDir: filepath.Join(dir, "media"), Simulator: &on, LogLevel: "warn"}
}

// ApplyDefaults fills every setting left empty with its default.
func (c *Config) ApplyDefaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.Listen, "127.0.0.1:8080")
	def(&c.DatabaseURL, "sqlite:./data/samvad.db")
	def(&c.Flows, "./flows")
	def(&c.Locales, "./locales")
	def(&c.MediaDir, "./data/media")
	def(&c.Graph.BaseURL, "https://graph.facebook.com")
	def(&c.Graph.APIVersion, "v23.0")
	def(&c.LogFormat, "text")
	def(&c.LogLevel, "info")
	if c.PublicURL == "" {
		host := c.Listen
		if strings.HasPrefix(host, ":") {
			host = "127.0.0.1" + host
		}
		c.PublicURL = "http://" + host
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.Graph.Timeout == 0 {
		c.Graph.Timeout = 15 * time.Second
	}
	if c.Graph.RatePerSecond == 0 {
		c.Graph.RatePerSecond = 80
	}
	if c.Workers == 0 {
		c.Workers = 4
	}
	if c.Senders == 0 {
		c.Senders = 2
	}
	if c.StepBatch == 0 {
		c.StepBatch = 8
	}
	c.LLM.applyDefaults()
	if c.Simulator == nil {
		on := len(c.Integrations) == 0
		c.Simulator = &on
	}
	defer c.applyDepartmentDefaults()
	for i := range c.Integrations {
		in := &c.Integrations[i]
		def(&in.EntryFlow, "main")
		def(&in.DefaultLanguage, "en")
		def(&in.Name, in.ID)
		def(&in.Department, in.ID)
		if in.SessionDuration == 0 {
			in.SessionDuration = time.Hour
		}
		if in.MaxMediaBytes == 0 {
			in.MaxMediaBytes = 16 << 20
		}
	}
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Validate reports every problem of the configuration for `samvad serve`
// at once.
func (c *Config) Validate() error { return c.ValidateFor(ForServe) }

// ValidateFor reports every problem of the configuration for a use at once,
// sorted, in one error.
func (c *Config) ValidateFor(use Use) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if c.Workers < 1 || c.Workers > 256 {
		add("workers: %d is not between 1 and 256", c.Workers)
	}
	if c.Senders < 1 || c.Senders > 64 {
		add("senders: %d is not between 1 and 64", c.Senders)
	}
	if c.StepBatch < 1 || c.StepBatch > store.MaxStepBatch {
		add("step_batch: %d is not between 1 and %d", c.StepBatch, store.MaxStepBatch)
	}
	if c.MetricsListen != "" && c.MetricsPublic {
		add("metrics_listen and metrics_public: set one or the other, not both")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		add("log_format: %q must be text or json", c.LogFormat)
	}
	if _, ok := logLevels[c.LogLevel]; !ok {
		add("log_level: %q must be debug, info, warn or error", c.LogLevel)
	}
	if !strings.HasPrefix(c.Graph.BaseURL, "http://") && !strings.HasPrefix(c.Graph.BaseURL, "https://") {
		add("graph.base_url: %q must start with http:// or https://", c.Graph.BaseURL)
	}
	if !strings.HasPrefix(c.Graph.APIVersion, "v") {
		add("graph.api_version: %q must look like v23.0", c.Graph.APIVersion)
	}
	if c.Graph.RatePerSecond < 0 {
		add("graph.rate_per_second: %v is negative (0 means Meta's default, 80)", c.Graph.RatePerSecond)
	}
	if use == ForServe {
		for _, p := range c.LLM.problems() {
			add("%s", p)
		}
	}
	seen := map[string]bool{}
	phones := map[string]bool{}
	for i, in := range c.Integrations {
		where := fmt.Sprintf("integrations[%d]", i)
		if in.ID != "" {
			where = fmt.Sprintf("integrations[%d] (%s)", i, in.ID)
		}
		switch {
		case !idRE.MatchString(in.ID):
			add("%s: id %q must be lower-case letters, digits, - and _", where, in.ID)
		case seen[in.ID]:
			add("%s: id %q is used twice", where, in.ID)
		}
		seen[in.ID] = true
		switch {
		case in.PhoneNumberID == "" && use != ForStore:
			add("%s: phone_number_id is required (WhatsApp Manager → API Setup)", where)
		case in.PhoneNumberID != "" && phones[in.PhoneNumberID]:
			add("%s: phone_number_id %s belongs to two integrations", where, in.PhoneNumberID)
		}
		phones[in.PhoneNumberID] = true
		for _, name := range requiredSecrets[use] {
			if in.secret(name) == "" {
				add("%s: %s is required (or set SAMVAD_INTEGRATIONS_%s_%s)", where, name, envID(in.ID), strings.ToUpper(name))
			}
		}
		if in.SessionDuration < time.Minute {
			add("%s: session_duration %v is shorter than a minute", where, in.SessionDuration)
		}
		if in.RatePerSecond < 0 {
			add("%s: rate_per_second %v is negative (0 means graph.rate_per_second)", where, in.RatePerSecond)
		}
	}
	problems = append(problems, c.departmentProblems()...)
	problems = append(problems, c.queueProblems()...)
	problems = append(problems, c.mediaHostProblems()...)
	if use == ForServe {
		if p := c.secretKeyProblem(); p != "" {
			add("%s", p)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return errors.New(strings.Join(problems, "; "))
}

// requiredSecrets are the integration secrets each use needs.
var requiredSecrets = map[Use][]string{
	ForServe: {"access_token", "app_secret", "verify_token"},
	ForSend:  {"app_secret"},
}

// secret returns the integration's secret of that configuration key.
func (in *Integration) secret(name string) Secret {
	switch name {
	case "access_token":
		return in.AccessToken
	case "app_secret":
		return in.AppSecret
	case "verify_token":
		return in.VerifyToken
	}
	return ""
}

// secretKeyProblem says what is wrong with secret_key, or "". The key
// encrypts access tokens at rest: with Postgres it must be given (a key
// generated on one machine would not open the tokens on another); with
// SQLite one is generated beside the database when it is not.
func (c *Config) secretKeyProblem() string {
	if raw := c.SecretKey.Reveal(); raw != "" {
		if _, err := decodeKey(raw); err != nil {
			return "secret_key: must be 16, 24 or 32 bytes written in hex or base64 (make one with: openssl rand -hex 32)"
		}
		return ""
	}
	if isPostgres(c.DatabaseURL) && len(c.Integrations) > 0 {
		return "secret_key is required with Postgres (or set SAMVAD_SECRET_KEY; make one with: openssl rand -hex 32): access tokens are encrypted at rest with it"
	}
	return ""
}

func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// decodeKey reads a secret key written in hex or base64; AES takes 16, 24
// or 32 bytes.
func decodeKey(raw string) ([]byte, error) {
	if b, err := hex.DecodeString(raw); err == nil && (len(b) == 16 || len(b) == 24 || len(b) == 32) {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(raw); err == nil && (len(b) == 16 || len(b) == 24 || len(b) == 32) {
		return b, nil
	}
	return nil, errors.New("config: secret_key must be 16, 24 or 32 bytes, written in hex or base64")
}

var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

func envID(id string) string { return strings.ToUpper(strings.NewReplacer("-", "_").Replace(id)) }

// applyEnv overrides configuration keys from SAMVAD_* environment variables.
func applyEnv(cfg *Config, env []string) error {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, "SAMVAD_") {
			vars[k] = v
		}
	}
	var problems []string
	setFields(reflect.ValueOf(cfg).Elem(), "SAMVAD", vars, &problems)
	for i := range cfg.Integrations {
		prefix := "SAMVAD_INTEGRATIONS_" + envID(cfg.Integrations[i].ID)
		setFields(reflect.ValueOf(&cfg.Integrations[i]).Elem(), prefix, vars, &problems)
	}
	problems = append(problems, applyConnectorEnv(cfg, vars)...)
	if len(problems) > 0 {
		return fmt.Errorf("environment: %s", strings.Join(problems, "; "))
	}
	return nil
}

// setFields sets each field of a struct from the variable PREFIX_FIELD.
func setFields(v reflect.Value, prefix string, vars map[string]string, problems *[]string) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		name := prefix + "_" + strings.ToUpper(tag)
		fv := v.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
			setFields(fv, name, vars, problems)
			continue
		}
		raw, ok := vars[name]
		if !ok {
			continue
		}
		if err := setValue(fv, raw); err != nil {
			*problems = append(*problems, fmt.Sprintf("%s: %v", name, err))
		}
	}
}

func setValue(fv reflect.Value, raw string) error {
	switch {
	case fv.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration like 30s or 1h", raw)
		}
		fv.SetInt(int64(d))
	case fv.Kind() == reflect.String:
		fv.SetString(raw)
	case fv.Kind() == reflect.Int || fv.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		fv.SetInt(n)
	case fv.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", raw)
		}
		fv.SetFloat(f)
	case fv.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		fv.SetBool(b)
	case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		fv.Set(reflect.ValueOf(&b))
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		fv.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

// randomHex returns n random bytes in hex, for generated secrets.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// mediaHostProblems checks graph.media_hosts: host names, or "*." and a
// domain, without scheme, port or path.
func (c *Config) mediaHostProblems() []string {
	var problems []string
	for i, h := range c.Graph.MediaHosts {
		name := strings.TrimPrefix(h, "*.")
		if name == "" || strings.ContainsAny(name, "/:*@ ") || !strings.Contains(name, ".") && name != "localhost" {
			problems = append(problems, fmt.Sprintf("graph.media_hosts[%d]: %q is not a host name (like lookaside.fbsbx.com or *.fbcdn.net)", i, h))
		}
	}
	return problems
}
