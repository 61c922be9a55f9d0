package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp/templates"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/locale"
	"github.com/samvad/samvad/server/api"
	"github.com/samvad/samvad/server/pipeline"
)

// Cases off the request path: what citizens are told when their case
// changes, and the periodic job that escalates cases past their deadline.

// window is WhatsApp's customer service window: free text reaches a
// citizen only this long after their last message; later, only an
// approved template does.
const window = 24 * time.Hour

// escalateEvery is how often the escalation job looks for overdue cases.
const escalateEvery = time.Minute

// citizenNotice is one message for a citizen, outside any conversation
// step: Text while the window is open (empty outside it), and the
// Template with its Params, filled as Message (nil when it does not fill
// and the window is open, so the text suffices).
type citizenNotice struct {
	Integration string
	ContactID   string
	Language    string
	Text        string
	Template    string
	Params      map[string]string
	// Message is the template filled and checked against the registry.
	Message *templates.Message
}

// noticeQueue queues notices for sending (the pipeline's staff queue).
type noticeQueue interface {
	QueueNotice(ctx context.Context, n citizenNotice) error
}

// staffNotices queues notices through the pipeline's staff queue: in
// order with the citizen's own messages, free text only while the window
// is open (the pipeline decides at queueing), else the template.
type staffNotices struct {
	queue interface {
		QueueStaff(ctx context.Context, m pipeline.StaffMessage) error
	}
}

// QueueNotice queues n as a staff notice.
func (q staffNotices) QueueNotice(ctx context.Context, n citizenNotice) error {
	m := pipeline.StaffMessage{Integration: n.Integration, Contact: strings.TrimPrefix(n.ContactID, n.Integration+"/"),
		Kind: pipeline.StaffNotice, Actor: "samvad", Text: n.Text}
	if n.Message != nil {
		m.Template, m.Preview = n.Message.Outgoing.Template, n.Message.Preview
	}
	err := q.queue.QueueStaff(ctx, m)
	if errors.Is(err, pipeline.ErrOptedOut) {
		return api.ErrOptedOut
	}
	return err
}

// errNoQueue is a notice's failure while no queue sends them.
var errNoQueue = errors.New("server: notices to citizens have no queue to go to on this server")

// caseNotifier tells citizens of their cases' changes, in their language.
type caseNotifier struct {
	// contact reads a citizen's contact (store.Store.Contact).
	contact func(ctx context.Context, id string) (store.Contact, error)
	library func() *engine.Library
	// templates are the approved templates, that a notice outside the
	// window is checked against before it is queued.
	templates func() *templates.Registry
	queue     noticeQueue
	now       func() time.Time
}

var _ api.CaseNotifier = (*caseNotifier)(nil)

// NotifyCase queues the notice: free text inside the citizen's window, the
// approved template outside it, nothing to a citizen who opted out.
func (n *caseNotifier) NotifyCase(ctx context.Context, c api.CaseNotice) error {
	contact, err := n.contact(ctx, c.ContactID)
	if err != nil {
		return fmt.Errorf("server: notify case %s: %w", c.Reference, err)
	}
	if contact.OptedOut {
		return api.ErrOptedOut
	}
	lang := contact.Language
	status := n.text("case.status."+string(c.Status), lang, nil)
	msg := citizenNotice{Integration: c.Integration, ContactID: c.ContactID, Language: lang}
	inside := !contact.LastSeen.IsZero() && n.now().Sub(contact.LastSeen) < window
	due := c.Due.Format("2006-01-02")
	if c.Escalated {
		if name := n.text("case.level."+strings.ReplaceAll(c.Level, " ", "_"), lang, nil); name != "" {
			c.Level = name
		}
		msg.Template = "grievance_escalated"
		msg.Params = map[string]string{"reference": c.Reference, "level": c.Level, "due": due}
		if inside {
			msg.Text = n.text("case.escalated", lang, locale.MapData{"reference": c.Reference, "level": c.Level, "due": due})
		}
	} else {
		remark := c.Remark
		if remark == "" {
			remark = n.text("case.no_remark", lang, nil)
		}
		msg.Template = "grievance_status_update"
		msg.Params = map[string]string{"reference": c.Reference, "status": status, "remarks": remark}
		if inside {
			msg.Text = n.text("case.status_changed", lang, locale.MapData{"reference": c.Reference, "status": status, "remark": c.Remark})
		}
	}
	// The template goes too when it fills, in case the window closes
	// before the notice is sent; outside the window it is required.
	if msg.Message, err = n.fill(msg.Template, lang, msg.Params); err != nil && !inside {
		return fmt.Errorf("server: notify case %s: %w", c.Reference, err)
	}
	if n.queue == nil {
		return errNoQueue
	}
	return n.queue.QueueNotice(ctx, msg)
}

