package console

import (
	"context"
	"errors"
	"time"

	"github.com/samvad/samvad/server/api"
)

// Data is where the pages' contents come from; the server answers from
// the store, the loaded flows and the integrations, within the
// principal's department.
type Data interface {
	// Dashboard is the dashboard's figures for the principal's department.
	Dashboard(ctx context.Context, p api.Principal) (Dashboard, error)
	// Flows are the loaded flows.
	Flows(ctx context.Context, p api.Principal) ([]Flow, error)
	// Integrations are the department's integrations.
	Integrations(ctx context.Context, p api.Principal) ([]Integration, error)
	// TestConnection asks the Graph API about an integration's number and
	// says what it answered; ErrNotFound when the integration is not the
	// department's.
	TestConnection(ctx context.Context, p api.Principal, integration string) (string, error)
	// EventLog is an integration's newest events, newest first;
	// ErrNotFound when the integration is not the department's.
	EventLog(ctx context.Context, p api.Principal, integration string) ([]Event, error)
}

// ErrNotFound is Data's answer about what the principal may not see.
var ErrNotFound = errors.New("console: not found")

// Dashboard is the dashboard's figures.
type Dashboard struct {
	// Days are the messages in and out per day, oldest first.
	Days []Day
	// Funnel is one flow's funnel.
	Funnel Funnel
	// ByStatus and ByDistrict count grievances and requests.
	ByStatus, ByDistrict []Count
}

// Day is one day's messages.
type Day struct {
	Day     time.Time
	In, Out int
}

// Funnel is how far the citizens who started a flow got.
type Funnel struct {
	Flow  string
	Steps []Count
}

// Count is a label and a number.
type Count struct {
	Label string
	N     int
}

// Flow is a loaded flow, as the flows page shows it.
type Flow struct {
	ID, File, Version string
	// Title is the flow's name in English (empty when it has none).
	Title string
	// Versions are the versions archived in the store, newest first.
	Versions []Version
	// Languages say, for every enabled language, whether the flow offers
	// it and how many of its messages lack a translation.
	Languages []Coverage
	// Problems are the lint warnings about its file.
	Problems []string
}

// Version is an archived version of a flow.
type Version struct {
	Version string
	First   time.Time
}

// Coverage is a flow's coverage of one language.
type Coverage struct {
	Code    string
	Offered bool
	Missing int
}

// Integration is one WhatsApp number, as the integrations page shows it.
type Integration struct {
	ID, Name, PhoneNumberID string
	// Status is "active" (events in the last day), "idle" or "no_token".
	Status       string
	LastActivity time.Time
}

// Event is one row of an integration's event log.
type Event struct {
	At                   time.Time
	Level, Kind, Message string
}
