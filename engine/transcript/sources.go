package transcript

import (
	"os"
	"path/filepath"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
)

// FindSources finds what a run of conversation tests needs: the
// transcripts under paths, and the flows and locale files to run them
// against. A project is a directory holding flows/ and locales/; flows or
// locale files the paths do not hold come from the project the first path
// is in (the nearest such directory at or above it). With no paths, the
// project is the one the working directory is in, and all of it is read.
//
// So `samvad test` works from any directory of a project (flows/tests
// included), and `samvad test flows/tests/status_hi.yaml` runs that one
// test against every flow. Paths in the result and in its problems are
// relative to the working directory where they can be.
func FindSources(paths ...string) (engine.Sources, diag.List) {
	if len(paths) == 0 {
		if root, ok := findProject("."); ok {
			return readProject(root, "flows", "locales")
		}
		return engine.ReadSources("flows", "locales")
	}
	src, l := engine.ReadSources(paths...)
	if len(src.Flows) > 0 && len(src.Locales) > 0 {
		return src, l
	}
	root, ok := findProject(paths[0])
	if !ok {
		return src, l
	}
	if len(src.Flows) == 0 {
		more, ml := readProject(root, "flows")
		src.Flows, l = more.Flows, append(l, ml...)
	}
	if len(src.Locales) == 0 {
		more, ml := readProject(root, "locales")
		src.Locales, l = more.Locales, append(l, ml...)
	}
	return src, l
}

// readProject reads directories of the project at root, naming each file
// relative to the working directory.
func readProject(root string, dirs ...string) (engine.Sources, diag.List) {
	for i, d := range dirs {
		dirs[i] = filepath.Join(root, d)
	}
	src, l := engine.ReadSources(dirs...)
	for _, files := range [][]engine.File{src.Flows, src.Locales, src.Transcripts} {
		for i := range files {
			files[i].Path = relative(files[i].Path)
		}
	}
	return src, l
}

// findProject returns the nearest directory at or above path that holds
// both flows/ and locales/.
func findProject(path string) (string, bool) {
	dir, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		dir = filepath.Dir(dir)
	}
	for {
		if isDir(filepath.Join(dir, "flows")) && isDir(filepath.Join(dir, "locales")) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// relative writes an absolute path relative to the working directory, when
// it can.
func relative(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil {
		return rel
	}
	return path
}
