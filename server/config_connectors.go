package server

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/services"
)

// connectorEnv are the settings of a connector the environment may set, as
// SAMVAD_CONNECTORS_<NAME>_<SETTING> (NAME in capitals, _ for _).
var connectorEnv = map[string]func(c *services.Connection, v string) error{
	"BASE_URL":    func(c *services.Connection, v string) error { c.BaseURL = v; return nil },
	"AUTH_ENV":    func(c *services.Connection, v string) error { c.Auth.Env = v; return nil },
	"AUTH_HEADER": func(c *services.Connection, v string) error { c.Auth.Header = v; return nil },
	"AUTH_SCHEME": func(c *services.Connection, v string) error { c.Auth.Scheme = &v; return nil },
	"CA_FILE":     func(c *services.Connection, v string) error { c.CAFile = v; return nil },
	"TIMEOUT": func(c *services.Connection, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration like 5s", v)
		}
		c.Timeout = d
		return nil
	},
	"MAX_RESPONSE_BYTES": func(c *services.Connection, v string) error {
		_, err := fmt.Sscan(v, &c.MaxResponseBytes)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		return nil
	},
}

// applyConnectorEnv sets connectors from SAMVAD_CONNECTORS_* variables; a
// connector the file does not name is added.
func applyConnectorEnv(cfg *Config, vars map[string]string) []string {
	var problems []string
	const prefix = "SAMVAD_CONNECTORS_"
	for k, v := range vars {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		name, set := "", ""
		for suffix := range connectorEnv {
			if n, ok := strings.CutSuffix(rest, "_"+suffix); ok && len(suffix) > len(set) && n != "" {
				name, set = n, suffix
			}
		}
		if set == "" {
			problems = append(problems, fmt.Sprintf("%s: not a connector setting (SAMVAD_CONNECTORS_<NAME>_BASE_URL, _AUTH_ENV, _AUTH_HEADER, _AUTH_SCHEME, _TIMEOUT, _MAX_RESPONSE_BYTES or _CA_FILE)", k))
			continue
		}
		id := strings.ToLower(name)
		if cfg.Connectors == nil {
			cfg.Connectors = map[string]services.Connection{}
		}
		c := cfg.Connectors[id]
		if err := connectorEnv[set](&c, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", k, err))
			continue
		}
		cfg.Connectors[id] = c
	}
	sort.Strings(problems)
	return problems
}
