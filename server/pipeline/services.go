package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/script"
)

// grievanceDays is how long a ward office has to act on a grievance.
const grievanceDays = 7

// Services are the connectors the shipped flows call. The grievance
// connectors keep grievances in the store, inside the worker's step: a
// grievance exists only if the step that lodged it commits.
func (p *Pipeline) Services() engine.Services {
	return engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		done := make(chan struct{})
		defer close(done)
		if w := store.WorkFrom(ctx); w != nil {
			var last string
			if n := len(w.Messages); n > 0 {
				last = w.Messages[n-1].Wamid
			}
			go p.progress(w.Contact, last, done)
		}
		switch name {
		case "grievance.lodge":
			return p.lodgeGrievance(ctx, args)
		case "grievance.status":
			return p.grievanceStatus(ctx, args)
		}
		return nil, fmt.Errorf("%w %q", engine.ErrUnknownService, name)
	})
}

// DefaultProgressAfter is how long a department system may take before the
// citizen is told that the bot is still working on it.
const DefaultProgressAfter = 4 * time.Second

// progress tells a citizen that a slow department call is under way, unless
// the call finishes first. The message goes straight to the Graph API (the
// step's own replies are not committed yet), and only when none of the
// citizen's earlier replies is still waiting in the outbox, so that it can
// never overtake them. It is paced like any reply (a citizen who was just
// sent many messages gets none), counted in the metrics, and followed by
// the typing indicator again (wamid is the message being answered), since
// a message sent ends the indicator.
func (p *Pipeline) progress(c store.Contact, wamid string, done <-chan struct{}) {
	t := time.NewTimer(p.progressAfter)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	in := p.integrations[c.Integration]
	if in == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := p.store.ContactOutbox(ctx, c.ID)
	if err != nil {
		return
	}
	for _, r := range rows {
		if r.Status == "queued" || r.Status == "sending" {
			return
		}
	}
	text := p.commonText("common.please_wait", c.Language)
	if text == "" {
		text = "Checking with the department's system, please wait a moment…"
	}
	msg := whatsapp.TextMessage(text)
	addressTo(&msg, c.WaID, c.UserID)
	if _, ok := p.limiter.ReserveWithin(in.PhoneNumberID, recipientKey(c.WaID, c.UserID), p.now(), 0); !ok {
		return
	}
	if _, err := in.Client.Send(ctx, &msg); err != nil {
		p.log.Debug("progress message not sent", "integration", c.Integration, "err", err)
		return
	}
	p.metrics.messagesOut.WithLabelValues(in.ID, msg.Type).Inc()
	p.markRead(in, wamid)
}

func (p *Pipeline) lodgeGrievance(ctx context.Context, args map[string]any) (map[string]any, error) {
	w := store.WorkFrom(ctx)
	if w == nil {
		return nil, errors.New("grievance.lodge runs only inside a worker step")
	}
	now := p.now()
	g := store.Grievance{
		Category:    str(args["category"]),
		Description: str(args["description"]),
		PinCode:     str(args["pin"]),
		Status:      "registered",
		Due:         now.AddDate(0, 0, grievanceDays),
	}
	if loc, ok := args["location"].(map[string]any); ok {
		g.Location = &engine.Location{Latitude: num(loc["latitude"]), Longitude: num(loc["longitude"]),
			Name: str(loc["name"]), Address: str(loc["address"])}
	}
	if photo, ok := args["photo"].(map[string]any); ok && (str(photo["media_id"]) != "" || str(photo["url"]) != "") {
		g.Attachments = append(g.Attachments, engine.Attachment{Kind: str(photo["kind"]), MediaID: str(photo["media_id"]),
			MimeType: str(photo["mime_type"]), Filename: str(photo["filename"]), URL: str(photo["url"])})
	}
	ref, err := w.AddGrievance(ctx, g)
	if err != nil {
		return nil, err
	}
	return map[string]any{"reference": ref, "days": float64(grievanceDays)}, nil
}

func (p *Pipeline) grievanceStatus(ctx context.Context, args map[string]any) (map[string]any, error) {
	w := store.WorkFrom(ctx)
	if w == nil {
		return nil, errors.New("grievance.status runs only inside a worker step")
	}
	ref, ok := script.NormalizeReference(str(args["reference"]))
	if !ok {
		return map[string]any{"status": "not_found"}, nil
	}
	g, err := p.store.GrievanceByReference(ctx, w.Contact.Integration, ref)
	if errors.Is(err, store.ErrNotFound) {
		return map[string]any{"status": "not_found", "reference": ref}, nil
	}
	if err != nil {
		return nil, err
	}
	status := strings.ToLower(g.Status)
	if status == "" || status == "open" {
		status = "registered"
	}
	return map[string]any{"reference": g.Reference, "status": status,
		"due": g.Due.Format("2006-01-02"), "updated": g.Updated.Format("2006-01-02"), "note": ""}, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// GrievanceReference makes docket numbers such as GRV-26-4821-7305-A
// (casework.Reference) for the store, from a random serial; the store
// draws again in the rare case one is taken.
func GrievanceReference(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return casework.Reference("GRV", now.Year(), binary.LittleEndian.Uint64(b[:]))
}
