package services

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Connection is where a connector is and how to reach it, from the
// deployment's configuration.
type Connection struct {
	// BaseURL is the address every request of the connector starts with,
	// such as https://api.pensions.example.gov.in/ (required).
	BaseURL string `yaml:"base_url"`
	// Auth says how requests prove who sends them; empty sends nothing.
	Auth Auth `yaml:"auth"`
	// Timeout, when set, replaces the timeout of every operation of the
	// connector that declares none.
	Timeout time.Duration `yaml:"timeout"`
	// MaxResponseBytes refuses larger answers (default 1 MiB).
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
	// CAFile adds the certificates of a department's own certificate
	// authority to the system's.
	CAFile string `yaml:"ca_file"`
}

// Auth is a key or token sent with every request, read from an
// environment variable (never written in a file).
type Auth struct {
	// Env is the environment variable that holds the key or token.
	Env string `yaml:"env"`
	// Header is the header it goes in (default Authorization).
	Header string `yaml:"header"`
	// Scheme goes before it, such as Bearer (the default with the
	// Authorization header; none with another header).
	Scheme *string `yaml:"scheme"`
}

// DefaultMaxResponseBytes bounds a department's answer.
const DefaultMaxResponseBytes = 1 << 20

// connector is a connector bound to its connection.
type connector struct {
	name       string
	base       *url.URL
	client     *http.Client
	authHeader string
	authValue  string
	timeout    time.Duration
	maxBytes   int64
}

var (
	errTooLarge = errors.New("the department's API answered more than the response limit")
	errRedirect = errors.New("the department's API redirected away from its base URL; redirects are followed only within it")
)

// newConnector checks a connection and builds its client. getenv reads
// the environment.
func newConnector(name string, c Connection, getenv func(string) (string, bool)) (*connector, []string) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	base, err := url.Parse(c.BaseURL)
	switch {
	case c.BaseURL == "":
		add("connectors.%s.base_url is required (or set SAMVAD_CONNECTORS_%s_BASE_URL)", name, strings.ToUpper(name))
	case err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https"):
		add("connectors.%s.base_url %q must be an http:// or https:// address", name, c.BaseURL)
	case base.RawQuery != "" || base.Fragment != "" || base.User != nil:
		add("connectors.%s.base_url %q must have no query, fragment or user name", name, c.BaseURL)
	}
	cn := &connector{name: name, base: base, timeout: c.Timeout, maxBytes: c.MaxResponseBytes}
	if cn.maxBytes <= 0 {
		cn.maxBytes = DefaultMaxResponseBytes
	}
	if c.Auth.Env != "" {
		v, ok := getenv(c.Auth.Env)
		if !ok || v == "" {
			add("connectors.%s.auth.env names %s, which is not set in the environment", name, c.Auth.Env)
		}
		cn.authHeader = c.Auth.Header
		if cn.authHeader == "" {
			cn.authHeader = "Authorization"
		}
		scheme := ""
		if c.Auth.Scheme != nil {
			scheme = *c.Auth.Scheme
		} else if strings.EqualFold(cn.authHeader, "Authorization") {
			scheme = "Bearer"
		}
		cn.authValue = strings.TrimSpace(scheme + " " + v)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 32
	transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		pool, _ := x509.SystemCertPool()
		if pool == nil {
			pool = x509.NewCertPool()
		}
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			add("connectors.%s.ca_file %s holds no readable PEM certificate", name, c.CAFile)
		}
		transport.TLSClientConfig.RootCAs = pool
	}
	cn.client = &http.Client{Transport: transport, CheckRedirect: cn.checkRedirect}
	return cn, problems
}

// checkRedirect follows a redirect only to the same scheme, host and base
// path, and at most three times.
func (c *connector) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return errRedirect
	}
	u := req.URL
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host || !strings.HasPrefix(u.Path, strings.TrimRight(c.base.Path, "/")+"/") && u.Path != c.base.Path {
		return errRedirect
	}
	return nil
}

// do sends one request and reads at most maxBytes of the answer.
func (c *connector) do(r *http.Request) (int, http.Header, []byte, error) {
	res, err := c.client.Do(r)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, c.maxBytes+1))
	if err != nil {
		return 0, nil, nil, err
	}
	if int64(len(data)) > c.maxBytes {
		return 0, nil, nil, fmt.Errorf("%w (%d bytes)", errTooLarge, c.maxBytes)
	}
	return res.StatusCode, res.Header, data, nil
}
