package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// AuditEntry is one row of the audit log: who changed what, when, and the
// target's state before and after. Each row's Hash covers PrevHash (the
// previous row's Hash) and the row's own fields, so the rows form a chain
// in which an edited, deleted or inserted row shows (VerifyAudit).
type AuditEntry struct {
	// ID is the row's place in the chain: 1, 2, 3…
	ID         int64
	At         time.Time
	Department string
	Actor      string
	KeyID      string
	Action     string
	Target     string
	// Before and After are JSON (nil: the target did not exist).
	Before, After json.RawMessage
	PrevHash      string
	Hash          string
}

type auditModel struct {
	bun.BaseModel `bun:"table:audit_log"`

	ID         int64       `bun:"id,pk"`
	At         driver.Time `bun:"at"`
	Department string      `bun:"department"`
	Actor      string      `bun:"actor"`
	KeyID      string      `bun:"key_id"`
	Action     string      `bun:"action"`
	Target     string      `bun:"target"`
	Before     *string     `bun:"before"`
	After      *string     `bun:"after"`
	PrevHash   string      `bun:"prev_hash"`
	Hash       string      `bun:"hash"`
}

func (m *auditModel) entry() AuditEntry {
	e := AuditEntry{ID: m.ID, At: m.At.T, Department: m.Department, Actor: m.Actor, KeyID: m.KeyID, Action: m.Action,
		Target: m.Target, PrevHash: m.PrevHash, Hash: m.Hash}
	if m.Before != nil {
		e.Before = json.RawMessage(*m.Before)
	}
	if m.After != nil {
		e.After = json.RawMessage(*m.After)
	}
	return e
}

// auditLockKey is the Postgres advisory lock that orders appends to the
// audit log across processes ("samvad:audit" in ASCII, as a number).
const auditLockKey = 0x73616d7661646175

// chainHash is a row's hash: SHA-256 over the previous row's hash and the
// row's fields, each prefixed by its length so that no two different rows
// write the same bytes. A nil Before or After differs from an empty one.
func chainHash(m *auditModel) string {
	h := sha256.New()
	h.Write([]byte("samvad audit v1\x00"))
	field := func(s string) {
		h.Write(binary.AppendUvarint(nil, uint64(len(s))))
		h.Write([]byte(s))
	}
	optional := func(s *string) {
		if s == nil {
			h.Write([]byte{0})
			return
		}
		h.Write([]byte{1})
		field(*s)
	}
	field(m.PrevHash)
	field(strconv.FormatInt(m.ID, 10))
	field(strconv.FormatInt(m.At.T.UnixMicro(), 10))
	for _, s := range []string{m.Department, m.Actor, m.KeyID, m.Action, m.Target} {
		field(s)
	}
	optional(m.Before)
	optional(m.After)
	return hex.EncodeToString(h.Sum(nil))
}

// AppendAudit adds e to the end of the audit log and returns it as stored
// (its ID, time and hashes filled in). Appends from several processes
// chain one after another: on Postgres each takes an advisory lock for its
// transaction before reading the last row; SQLite has one writer.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if e.Action == "" || e.Actor == "" {
		return AuditEntry{}, fmt.Errorf("store: audit: %w", invalidf("an entry needs an action and an actor"))
	}
	m := &auditModel{Department: cleanText(trimTo(e.Department, 64)), Actor: cleanText(trimTo(e.Actor, 200)),
		KeyID: cleanText(trimTo(e.KeyID, 64)), Action: cleanText(trimTo(e.Action, 128)), Target: cleanText(trimTo(e.Target, 512))}
	for _, p := range []struct {
		raw json.RawMessage
		to  **string
	}{{e.Before, &m.Before}, {e.After, &m.After}} {
		if p.raw == nil {
			continue
		}
		if !json.Valid(p.raw) {
			return AuditEntry{}, fmt.Errorf("store: audit: %w", invalidf("before and after must be JSON"))
		}
		v := string(p.raw)
		*p.to = &v
	}
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		if s.Dialect() == "postgres" {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(auditLockKey)); err != nil {
				return err
			}
		}
		var last auditModel
		err := tx.NewSelect().Model(&last).Column("id", "hash").OrderExpr("id DESC").Limit(1).Scan(ctx)
		if err != nil && s.dbError(err) != ErrNotFound {
			return err
		}
		m.ID, m.PrevHash = last.ID+1, last.Hash
		m.At = driver.At(s.now().UTC().Truncate(time.Microsecond))
		m.Hash = chainHash(m)
		_, err = tx.NewInsert().Model(m).Exec(ctx)
		return err
	})
	if err != nil {
		return AuditEntry{}, fmt.Errorf("store: audit: %w", err)
	}
	return m.entry(), nil
}

// AuditLog returns department's entries, newest first: at most limit of
// them, older than the entry before (all when before is 0).
func (s *Store) AuditLog(ctx context.Context, department string, before int64, limit int) ([]AuditEntry, error) {
	var ms []auditModel
	err := s.read(ctx, func(db *bun.DB) error {
		q := db.NewSelect().Model(&ms).Where("department = ?", department).OrderExpr("id DESC").Limit(limit)
		if before > 0 {
			q.Where("id < ?", before)
		}
		return q.Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	es := make([]AuditEntry, len(ms))
	for i := range ms {
		es[i] = ms[i].entry()
	}
	return es, nil
}

// AuditBreak is where the audit chain breaks: the first row that is not
// what the chain says it should be, and why.
type AuditBreak struct {
	// ID is the row at fault (for a missing row: the first row after the
	// gap).
	ID     int64
	Reason string
}

func (b *AuditBreak) String() string { return fmt.Sprintf("row %d: %s", b.ID, b.Reason) }

// VerifyAudit walks the audit log from its first row and returns the
// first break in the chain (nil when it is whole) and how many rows it
// checked: a row whose fields were edited no longer matches its hash; a
// deleted row leaves a gap in the ids, and the row after it points to a
// hash no row has; an inserted row cannot fit between its neighbours
// without breaking the next one's link.
func (s *Store) VerifyAudit(ctx context.Context) (*AuditBreak, int64, error) {
	const page = 1000
	var prev auditModel
	var n int64
	for {
		var ms []auditModel
		err := s.read(ctx, func(db *bun.DB) error {
			return db.NewSelect().Model(&ms).Where("id > ?", prev.ID).OrderExpr("id").Limit(page).Scan(ctx)
		})
		if err != nil {
			return nil, n, fmt.Errorf("store: verify audit: %w", err)
		}
		for i := range ms {
			if b := auditLink(&prev, &ms[i]); b != nil {
				return b, n, nil
			}
			prev = ms[i]
			n++
		}
		if len(ms) < page {
			return nil, n, nil
		}
	}
}

// auditLink checks row m against the row before it in the chain.
func auditLink(prev, m *auditModel) *AuditBreak {
	switch {
	case m.ID != prev.ID+1:
		return &AuditBreak{ID: m.ID, Reason: fmt.Sprintf("rows %d to %d are missing (deleted)", prev.ID+1, m.ID-1)}
	case m.PrevHash != prev.Hash:
		return &AuditBreak{ID: m.ID, Reason: "its prev_hash is not the hash of the row before it (a row was deleted, inserted or edited)"}
	case chainHash(m) != m.Hash:
		return &AuditBreak{ID: m.ID, Reason: "its fields do not match its hash (the row was edited)"}
	}
	return nil
}
