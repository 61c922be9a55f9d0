package store

import "github.com/samvad/samvad/adapters/store/internal/sqlb"

// cleanText makes s valid UTF-8 without NUL bytes, as both databases store
// text.
func cleanText(s string) string { return sqlb.CleanText(s) }

// trimTo cuts s to at most n bytes on a rune boundary.
func trimTo(s string, n int) string { return sqlb.TrimTo(s, n) }
