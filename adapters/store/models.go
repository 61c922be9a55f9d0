package store

import (
	"database/sql"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// The bun models of the rows the store reads and writes outside the hot
// path (the hot path's statements are built by hand in internal/sqlb and
// the drivers). Times are driver.Time, written and read in each database's
// form (timestamptz, or INTEGER microseconds on SQLite).

type integrationModel struct {
	bun.BaseModel `bun:"table:integrations"`

	ID            string      `bun:"id,pk"`
	Name          string      `bun:"name"`
	PhoneNumberID string      `bun:"phone_number_id"`
	Settings      []byte      `bun:"settings"`
	HasToken      bool        `bun:"has_token,scanonly"`
	CreatedAt     driver.Time `bun:"created_at"`
	UpdatedAt     driver.Time `bun:"updated_at"`
}

type contactModel struct {
	bun.BaseModel `bun:"table:contacts"`

	ID            string      `bun:"id,pk"`
	IntegrationID string      `bun:"integration_id"`
	Key           string      `bun:"key"`
	WaID          string      `bun:"wa_id"`
	UserID        string      `bun:"user_id"`
	ProfileName   string      `bun:"profile_name"`
	Username      string      `bun:"username"`
	Language      string      `bun:"language"`
	OptedOut      bool        `bun:"opted_out"`
	Version       int64       `bun:"version"`
	Steps         int64       `bun:"steps"`
	Conversations int         `bun:"conversations"`
	MsgSeq        int64       `bun:"msg_seq"`
	HoldUntil     driver.Time `bun:"hold_until"`
	FirstSeen     driver.Time `bun:"first_seen"`
	LastSeen      driver.Time `bun:"last_seen"`
}

type grievanceModel struct {
	bun.BaseModel `bun:"table:grievances"`

	IntegrationID   string          `bun:"integration_id,pk"`
	Reference       string          `bun:"reference,pk"`
	ContactID       string          `bun:"contact_id"`
	Category        string          `bun:"category"`
	Description     string          `bun:"description"`
	PinCode         string          `bun:"pin_code"`
	Latitude        sql.NullFloat64 `bun:"latitude"`
	Longitude       sql.NullFloat64 `bun:"longitude"`
	LocationName    string          `bun:"location_name"`
	LocationAddress string          `bun:"location_address"`
	Attachments     []byte          `bun:"attachments"`
	Status          string          `bun:"status"`
	DueAt           driver.Time     `bun:"due_at"`
	CreatedAt       driver.Time     `bun:"created_at"`
	UpdatedAt       driver.Time     `bun:"updated_at"`
	Kind            string          `bun:"kind"`
	Title           string          `bun:"title"`
	Fields          []byte          `bun:"fields"`
	Note            string          `bun:"note"`
	Serial          sql.NullInt64   `bun:"serial"`
	AssignedTo      string          `bun:"assigned_to"`
	Level           int             `bun:"escalation_level"`
	ResolvedAt      driver.Time     `bun:"resolved_at"`
}

type caseHistoryModel struct {
	bun.BaseModel `bun:"table:case_history"`

	ID            int64       `bun:"id,pk,autoincrement"`
	IntegrationID string      `bun:"integration_id"`
	Reference     string      `bun:"reference"`
	At            driver.Time `bun:"at"`
	Actor         string      `bun:"actor"`
	Action        string      `bun:"action"`
	FromStatus    string      `bun:"from_status"`
	ToStatus      string      `bun:"to_status"`
	Remark        string      `bun:"remark"`
}

type flowVersionModel struct {
	bun.BaseModel `bun:"table:flow_versions"`

	FlowID    string      `bun:"flow_id,pk"`
	Version   string      `bun:"version,pk"`
	Source    []byte      `bun:"source"`
	FirstSeen driver.Time `bun:"first_seen"`
}

type eventLogModel struct {
	bun.BaseModel `bun:"table:event_log"`

	ID            int64       `bun:"id,pk,autoincrement"`
	IntegrationID string      `bun:"integration_id"`
	Level         string      `bun:"level"`
	Kind          string      `bun:"kind"`
	Message       string      `bun:"message"`
	Data          []byte      `bun:"data"`
	At            driver.Time `bun:"at"`
}

type eventModel struct {
	bun.BaseModel `bun:"table:events"`

	Kind   string      `bun:"kind"`
	Flow   string      `bun:"flow"`
	Node   string      `bun:"node"`
	Detail string      `bun:"detail"`
	At     driver.Time `bun:"at"`
}

type parkedModel struct {
	bun.BaseModel `bun:"table:inbox"`

	ID            int64       `bun:"id,pk"`
	IntegrationID string      `bun:"integration_id"`
	ContactID     string      `bun:"contact_id"`
	Wamid         string      `bun:"wamid"`
	Type          string      `bun:"type"`
	Summary       string      `bun:"summary"`
	Attempts      int         `bun:"attempts"`
	LastError     string      `bun:"last_error"`
	DoneAt        driver.Time `bun:"done_at"`
}

type outboxModel struct {
	bun.BaseModel `bun:"table:outbox"`

	ID            int64          `bun:"id,pk"`
	ContactID     string         `bun:"contact_id"`
	IntegrationID string         `bun:"integration_id"`
	WaID          string         `bun:"wa_id"`
	UserID        string         `bun:"user_id"`
	Seq           int64          `bun:"seq"`
	Conversation  int            `bun:"conversation"`
	Type          string         `bun:"type"`
	Summary       string         `bun:"summary"`
	Payload       []byte         `bun:"payload"`
	Attempts      int            `bun:"attempts"`
	Claims        int            `bun:"claims"`
	CreatedAt     driver.Time    `bun:"created_at"`
	Status        int            `bun:"status"`
	ProviderWamid sql.NullString `bun:"provider_wamid"`
	ErrorCode     sql.NullInt64  `bun:"error_code"`
	ErrorTitle    sql.NullString `bun:"error_title"`
	ErrorDetails  sql.NullString `bun:"error_details"`
	DueAt         driver.Time    `bun:"due_at"`
	LeaseUntil    driver.Time    `bun:"lease_until"`
	SentAt        driver.Time    `bun:"sent_at"`
}

// historyModel is a row of History: the history row joined with its
// outbox row.
type historyModel struct {
	Seq          int64          `bun:"seq"`
	Conversation int            `bun:"conversation"`
	Direction    string         `bun:"direction"`
	Wamid        sql.NullString `bun:"wamid"`
	Type         string         `bun:"type"`
	Summary      string         `bun:"summary"`
	Status       int            `bun:"status"`
	ErrorCode    sql.NullInt64  `bun:"error_code"`
	ErrorTitle   sql.NullString `bun:"error_title"`
	ErrorDetails sql.NullString `bun:"error_details"`
	At           driver.Time    `bun:"at"`
	StatusAt     driver.Time    `bun:"status_at"`
	Actor        string         `bun:"actor"`
}
