package pdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
)

var (
	startxrefRE = regexp.MustCompile(`startxref\r?\n(\d+)\r?\n%%EOF\r?\n?$`)
	subsectRE   = regexp.MustCompile(`^xref\r?\n(\d+) (\d+)\r?\n`)
	entryRE     = regexp.MustCompile(`^(\d{10}) (\d{5}) ([nf])(?: \n| \r|\r\n)$`)
	sizeRE      = regexp.MustCompile(`/Size (\d+)`)
	lengthRE    = regexp.MustCompile(`<< /Length (\d+) >>\r?\nstream\r?\n`)
)

// Check reads the structure of a document the way a reader finds its way
// into one, and says what is wrong: the header, the startxref offset, every
// cross-reference entry pointing at "N 0 obj" of its own number, the trailer's
// /Size, and each stream's /Length matching the bytes before "endstream".
// It understands the documents this package writes (one cross-reference
// section, uncompressed streams with a direct length), not every PDF.
func Check(doc []byte) error {
	if !bytes.HasPrefix(doc, []byte("%PDF-1.")) {
		return fmt.Errorf("pdf: no %%PDF-1.x header")
	}
	m := startxrefRE.FindSubmatch(doc)
	if m == nil {
		return fmt.Errorf("pdf: no startxref and %%%%EOF at the end")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if xref >= len(doc) {
		return fmt.Errorf("pdf: startxref %d is beyond the end (%d bytes)", xref, len(doc))
	}
	rest := doc[xref:]
	sub := subsectRE.FindSubmatch(rest)
	if sub == nil {
		return fmt.Errorf("pdf: startxref %d does not point at an xref table", xref)
	}
	first, _ := strconv.Atoi(string(sub[1]))
	count, _ := strconv.Atoi(string(sub[2]))
	if first != 0 {
		return fmt.Errorf("pdf: the xref section starts at object %d, not 0", first)
	}
	entries := rest[len(sub[0]):]
	if len(entries) < 20*count {
		return fmt.Errorf("pdf: the xref table is cut short")
	}
	for i := 0; i < count; i++ {
		e := entryRE.FindSubmatch(entries[20*i : 20*i+20])
		if e == nil {
			return fmt.Errorf("pdf: xref entry %d is not 20 bytes of offset, generation and type: %q", i, entries[20*i:20*i+20])
		}
		if i == 0 {
			if string(e[3]) != "f" || string(e[2]) != "65535" {
				return fmt.Errorf("pdf: xref entry 0 is not the free-list head")
			}
			continue
		}
		off, _ := strconv.Atoi(string(e[1]))
		head := fmt.Sprintf("%d 0 obj", i)
		if off >= len(doc) || !bytes.HasPrefix(doc[off:], []byte(head)) {
			return fmt.Errorf("pdf: xref says object %d is at byte %d, which does not begin %q", i, off, head)
		}
	}
	trailer := entries[20*count:]
	if !bytes.HasPrefix(trailer, []byte("trailer")) {
		return fmt.Errorf("pdf: no trailer after the xref table")
	}
	size := sizeRE.FindSubmatch(trailer)
	if size == nil || string(size[1]) != strconv.Itoa(count) {
		return fmt.Errorf("pdf: the trailer's /Size does not match the %d xref entries", count)
	}
	return checkStreams(doc[:xref])
}

// checkStreams checks that each stream's declared /Length is the number of
// bytes between the end of line after "stream" and the one before "endstream".
func checkStreams(body []byte) error {
	for _, loc := range lengthRE.FindAllSubmatchIndex(body, -1) {
		n, _ := strconv.Atoi(string(body[loc[2]:loc[3]]))
		start := loc[1]
		end := start + n
		if end > len(body) {
			return fmt.Errorf("pdf: a stream's /Length %d runs past the end", n)
		}
		after := body[end:]
		if !bytes.HasPrefix(after, []byte("\nendstream")) && !bytes.HasPrefix(after, []byte("\r\nendstream")) && !bytes.HasPrefix(after, []byte("endstream")) {
			return fmt.Errorf("pdf: a stream's /Length %d does not end where endstream begins", n)
		}
	}
	return nil
}
