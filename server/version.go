package server

import (
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Build says which Samvad is running: what a department's operator quotes
// when reporting a problem (`samvad version`, /healthz, and the
// samvad_build_info metric).
type Build struct {
	// Version is the module version the Go toolchain stamped: a release tag,
	// a pseudo-version made from the commit (v0.0.0-20260105…-abcdef…,
	// "+dirty" with uncommitted changes), or "(devel)" for go run and tests.
	Version string
	// Commit is the VCS revision the binary was built from ("" when the
	// build did not record it: go run, go test, a copy outside git).
	Commit string
	// CommitTime is that revision's commit time.
	CommitTime time.Time
	// Modified says the work tree had uncommitted changes.
	Modified bool
	// Built is when the executable file was written: the build time,
	// without stamping it in with -ldflags (which would relink every build).
	Built time.Time
	// GoVersion is the toolchain that built it.
	GoVersion string
}

// ReadBuild reads the running binary's build information.
func ReadBuild() Build {
	b := Build{Version: "(devel)", GoVersion: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			b.Version = info.Main.Version
		}
		b.GoVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.CommitTime, _ = time.Parse(time.RFC3339, s.Value)
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			b.Built = st.ModTime()
		}
	}
	return b
}

// ShortCommit is the commit's first 12 hex digits, with "+dirty" when the
// work tree had changes; "unknown" when the build did not record one.
func (b Build) ShortCommit() string {
	c := b.Commit
	if c == "" {
		return "unknown"
	}
	if len(c) > 12 {
		c = c[:12]
	}
	if b.Modified {
		c += "+dirty"
	}
	return c
}

// buildInfoGauge is samvad_build_info: always 1, its labels say the build.
func buildInfoGauge(b Build) prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "samvad_build_info",
		Help: "Always 1; the labels say which build of Samvad is running."}, []string{"version", "commit", "goversion"})
	g.WithLabelValues(b.Version, b.ShortCommit(), b.GoVersion).Set(1)
	return g
}
