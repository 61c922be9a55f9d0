package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// The session codec is a small binary format, because the store reads and
// writes a session for every message a citizen sends:
//
//	'S' 1 or 2                     magic and format version
//	status  u8
//	flow version node lang         strings (uvarint length + bytes)
//	retries uvarint
//	page    uvarint                version 2 only
//	started updated                varint Unix milliseconds (0: zero time)
//	vars                           map
//	frames  uvarint count, each: flow version node + map
//
// Values are a tag byte then: nil, false, true; float64 (8 bytes); string;
// time (varint Unix nanoseconds); list (count + values); map (count + string
// key and value pairs).
//
// A session with no page of a list on show is written as version 1, which
// a process of the previous release still reads during a rolling upgrade.

const (
	codecMagic = 'S'
	// codecVersion is the newest format; codecVersion1 has no page.
	codecVersion  = 2
	codecVersion1 = 1
)

const (
	tagNil byte = iota
	tagFalse
	tagTrue
	tagFloat
	tagString
	tagTime
	tagList
	tagMap
)

// maxPage bounds a stored page number (a list of a million rows is not
// paged through in a chat).
const maxPage = 1 << 16

// maxDepth bounds nesting in stored values (a service result inside a list …).
const maxDepth = 32

// ErrCorruptSession is returned by DecodeSession for bytes that are not a
// session. The caller should start the citizen afresh (and log it).
var ErrCorruptSession = errors.New("corrupt session state")

// Encode appends the session's binary form to buf.
func (s *Session) Encode(buf []byte) ([]byte, error) {
	version := byte(codecVersion1)
	if s.Page > 0 {
		version = codecVersion
	}
	buf = append(buf, codecMagic, version, byte(s.Status))
	buf = appendString(buf, s.Flow)
	buf = appendString(buf, s.Version)
	buf = appendString(buf, s.Node)
	buf = appendString(buf, s.Lang)
	buf = binary.AppendUvarint(buf, uint64(max(s.Retries, 0)))
	if version == codecVersion {
		buf = binary.AppendUvarint(buf, uint64(s.Page))
	}
	buf = appendTime(buf, s.Started)
	buf = appendTime(buf, s.Updated)
	var err error
	if buf, err = appendMap(buf, s.Vars, 0); err != nil {
		return nil, err
	}
	buf = binary.AppendUvarint(buf, uint64(len(s.Stack)))
	for _, f := range s.Stack {
		buf = appendString(buf, f.Flow)
		buf = appendString(buf, f.Version)
		buf = appendString(buf, f.Node)
		if buf, err = appendMap(buf, f.Vars, 0); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func appendTime(buf []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(buf, 0)
	}
	return binary.AppendVarint(buf, t.UnixMilli())
}

func appendMap(buf []byte, m map[string]any, depth int) ([]byte, error) {
	buf = binary.AppendUvarint(buf, uint64(len(m)))
	var err error
	for k, v := range m {
		buf = appendString(buf, k)
		if buf, err = appendValue(buf, v, depth+1); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	return buf, nil
}

func appendValue(buf []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errors.New("value nested too deeply")
	}
	switch x := v.(type) {
	case nil:
		return append(buf, tagNil), nil
	case bool:
		if x {
			return append(buf, tagTrue), nil
		}
		return append(buf, tagFalse), nil
	case float64:
		buf = append(buf, tagFloat)
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(x)), nil
	case int:
		return appendValue(buf, float64(x), depth)
	case int64:
		return appendValue(buf, float64(x), depth)
	case string:
		return appendString(append(buf, tagString), x), nil
	case time.Time:
		buf = append(buf, tagTime)
		if x.IsZero() {
			return binary.AppendVarint(buf, math.MinInt64), nil
		}
		return binary.AppendVarint(buf, x.UnixNano()), nil
	case []any:
		buf = binary.AppendUvarint(append(buf, tagList), uint64(len(x)))
		var err error
		for _, e := range x {
			if buf, err = appendValue(buf, e, depth+1); err != nil {
				return nil, err
			}
		}
		return buf, nil
	case map[string]any:
		return appendMap(append(buf, tagMap), x, depth)
	}
	return nil, fmt.Errorf("cannot store a %T in a session", v)
}

// DecodeSession reads a session written by Encode.
func DecodeSession(data []byte) (*Session, error) {
	s := &Session{}
	if err := s.Decode(data); err != nil {
		return nil, err
	}
	return s, nil
}

// Decode reads a session written by Encode into s, reusing s's maps where it can.
func (s *Session) Decode(data []byte) error {
	d := decoder{b: data}
	if len(data) < 3 || data[0] != codecMagic || (data[1] != codecVersion && data[1] != codecVersion1) {
		return ErrCorruptSession
	}
	d.b = data[2:]
	s.Status = SessionStatus(d.byte())
	s.Flow, s.Version, s.Node, s.Lang = d.string(), d.string(), d.string(), d.string()
	s.Retries, s.Page = int(d.uvarint()), 0
	if data[1] == codecVersion {
		if p := d.uvarint(); p <= maxPage {
			s.Page = int(p)
		} else {
			d.fail()
		}
	}
	s.Started, s.Updated = d.time(), d.time()
	if s.Vars == nil {
		s.Vars = map[string]any{}
	} else {
		clear(s.Vars)
	}
	d.mapInto(s.Vars, 0)
	n := d.count()
	s.Stack = s.Stack[:0]
	for i := 0; i < n && d.err == nil; i++ {
		f := Frame{Flow: d.string(), Version: d.string(), Node: d.string(), Vars: map[string]any{}}
		d.mapInto(f.Vars, 0)
		s.Stack = append(s.Stack, f)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = ErrCorruptSession
	}
	if d.err != nil || s.Status > SessionHandoff {
		return ErrCorruptSession
	}
	return nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() { d.err = ErrCorruptSession; d.b = nil }

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length and checks it against what is left, so a corrupt
// length cannot make the decoder allocate without bound.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) time() time.Time {
	ms := d.varint()
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func (d *decoder) mapInto(m map[string]any, depth int) {
	n := d.count()
	for i := 0; i < n && d.err == nil; i++ {
		k := d.string()
		m[k] = d.value(depth + 1)
	}
}

func (d *decoder) value(depth int) any {
	if depth > maxDepth {
		d.fail()
		return nil
	}
	switch d.byte() {
	case tagNil:
		return nil
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagFloat:
		if len(d.b) < 8 {
			d.fail()
			return nil
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
		d.b = d.b[8:]
		return f
	case tagString:
		return d.string()
	case tagTime:
		ns := d.varint()
		if ns == math.MinInt64 {
			return time.Time{}
		}
		return time.Unix(0, ns).UTC()
	case tagList:
		n := d.count()
		out := make([]any, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			out = append(out, d.value(depth+1))
		}
		return out
	case tagMap:
		m := map[string]any{}
		d.mapInto(m, depth)
		return m
	}
	d.fail()
	return nil
}