// maxTemplateRemark is the most characters of a remark a template carries
// (grievance_status_update allows 300).
const maxTemplateRemark = 300

// fill checks a template's values in lang, or in English when the
// template has no approved translation in lang; a remark too long for the
// template is cut short with an ellipsis.
func (n *caseNotifier) fill(name, lang string, params map[string]string) (*templates.Message, error) {
	if r := []rune(params["remarks"]); len(r) > maxTemplateRemark {
		params["remarks"] = string(r[:maxTemplateRemark-1]) + "…"
	}
	var reg *templates.Registry
	if n.templates != nil {
		reg = n.templates()
	}
	if lang == "" {
		lang = "en"
	}
	m, err := reg.Check(name, lang, params)
	var pe *templates.ParamError
	if errors.As(err, &pe) && pe.Field == "language" && lang != "en" {
		m, err = reg.Check(name, "en", params)
	}
	return m, err
}

// text is a locale message in lang (or the nearest language that has it).
func (n *caseNotifier) text(key, lang string, data locale.MapData) string {
	m := n.library().Catalog.Resolve(key, locale.Chain(lang, "en")...)
	if m == nil {
		return ""
	}
	return m.Render(data)
}

// runEscalation escalates overdue cases every escalateEvery until stop.
func (s *Server) runEscalation(stop <-chan struct{}) {
	t := time.NewTicker(escalateEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if _, err := s.escalate(ctx); err != nil {
				s.log.Error("escalating overdue cases failed", "err", err)
			}
			cancel()
		}
	}
}

// escalate raises every open case past its deadline one level, with a
// new deadline, and tells each citizen. Several processes may run it at
// once: the store escalates each case once. It returns how many it
// escalated.
func (s *Server) escalate(ctx context.Context) (int, error) {
	policies := s.project.Load().ops.CasePolicies()
	policyOf := func(kind string) casework.Policy {
		if p, ok := policies[kind]; ok && len(p.Levels) > 0 {
			return p
		}
		return casework.DefaultPolicy
	}
	maxLevel := len(casework.DefaultPolicy.Levels) - 1
	for _, p := range policies {
		maxLevel = max(maxLevel, len(p.Levels)-1)
	}
	now := s.now()
	next := func(g store.Grievance) store.Escalation {
		p := policyOf(g.Kind)
		name, ok := p.Escalation(g.Level)
		if !ok {
			name = p.Levels[len(p.Levels)-1]
		}
		return store.Escalation{Due: p.Due(g.Category, now.In(s.zoneOf(g.Integration))), Remark: "escalated to the " + name,
			Department: s.departmentOf(g.Integration)}
	}
	done, err := s.store.EscalateDue(ctx, now, casework.OpenStored(), maxLevel, 200, next)
	for _, g := range done {
		p := policyOf(g.Kind)
		level := p.Levels[min(g.Level, len(p.Levels)-1)]
		st, _ := casework.ParseStatus(g.Status)
		notice := api.CaseNotice{Integration: g.Integration, ContactID: g.ContactID, Reference: g.Reference, Kind: g.Kind,
			Title: g.Title, Status: st, Escalated: true, Level: level, Due: g.Due}
		if nerr := s.notifier.NotifyCase(ctx, notice); nerr != nil && !errors.Is(nerr, api.ErrOptedOut) {
			s.log.Error("a citizen could not be told their case was escalated", "reference", g.Reference, "err", nerr)
		}
	}
	return len(done), err
}

// casebook is the pipeline's casebook, telling each department's webhook
// of its citizens' reopenings.
func (s *Server) casebook() *pipeline.Casebook {
	b := s.pipeline.Casebook()
	b.Department = s.departmentOf
	b.TimeZone = s.zoneOf
	return b
}

// departmentOf is the department that owns an integration ("" if none).
func (s *Server) departmentOf(integration string) string {
	if in := s.integrations[integration]; in != nil {
		return in.cfg.Department
	}
	return ""
}

// zoneOf is the time zone of the department that owns an integration.
func (s *Server) zoneOf(integration string) *time.Location {
	if z, err := time.LoadLocation(s.cfg.department(s.departmentOf(integration)).TimeZone); err == nil && s.departmentOf(integration) != "" {
		return z
	}
	return time.UTC
}
