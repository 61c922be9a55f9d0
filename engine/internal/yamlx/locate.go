package yamlx

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// yaml.v3 says where a syntax error is only as "line N", and N is often the
// line where the enclosing block began (a list item misaligned on line 6 of
// a list that began on line 2 is reported at line 2), never with a column.
// The package keeps the scanner's marks to itself, so locate finds the place
// the way a person would: the shortest beginning of the document that
// already fails with the same problem ends at it. It tries whole lines from
// just before the line yaml.v3 named, then the characters of the line found.
// A document that fails only once it ends (an unclosed quote or bracket) is
// placed where the quote or bracket opens.
//
// Each try is a parse, and tries happen only when a document does not
// parse. Lines are tried one by one while that is cheap; for a long
// document they are bisected. maxLocateBytes bounds the bytes parsed in all.
const maxLocateBytes = 4 << 20

// locate returns the 1-based line and column of a syntax problem, given the
// problem's text without its "line N: " and the line yaml.v3 named (0 if
// none).
func locate(content []byte, problem string, named int) (line, col int, ok bool) {
	starts := lineStarts(content)
	budget := maxLocateBytes
	fails := func(end int) bool {
		budget -= end
		var n yaml.Node
		err := yaml.Unmarshal(content[:end], &n)
		return err != nil && sameProblem(err, problem)
	}
	from := max(named-1, 1)
	if from > len(starts) {
		return 0, 0, false
	}
	if (len(starts)-from+1)*len(content) <= budget/2 {
		for l := from; l <= len(starts); l++ {
			if fails(lineEnd(content, starts, l)) {
				line = l
				break
			}
		}
	} else {
		// The whole document fails; find the first line whose prefix does.
		lo, hi := from-1, len(starts)
		for hi-lo > 1 && budget > 0 {
			mid := (lo + hi) / 2
			if fails(lineEnd(content, starts, mid)) {
				hi = mid
			} else {
				lo = mid
			}
		}
		line = hi
	}
	if line == 0 {
		return 0, 0, false
	}
	start := starts[line-1]
	text := content[start:lineEnd(content, starts, line)]
	col = indentCol(text) // unless one character is found to be the problem
	if len(text)*(start+len(text)) > budget {
		return line, col, true
	}
	for k := 0; k < len(text); {
		_, size := utf8.DecodeRune(text[k:])
		k += size
		if fails(start + k) {
			if !misplacedKey(text[:k]) {
				col = utf8.RuneCount(text[:k]) // the character that made it fail
			}
			break
		}
	}
	return line, col, true
}

// sameProblem reports whether err is the problem named, wherever it is.
func sameProblem(err error, problem string) bool {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
	}
	return msg == problem
}

// lineStarts returns the byte offset at which each line begins.
func lineStarts(content []byte) []int {
	starts := []int{0}
	for i, c := range content {
		if c == '\n' && i+1 < len(content) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// lineEnd is the offset just past line l (1-based), its newline included.
func lineEnd(content []byte, starts []int, l int) int {
	if l < len(starts) {
		return starts[l]
	}
	return len(content)
}

// misplacedKey reports whether the failing part of a line is its own key and
// the colon after it ("  bot:" where "bot" is indented wrongly): the author
// should look at where the key begins, not at the colon. A colon later in
// the line ("say: Note: bring ID") is itself the problem.
func misplacedKey(failing []byte) bool {
	before, ok := bytes.CutSuffix(failing, []byte(":"))
	if !ok {
		return false
	}
	key := bytes.TrimLeft(before, " \t")
	key = bytes.TrimPrefix(key, []byte("- "))
	return len(key) > 0 && !bytes.ContainsAny(key, ": \t")
}

// indentCol is the column of a line's first character that is not a space
// or tab.
func indentCol(text []byte) int {
	trimmed := bytes.TrimLeft(text, " \t")
	return len(text) - len(trimmed) + 1
}
